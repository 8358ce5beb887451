/**
 * The nesting measure run before any parser (src/model/nesting.ts): where a text first goes
 * beyond the limit, and real YAML constructs that must not count as levels.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { jsonTooDeepAt, yamlTooDeepAt } from "../../src/model/nesting.js";

describe("jsonTooDeepAt (limit 3)", () => {
  it.each([
    ["[[[]]]", undefined],
    ["[[[[]]]]", 3],
    ['{"a":{"b":[{"c":1}]}}', 11],
    ['{"a":"[[[[[[","b":[["\\"[[[["]]}', undefined],
    ["[1,[2],[3],[[4]],5]", undefined],
  ])("%s → %s", (text, at) => {
    expect(jsonTooDeepAt(text, 3)).toBe(at);
  });
});

describe("yamlTooDeepAt (limit 3)", () => {
  it.each([
    ["a:\n  b:\n    c: 1\n", undefined],
    ["a:\n  b:\n    c:\n      d: 1\n", 21],
    ["a:\n  b:\n  c:\n  d:\n    e: 1\n", undefined],
    ["- - a\n", undefined],
    // A scalar item counts as a level (the measure errs on the safe side).
    ["- - - a\n", 4],
    ["- a:\n    b:\n      c: 1\n", 18],
    ["a: [[b]]\n", undefined],
    ["a: [[[b]]]\n", 5],
    ["a: {b: [c, {d: 1}]}\n", 11],
    ["a: [\n  [\n    [b]]]\n", 13],
  ])("%j → %s", (text, at) => {
    expect(yamlTooDeepAt(text, 3)).toBe(at);
  });

  it.each([
    ["an apostrophe inside a flow plain scalar does not hide the brackets after it", "a: [don't, [[x]]]\n", 12],
    ["an anchor inside flow does not hide the bracket after it", "a: [&x [[b]]]\n", 8],
    ["a quote at a continuation line's start inside flow is a quote", 'a: [\n  "[[[[",\n  [b]]\n', undefined],
  ])("%s", (_name, text, at) => {
    expect(yamlTooDeepAt(text, 3)).toBe(at);
  });

  it.each([
    ["brackets in quoted scalars", `a: "[[[[[["\nb: '{{{{ it''s [[['\nc: "multi\n  line [[[[ "\n`],
    ["brackets inside plain scalars and comments", "a: x[[[[[\nb: y # [[[[[[\n# {{{{{{\n"],
    ["a literal block scalar with deep indentation", "a: |\n  x\n      y\n          z\n              w\nb: 1\n"],
    ["a folded block scalar holding brackets", "a: >-\n  [[[[[[\n  {{{{{\nb: 1\n"],
    ["anchors and tags before a flow collection", "a: &x !!seq [[b]]\nb: *x\n"],
    ["a new document resets the depth", "a:\n  b:\n    c: 1\n---\nd:\n  e:\n    f: 1\n"],
  ])("ignores %s", (_name, text) => {
    expect(yamlTooDeepAt(text, 3)).toBeUndefined();
  });
});

/** Levels of collections in a value: a scalar is 0, `[]` and `{}` are 1. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === "object") return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("it's", "a: b", "[x]", "#c", "- x", "|", "> y", "&a", "!t", '"q"', "'", "x\ny"), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie("tree"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b c", "[k]", "-", "'q'", "x: y"), tie("tree"), { maxKeys: 3 }),
  ),
}));

describe("the measures against the truth", () => {
  it("a block scalar ends at its key's column, not its line's (regression: `- - a: |-` hid its sibling's depth)", () => {
    // Depth 6: four sequences, the mapping, the empty flow sequence of the sibling key.
    const text = "- - - - a: |-\n          x\n          y\n        \"'q'\": []\n";
    expect(yamlTooDeepAt(text, 5)).toBe(text.indexOf("[]"));
    expect(yamlTooDeepAt(text, 6)).toBeUndefined();
    // An item that is itself the scalar: its content may sit at the item's own column.
    expect(yamlTooDeepAt("- |\n  [[[[not flow]]]]\n", 2)).toBeUndefined();
  });

  it("a value of depth d written as YAML (block, flow or mixed) or JSON measures beyond d-1 and within 2d", () => {
    fc.assert(
      fc.property(tree, fc.constantFrom("block", "flow", "any", "json") as fc.Arbitrary<"block" | "flow" | "any" | "json">, (value, style) => {
        const d = depthOf(value);
        fc.pre(d > 0);
        const text = style === "json" ? JSON.stringify(value, null, 1) : stringify(value, { collectionStyle: style });
        expect(yamlTooDeepAt(text, d - 1), text).toBeDefined();
        expect(yamlTooDeepAt(text, 2 * d), text).toBeUndefined();
        if (style === "json") {
          expect(jsonTooDeepAt(text, d - 1)).toBeDefined();
          expect(jsonTooDeepAt(text, d)).toBeUndefined();
        }
      }),
      { numRuns: 2000 },
    );
  });
});
