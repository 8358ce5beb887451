import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSelector } from "../../src/selector/index.js";
import { syntaxError } from "./helpers.js";

/** `a0 == "v" && (a1 == "v" && (… (aN == "v") …))`, and its canonical form, built independently. */
function rightNested(depth: number): { text: string; canonical: string } {
  let text = `a${depth} == "v"`;
  let canonical = text;
  for (let i = depth - 1; i >= 0; i--) {
    text = `a${i} == 'v' && (${text})`;
    canonical = `(a${i} == "v" && ${canonical})`;
  }
  return { text, canonical };
}

describe("deeply nested selectors (Calico has no depth limit; the API allows about 511 levels)", () => {
  it.each([10, 47, 48, 49, 200, 511, 2000])("parses %i levels of right-nested && groups", (depth) => {
    const { text, canonical } = rightNested(depth);
    const sel = parseSelector(text);
    expect(sel.canonical).toBe(canonical);
    const labels = Object.fromEntries(Array.from({ length: depth + 1 }, (_, i) => [`a${i}`, "v"]));
    expect(sel.matches(labels)).toBe(true);
    expect(sel.matches({ ...labels, [`a${depth}`]: "w" })).toBe(false);
  });

  it.each([
    [500, "(", ")"],
    [509, "(", ")"],
    [339, "!(", ")"],
    [2048, "(", ")"],
  ])("parses %i levels of %j … %j", (depth, open, close) => {
    const sel = parseSelector(`${open.repeat(depth)}has(a)${close.repeat(depth)}`);
    const nots = open === "!(" ? depth % 2 : 0;
    expect(sel.matches({ a: "" })).toBe(nots === 0);
    if (open === "(") expect(sel.canonical).toBe("has(a)");
    else expect(sel.canonical).toBe(`${"!".repeat(depth)}has(a)`);
  });

  it("parses the same AST whether groups are parsed top-down or bottom-up", () => {
    const inner = '(a == "1" || b == "2") && !(c in {"x"} && (has(d) || e != "f"))';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120 }), fc.boolean(), (depth, negate) => {
        const text = `${(negate ? "!(" : "(").repeat(depth)}${inner}${")".repeat(depth)}`;
        const expected = parseSelector(`${negate && depth % 2 === 1 ? "!" : ""}(${inner})`);
        const sel = parseSelector(text);
        if (!negate) expect(sel.ast).toEqual(expected.ast);
        expect(sel.matches({ a: "1" })).toBe(expected.matches({ a: "1" }));
        expect(sel.matches({ c: "x" })).toBe(expected.matches({ c: "x" }));
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ["(".repeat(60) + "a == b" + ")".repeat(60), 66, "a quoted string"],
    ["(".repeat(60) + ")".repeat(60), 61, "a label, has(label), all(), global(), ! or ("],
    ["(".repeat(60) + 'a == "x" b' + ")".repeat(60), 70, "&&, || or )"],
    ["(".repeat(60) + 'a == "x"' + ")".repeat(59), 128, "&&, || or )"],
    ["(".repeat(60) + 'a == "x"' + ")".repeat(61), 129, "&&, || or end of selector"],
    // Groups are parsed as they close, so in deep input an error inside a later group can be
    // reported before a problem that precedes it (here: `(b)` is not a complete comparison).
    ["(".repeat(60) + 'a == "x"' + ")".repeat(60) + " (b)", 132, "==, !=, in, not in, contains, starts with or ends with"],
    ["(".repeat(60) + 'a == "x"' + ")".repeat(60) + " (has(b))", 130, "&&, || or end of selector"],
  ])("reports errors in deep input (%#)", (text, column, expected) => {
    const err = syntaxError(text);
    expect({ column: err.column, expected: err.expected }).toEqual({ column, expected });
  });

  it("rejects more than 2048 levels with a clear error instead of exhausting the stack", () => {
    const err = syntaxError(`${"(".repeat(5000)}has(a)${")".repeat(5000)}`);
    expect(err.column).toBe(2049);
    expect(err.message).toBe("selector nested too deeply: more than 2048 levels of parentheses");
  });
});
