/**
 * The nesting measure run before any parser (src/model/nesting.ts): where a text first goes
 * beyond the limit, and real YAML constructs that must not count as levels.
 */
import { describe, expect, it } from "vitest";
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
    ["- - - a\n", undefined],
    ["- - - - a\n", 6],
    ["a: [[b]]\n", undefined],
    ["a: [[[b]]]\n", 5],
    ["a: {b: [c, {d: 1}]}\n", 11],
    ["a: [\n  [\n    [b]]]\n", 13],
  ])("%j → %s", (text, at) => {
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
