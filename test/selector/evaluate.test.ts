import { describe, expect, it } from "vitest";
import { parseSelector } from "../../src/selector/index.js";

type Labels = Record<string, string>;

describe("evaluation (selector.md §5)", () => {
  it.each<[string, Labels, boolean]>([
    ['a == "x"', { a: "x" }, true],
    ['a == "x"', { a: "y" }, false],
    ['a == "x"', {}, false],
    ['a == "x"', { a: "X" }, false],
    ['a == "x"', { a: " x" }, false],
    ['A == "x"', { a: "x" }, false],
    ['a == ""', { a: "" }, true],
    ['a == ""', {}, false],
    ['a != "x"', {}, true],
    ['a != "x"', { a: "x" }, false],
    ['a != "x"', { a: "y" }, true],
    ['a != ""', { a: "" }, false],
    ['a in {"x", "y"}', { a: "y" }, true],
    ['a in {"x", "y"}', { a: "z" }, false],
    ['a in {"x", "y"}', {}, false],
    ['a in {"x"}', { a: "x" }, true],
    ["a in {}", { a: "" }, false],
    ["a in {}", {}, false],
    ['a in {""}', { a: "" }, true],
    ['a not in {"x"}', {}, true],
    ['a not in {"x"}', { a: "x" }, false],
    ['a not in {"x", "y"}', { a: "z" }, true],
    ["a not in {}", {}, true],
    ["a not in {}", { a: "x" }, true],
    ['a contains "b"', { a: "abc" }, true],
    ['a contains "b"', { a: "ac" }, false],
    ['a contains "b"', {}, false],
    ['a contains ""', { a: "" }, true],
    ['a contains ""', {}, false],
    ['a starts with "ab"', { a: "abc" }, true],
    ['a starts with "ab"', { a: "cab" }, false],
    ['a starts with ""', { a: "q" }, true],
    ['a starts with ""', {}, false],
    ['a ends with "bc"', { a: "abc" }, true],
    ['a ends with "bc"', { a: "bca" }, false],
    ['a ends with ""', {}, false],
    ['a contains "😀"', { a: "x😀y" }, true],
    ["has(a)", { a: "" }, true],
    ["has(a)", { b: "a" }, false],
    ["!has(a)", {}, true],
    ["!has(a)", { a: "" }, false],
    ["all()", {}, true],
    ["global()", {}, true],
    ["", { a: "b" }, true],
    ['!a == "x"', {}, true],
    ['!a in {"a"}', { a: "b" }, true],
    ['!a in {"a"}', { a: "a" }, false],
    ['!(!has(a))', { a: "" }, true],
    ['!!a == "x"', { a: "x" }, true],
    ['a == "x\ny"', { a: "x\ny" }, true],
    ['a == "\\"', { a: "\\" }, true],
    ['calico/k8s_NS-.1/role == "db"', { "calico/k8s_NS-.1/role": "db" }, true],
    ['a == "1" && b == "2"', { a: "1", b: "2" }, true],
    ['a == "1" && b == "2"', { a: "1" }, false],
    ['a == "1" && b == "2" && c == "3"', { a: "1", b: "2", c: "3" }, true],
    ['a == "1" && b == "2" && c == "3" && d == "4"', { a: "1", b: "2", c: "3" }, false],
    ['a == "1" || b == "2"', { b: "2" }, true],
    ['a == "1" || b == "2"', {}, false],
    ['a == "1" || b == "2" || c == "3" || d == "4"', { d: "4" }, true],
    ['a == "1" || b == "2" || c == "3" || d == "4"', { e: "4" }, false],
    ['a == "1" || b == "2" && c == "3"', { b: "2" }, false],
    ['(a == "1" || b == "2") && c == "3"', { b: "2", c: "3" }, true],
    ['!(a == "1" || b == "2")', { c: "1" }, true],
    ['app == "web" && tier in {"a", "b", "c"} && !has(quarantine)', { app: "web", tier: "b" }, true],
    ['app == "web" && tier in {"a", "b", "c"} && !has(quarantine)', { app: "web", tier: "b", quarantine: "" }, false],
    // only own labels count: inherited Object.prototype members are absent
    ["has(toString)", {}, false],
    ['toString != "x"', {}, true],
    ['constructor in {"x"}', {}, false],
    ['constructor not in {"x"}', {}, true],
    ['constructor contains "f"', {}, false],
    ["has(__proto__)", {}, false],
    ["!has(hasOwnProperty)", {}, true],
  ])("%j against %j → %s", (text, labels, expected) => {
    expect(parseSelector(text).matches(labels)).toBe(expected);
  });

  it("sees an own __proto__ label (as JSON.parse creates it)", () => {
    const labels = JSON.parse('{"__proto__": "x"}') as Labels;
    expect(parseSelector('__proto__ == "x"').matches(labels)).toBe(true);
    expect(parseSelector("has(__proto__)").matches(labels)).toBe(true);
  });

  it("works on null-prototype label maps", () => {
    const labels = Object.assign(Object.create(null) as Labels, { a: "x" });
    expect(parseSelector('a == "x" && !has(b) && b != "y"').matches(labels)).toBe(true);
  });
});
