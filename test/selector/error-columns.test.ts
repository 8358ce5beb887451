/**
 * Columns and the echoed selector of a syntax error (src/selector/errors.ts) at the edges the
 * first mutation run left open: surrogate pairs at the ends of their ranges, lone surrogates,
 * faults past the end, control characters.
 */
import { describe, expect, it } from "vitest";
import { SelectorSyntaxError, formatSelectorError } from "../../src/selector/errors.js";

describe("SelectorSyntaxError column: code points before the fault, plus one", () => {
  it.each([
    ["a\u{1F600}b", 3, 3],
    ["\ud800\udc00x", 2, 2], // lowest high and low surrogate: one character
    ["\udbff\udfffx", 2, 2], // highest high and low surrogate: one character
    ["\ud7ff\udc00x", 2, 3], // U+D7FF is no high surrogate: the low one counts alone
    ["\udc00b", 1, 2], // a lone low surrogate at the start is a character
    ["a\udc00b", 2, 3],
    ["a\ue000b", 2, 3],
    ["ab", 0, 1],
    ["ab", 2, 3],
    ["ab", 4, 5], // past the end: each missing position counts
  ])("%j at offset %i: column %i", (text, offset, column) => {
    expect(new SelectorSyntaxError(text, offset, "m", "x").column).toBe(column);
  });
});

describe("formatSelectorError shows control characters as control pictures", () => {
  it.each([
    ["a\u0001b", "a\u2401b"],
    ["a\u001fb", "a\u241fb"],
    ["a\u0000b", "a\u2400b"],
    ["a\u007fb", "a\u2421b"],
    ["a\tb", "a\tb"],
    ["a b", "a b"],
    ["a\u0080b", "a\u0080b"],
  ])("%j is echoed as %j", (text, shown) => {
    const err = new SelectorSyntaxError(text, 2, "boom", "x");
    expect(formatSelectorError(text, err)).toBe(`${shown}\n${text[0] === "\t" ? "\t" : " "}${text[1] === "\t" ? "\t" : " "}^\ncolumn 3: boom`);
  });
});
