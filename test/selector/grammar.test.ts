import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { selectorDiagramHtml } from "../../src/selector/diagram.js";
import { serializedSelectorGrammar } from "../../src/selector/parser.js";

const grammarDir = join(import.meta.dirname, "..", "..", "grammar");

describe("grammar/", () => {
  it("selector-diagram.html is what `npm run grammar` generates from the parser (run it if this fails)", () => {
    const committed = readFileSync(join(grammarDir, "selector-diagram.html"), "utf8");
    expect(committed === selectorDiagramHtml()).toBe(true);
  });

  it("selector.ebnf defines every rule of the parser", () => {
    const ebnf = readFileSync(join(grammarDir, "selector.ebnf"), "utf8");
    const rules = serializedSelectorGrammar().map((r) => (r as unknown as { name: string }).name);
    expect(rules).toEqual(["selector", "orExpr", "andExpr", "unary", "primary", "comparison", "set"]);
    for (const rule of rules) {
      const snake = rule.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      expect(ebnf).toMatch(new RegExp(`^${snake}\\s+=`, "m"));
    }
  });
});
