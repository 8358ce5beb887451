/**
 * The reference's own selector parser and evaluator against the upstream vectors of
 * /work/shared/reference/selector.md: the evaluation table (§5), the lexical and grammar rules
 * (§2–§4), and the surprising corner cases (§12). Only acceptance and evaluation matter to the
 * reference (it prints no canonical form).
 */
import { describe, expect, it } from "vitest";
import { parseRefSelector } from "./selector.js";

type L = Record<string, string>;

describe("reference selector: evaluation (selector.md §5, §12)", () => {
  it.each<[string, L, boolean]>([
    ['a == "x"', { a: "x" }, true],
    ['a == "x"', { a: "y" }, false],
    ['a == "x"', {}, false],
    ['a == "x"', { a: "X" }, false],
    ['a == ""', { a: "" }, true],
    ['a == ""', {}, false],
    ['a != "x"', {}, true],
    ['a != "x"', { a: "x" }, false],
    ['a != ""', { a: "" }, false],
    ['a in {"x", "y"}', { a: "y" }, true],
    ['a in {"x", "y"}', {}, false],
    ["a in {}", { a: "" }, false],
    ["a not in {}", {}, true],
    ["a not in {}", { a: "x" }, true],
    ['a not in {"x"}', {}, true],
    ['a not in {"x"}', { a: "x" }, false],
    ['a contains "b"', { a: "abc" }, true],
    ['a contains "b"', {}, false],
    ['a contains ""', { a: "" }, true],
    ['a starts with "ab"', { a: "abc" }, true],
    ['a starts with "ab"', { a: "cab" }, false],
    ['a startswith "ab"', { a: "abc" }, true],
    ['a ends with "bc"', { a: "abc" }, true],
    ['a ends  with ""', {}, false],
    ["has(a)", { a: "" }, true],
    ["has( a )", { b: "a" }, false],
    ["!has(a)", {}, true],
    ["all()", {}, true],
    ["global()", {}, true],
    ["", { a: "b" }, true],
    [" \t", {}, true],
    ['!a == "x"', {}, true],
    ['!a in {"a"}', { a: "b" }, true],
    ["!(!has(a))", { a: "" }, true],
    ['!!a == "x"', { a: "x" }, true],
    ['a == "x\ny"', { a: "x\ny" }, true],
    ['a == "\\"', { a: "\\" }, true],
    ["a == 'say \"hi\"'", { a: 'say "hi"' }, true],
    ['calico/k8s_NS-.1/role == "db"', { "calico/k8s_NS-.1/role": "db" }, true],
    ['has == "x"', { has: "x" }, true],
    ['in in {"x"}', { in: "x" }, true],
    ['contains contains "contains"', { contains: "contains" }, true],
    ['not notin {"x"}', { not: "y" }, true],
    ['a == "1" && b == "2" || c == "3"', { c: "3" }, true],
    ['a == "1" && (b == "2" || c == "3")', { c: "3" }, false],
    ['a == "1" || b == "2" && c == "3"', { a: "1" }, true],
    ['!(a == "1" || b == "2")', { b: "2" }, false],
    ['a in {"x",}', { a: "x" }, true],
  ])("%s on %j = %s", (text, labels, want) => {
    expect(parseRefSelector(text)(labels)).toBe(want);
  });

  it("reads all() and global() by scope in a namespaceSelector (§9)", () => {
    expect(parseRefSelector("all()")({}, { namespaced: false })).toBe(false);
    expect(parseRefSelector("all()")({}, { namespaced: true })).toBe(true);
    expect(parseRefSelector("global()")({}, { namespaced: false })).toBe(true);
    expect(parseRefSelector("global()")({}, { namespaced: true })).toBe(false);
    expect(parseRefSelector('!has(team) && all()')({}, { namespaced: false })).toBe(false);
  });
});

describe("reference selector: rejected input (selector.md §2, §4, §12)", () => {
  it.each([
    '"FOO\'',
    "a = 'b'",
    "a === 'b'",
    "a & b",
    "a | b",
    'a == "b"\n',
    "a\n== 'b'",
    "b",
    "a ",
    "b == b",
    'foo in ""',
    '{,"x"}',
    'a in {"x",,}',
    'a in {"x" "y"}',
    "a in {x}",
    "has (a)",
    "all ()",
    "has(a b)",
    'has("a")',
    "(a == 'x'",
    "(a == 'x'))",
    "()",
    "&& a",
    "a == 'x' &&",
    "'b1' == b",
    'a == "x" "y"',
    "has(a) == 'x'",
    "a:b == 'x'",
    "label inf 'v'",
    "label ends withs 'v'",
    "b starts with b",
    `${"a".repeat(513)} == "x"`,
    "a == 'ä' || ä == 'x'",
  ])("%j", (text) => {
    expect(() => parseRefSelector(text)).toThrow();
  });

  it("accepts a 512-byte label and odd but valid labels", () => {
    for (const t of [`${"a".repeat(512)} == "x"`, "-a == 'x'", "1 == 'x'", "/ == 'x'", ". == 'x'", "a in {}", "global( )"]) expect(() => parseRefSelector(t)).not.toThrow();
  });
});
