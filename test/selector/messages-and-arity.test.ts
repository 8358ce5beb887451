/**
 * Survivors of the 2026-12-08 mutation run of src/selector: how an error names the token it
 * found (labels, strings, long images, pre-parsed groups), the nesting limit's message and how
 * depth is counted, and/or of three, four and more operands, and prefixing global().
 */
import { describe, expect, it } from "vitest";
import { parseSelector, prefixSelector, SelectorSyntaxError, formatSelectorError } from "../../src/selector/index.js";
import { syntaxError } from "./helpers.js";

const CONTINUE = "expected &&, || or end of selector";

describe("the token an error found", () => {
  const label40 = "b".repeat(40);
  const label41 = "c".repeat(41);
  const string50 = `"${"y".repeat(48)}"`;
  it.each([
    ['a == "x" "y"', `${CONTINUE}, found string "y"`],
    ['(a == "x"))', `${CONTINUE}, found ")"`],
    ["all() all()", `${CONTINUE}, found "all()"`],
    [`a == "x" ${label40}`, `${CONTINUE}, found label "${label40}"`],
    [`a == "x" ${label41}`, `${CONTINUE}, found label "${"c".repeat(37)}..."`],
    [`a == "x" ${string50}`, `${CONTINUE}, found string "${"y".repeat(36)}...`],
  ])("%j: %j", (text, message) => {
    expect(syntaxError(text).message).toBe(message);
  });

  it("a parenthesised group left over in deeply nested input is shown as written", () => {
    const deep = `${"(".repeat(49)}a == "x"${")".repeat(49)}`;
    const err = syntaxError(`${deep} (b == "y")`);
    expect(err.message).toBe(`${CONTINUE}, found "(b == "y")"`);
    expect(err.column).toBe(deep.length + 2);
  });
});

describe("nesting depth", () => {
  it("more than 2048 levels: the limit in the message and in what was expected, at the first paren beyond it", () => {
    const err = syntaxError("(".repeat(2049));
    expect(err.message).toBe("selector nested too deeply: more than 2048 levels of parentheses");
    expect(err.expected).toBe("at most 2048 levels of parentheses");
    expect(err.column).toBe(2049);
  });

  it("a stray ) before the groups does not lower the depth count", () => {
    expect(syntaxError(`)${"(".repeat(2049)}`).column).toBe(2050);
  });

  it("groups one after another do not add up", () => {
    const text = `${"(a == 'x') || ".repeat(2100)}all()`;
    expect(parseSelector(text).canonical.startsWith('(a == "x" || a == "x"')).toBe(true);
  });
});

describe("and / or of many operands", () => {
  const labels = (bits: string) => Object.fromEntries([...bits].map((b, i) => [`k${i}`, b]));
  it.each([3, 4, 5])("%i operands", (n) => {
    const keys = Array.from({ length: n }, (_, i) => `k${i} == "1"`);
    const and = parseSelector(keys.join(" && "));
    const or = parseSelector(keys.join(" || "));
    for (let mask = 0; mask < 1 << n; mask++) {
      const bits = Array.from({ length: n }, (_, i) => ((mask >> i) & 1 ? "1" : "0")).join("");
      expect(and.matches(labels(bits)), `${n} && ${bits}`).toBe(!bits.includes("0"));
      expect(or.matches(labels(bits)), `${n} || ${bits}`).toBe(bits.includes("1"));
    }
  });
});

describe("prefixSelector", () => {
  it("leaves global() and all() as they are", () => {
    expect(prefixSelector(parseSelector("global()"), "pcns.").ast).toEqual({ kind: "Global" });
    expect(prefixSelector(parseSelector("all()"), "pcns.").ast).toEqual({ kind: "All" });
  });
});

describe("error columns after a lone high surrogate", () => {
  it.each([
    ["\ud800ab", 2, 3],
    ["\udc00\udc00b", 2, 3],
  ])("%j at offset %i: column %i", (text, offset, column) => {
    expect(new SelectorSyntaxError(text, offset, "m", "x").column).toBe(column);
  });

  it("a fault past the end puts the caret past the end", () => {
    expect(formatSelectorError("ab", new SelectorSyntaxError("ab", 4, "m", "x"))).toBe("ab\n    ^\ncolumn 5: m");
  });
});
