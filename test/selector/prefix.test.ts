import { describe, expect, it } from "vitest";
import { parseSelector, prefixSelector } from "../../src/selector/index.js";

describe("prefixSelector (Calico's PrefixVisitor, selector.md §10)", () => {
  it.each([
    ["k == 'v' && x == 'y'", "visited/", '(visited/k == "v" && visited/x == "y")'],
    ["!has(key) || (has(key) && !key in {'value'})", "pcns.", '(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))'],
    ['a != "x" && b not in {"y"}', "pcns.", '(pcns.a != "x" && pcns.b not in {"y"})'],
    ['a contains "x" || b starts with "y" || c ends with "z"', "p/", '(p/a contains "x" || p/b starts with "y" || p/c ends with "z")'],
    ["all()", "pcns.", "all()"],
    ["global()", "pcns.", "global()"],
    ["!(!has(a))", "pcns.", "!!has(pcns.a)"],
    ['a == "x"', "", 'a == "x"'],
  ])("%j with prefix %j → %j", (text, prefix, canonical) => {
    const prefixed = prefixSelector(parseSelector(text), prefix);
    expect(prefixed.canonical).toBe(canonical);
    expect(prefixed.kind).toBe("Selector");
  });

  it("recomputes the id from the new canonical form", () => {
    const original = parseSelector("has(team)");
    const prefixed = prefixSelector(original, "pcns.");
    expect(prefixed.id).toBe(parseSelector("has(pcns.team)").id);
    expect(prefixed.id).not.toBe(original.id);
  });

  it("matches the prefixed labels, not the original ones", () => {
    const prefixed = prefixSelector(parseSelector('team == "a" && !has(legacy)'), "pcns.");
    expect(prefixed.matches({ "pcns.team": "a" })).toBe(true);
    expect(prefixed.matches({ team: "a" })).toBe(false);
    expect(prefixed.matches({ "pcns.team": "a", "pcns.legacy": "" })).toBe(false);
  });

  it("leaves the original selector untouched", () => {
    const original = parseSelector('team == "a"');
    prefixSelector(original, "pcns.");
    expect(original.canonical).toBe('team == "a"');
    expect(original.ast).toEqual({ kind: "Eq", label: "team", value: "a" });
  });
});
