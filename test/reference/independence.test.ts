/**
 * The reference stays independent of what it checks: its non-test files (the evaluator, its
 * selector and CIDR code, the generators) import nothing from src/ but types. A value import
 * from src/ would let a compiler bug fail the same way on both sides of the differential test.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const src = resolve(here, "../../src");

/** Every `import`/`export … from` of a file: its specifier and whether the whole statement is type-only. */
export function importsOf(text: string): { specifier: string; typeOnly: boolean }[] {
  const out: { specifier: string; typeOnly: boolean; at: number }[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^;"']*?)\s+from\s+["']([^"']+)["']/gm)) {
    const clause = m[2]!.trim();
    // `import { type A, type B } from` is type-only too; `import { type A, b }` is not.
    const braces = /^\{([^}]*)\}$/.exec(clause);
    const allTypes = braces !== null && braces[1]!.split(",").map((s) => s.trim()).filter((s) => s !== "").every((s) => s.startsWith("type "));
    out.push({ specifier: m[3]!, typeOnly: m[1] !== undefined || allTypes, at: m.index });
  }
  for (const m of text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) out.push({ specifier: m[1]!, typeOnly: false, at: m.index });
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push({ specifier: m[1]!, typeOnly: false, at: m.index });
  return out.sort((a, b) => a.at - b.at).map(({ specifier, typeOnly }) => ({ specifier, typeOnly }));
}

const files = readdirSync(here).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));

describe("the reference imports nothing from src/ but types", () => {
  it("finds the reference's files and their imports", () => {
    expect(files).toEqual(expect.arrayContaining(["semantics.ts", "selector.ts", "cluster.ts", "cidr.ts", "label-selector.ts", "generators.ts"]));
  });

  it.each(files)("%s", (file) => {
    const offending = importsOf(readFileSync(join(here, file), "utf8"))
      .filter((i) => i.specifier.startsWith(".") && resolve(here, i.specifier).startsWith(src) && !i.typeOnly)
      .map((i) => i.specifier);
    expect(offending).toEqual([]);
  });

  it("the scan sees value imports, type-only imports, re-exports and dynamic imports", () => {
    const text = [
      'import { parseSelector } from "../../src/selector/index.js";',
      'import type { Flow } from "../../src/trace/index.js";',
      'import { type Labels, type Model } from "../../src/model/index.js";',
      'import { type Labels, loadSources } from "../../src/model/index.js";',
      'export { compile } from "../../src/render/compile.js";',
      'import "../../src/index.js";',
      'const m = await import("../../src/trace/index.js");',
      "import {\n  a,\n  b,\n} from './local.js';",
    ].join("\n");
    expect(importsOf(text)).toEqual([
      { specifier: "../../src/selector/index.js", typeOnly: false },
      { specifier: "../../src/trace/index.js", typeOnly: true },
      { specifier: "../../src/model/index.js", typeOnly: true },
      { specifier: "../../src/model/index.js", typeOnly: false },
      { specifier: "../../src/render/compile.js", typeOnly: false },
      { specifier: "../../src/index.js", typeOnly: false },
      { specifier: "../../src/trace/index.js", typeOnly: false },
      { specifier: "./local.js", typeOnly: false },
    ]);
  });
});
