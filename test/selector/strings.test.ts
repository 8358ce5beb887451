/**
 * UTF-8 byte order and Calico's StringSet (src/selector/strings.ts), at the boundaries where
 * UTF-16 code-unit order and UTF-8 byte order part ways. Written for the survivors of the first
 * mutation run (docs/testing.md).
 */
import { describe, expect, it } from "vitest";
import { compareUtf8, toSortedSet } from "../../src/selector/strings.js";

const sign = (n: number): number => Math.sign(n);

describe("compareUtf8", () => {
  it.each([
    // [a, b, sign]: U+E000 (EE 80 80) and U+FFFF (EF BF BF) sort before U+10000 (F0 90 80 80),
    // though their UTF-16 units (0xE000, 0xFFFF) are above the surrogate 0xD800.
    ["\ue000", "\u{10000}", -1],
    ["\uffff", "\u{10000}", -1],
    ["\u{10000}", "\uffff", 1],
    ["\ud7ff", "\ue000", -1],
    ["\ud7ff", "\u{10000}", -1],
    ["a", "b", -1],
    ["b", "a", 1],
    ["ab", "a", 1],
    ["a", "ab", -1],
    ["same", "same", 0],
  ])("%j vs %j: %i", (a, b, want) => {
    expect(sign(compareUtf8(a, b))).toBe(want);
  });

  it("is Buffer.compare on the UTF-8 encodings", () => {
    const words = ["\u{1F600}", "\ufb01", "\ue000", "z", "\u00e9", "\ud7ff", "\u{10000}", "", "a\u{1F600}", "a\uffff"];
    const byUtf8 = [...words].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
    expect([...words].sort(compareUtf8)).toEqual(byUtf8);
  });
});

describe("toSortedSet", () => {
  it("sorts in UTF-8 order and drops duplicates", () => {
    expect(toSortedSet(["b", "\u{10000}", "a", "\uffff", "b", "a"])).toEqual(["a", "b", "\uffff", "\u{10000}"]);
  });

  it("leaves its input alone and returns a fresh array, also for one or no value", () => {
    const input = ["c", "a", "b"];
    expect(toSortedSet(input)).toEqual(["a", "b", "c"]);
    expect(input).toEqual(["c", "a", "b"]);
    const one = ["x"];
    const out = toSortedSet(one);
    expect(out).toEqual(["x"]);
    expect(out).not.toBe(one);
    expect(toSortedSet([])).toEqual([]);
  });
});
