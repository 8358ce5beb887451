import { describe, expect, it } from "vitest";
import { labelRestrictions, parseSelector } from "../../src/selector/index.js";

type Row = [label: string, flags: "present" | "absent" | "both", values: readonly string[] | null];

function table(text: string): Row[] | null {
  const r = labelRestrictions(parseSelector(text));
  if (r === null) return null;
  return [...r].map(([label, { mustBePresent, mustBeAbsent, mustHaveOneOf }]) => {
    const flags = mustBePresent && mustBeAbsent ? "both" : mustBePresent ? "present" : "absent";
    expect(mustBePresent || mustBeAbsent).toBe(true);
    return [label, flags, mustHaveOneOf];
  });
}

describe("labelRestrictions (selector.md §11)", () => {
  it.each<[string, Row[] | null]>([
    ['a == "v1"', [["a", "present", ["v1"]]]],
    ['a in {"y", "x"}', [["a", "present", ["x", "y"]]]],
    // an empty set literal is a nil slice upstream: present, values unrestricted
    ["a in {}", [["a", "present", null]]],
    ["has(a)", [["a", "present", null]]],
    ['a contains "x"', [["a", "present", null]]],
    ['a starts with "x"', [["a", "present", null]]],
    ['a ends with "x"', [["a", "present", null]]],
    ["!has(a)", [["a", "absent", null]]],
    ['a != "x"', null],
    ['a not in {"x"}', null],
    ['!a == "x"', null],
    ['!a in {"x"}', null],
    ["all()", null],
    ["global()", null],
    ["", null],
    ["!(!has(a))", null],
    ["!!has(a)", [["a", "present", null]]],
    ['!(a == "x" && b == "y")', null],
    // AND: OR the flags, intersect the values (keeping the first list's order)
    ['a == "v1" && a == "v2"', [["a", "present", []]]],
    ['a == "v1" && b == "v2"', [["a", "present", ["v1"]], ["b", "present", ["v2"]]]],
    ['a in {"x", "y", "z"} && a in {"y", "z", "w"}', [["a", "present", ["y", "z"]]]],
    ['has(a) && a == "x"', [["a", "present", ["x"]]]],
    ['a == "x" && a in {}', [["a", "present", ["x"]]]],
    ['!has(a) && a == "x"', [["a", "both", ["x"]]]],
    ['a != "x" && has(b)', [["b", "present", null]]],
    // OR: keep labels restricted by every operand; AND the flags; union values if both restrict
    ['a == "v1" || a == "v2"', [["a", "present", ["v1", "v2"]]]],
    ['has(a) || a == "v2"', [["a", "present", null]]],
    ['a in {"x"} || has(a)', [["a", "present", null]]],
    ['a in {} || a == "x"', [["a", "present", null]]],
    ['a == "v1" || b == "v2"', null],
    ["!has(a) || !has(b)", null],
    ["!has(a) || !has(a)", [["a", "absent", null]]],
    ["has(a) || !has(a)", null],
    ['(a == "x" && b == "y") || (a == "z" && c == "w")', [["a", "present", ["x", "z"]]]],
    ['(has(a) && !has(a)) || has(a)', [["a", "present", null]]],
    ['has(b) && (a == "x" || a == "y")', [["a", "present", ["x", "y"]], ["b", "present", null]]],
    // upstream's union sorts the accumulated list, then appends the new values in their order
    ['a == "z" || a == "b" || a == "c"', [["a", "present", ["b", "z", "c"]]]],
    ['a == "z" || a in {"b", "a"}', [["a", "present", ["z", "a", "b"]]]],
    ['a == "z" || a == "z"', [["a", "present", ["z"]]]],
  ])("%j → %j", (text, expected) => {
    expect(table(text)).toEqual(expected);
  });

  it("returns labels in sorted order", () => {
    const r = labelRestrictions(parseSelector('zeta == "1" && alpha == "2" && mid == "3"'));
    expect([...(r ?? new Map()).keys()]).toEqual(["alpha", "mid", "zeta"]);
  });

  it("is a necessary condition: a selector never matches labels that violate it", () => {
    const sel = parseSelector('(a == "x" || a == "y") && !has(q) && has(b)');
    const r = labelRestrictions(sel);
    expect(r?.get("a")).toEqual({ mustBePresent: true, mustBeAbsent: false, mustHaveOneOf: ["x", "y"] });
    expect(r?.get("q")).toEqual({ mustBePresent: false, mustBeAbsent: true, mustHaveOneOf: null });
    expect(sel.matches({ a: "z", b: "" })).toBe(false);
    expect(sel.matches({ a: "x", b: "", q: "" })).toBe(false);
    expect(sel.matches({ a: "y", b: "" })).toBe(true);
  });
});
