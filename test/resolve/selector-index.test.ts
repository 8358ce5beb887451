/** SelectorIndex: its candidates for any labels include every selector that matches them. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SelectorIndex } from "../../src/resolve/label-index.js";
import { parseSelector } from "../../src/selector/index.js";

const SELECTORS = ["app == 'a'", "app in {'a', 'b'} && tier == 'x'", "has(tier)", "all()", "!has(app)", "app != 'a'", "tier == 'x' || app == 'b'", "app == 'a' && app == 'b'", "k in {'1'}"];
const labels = fc.record({ app: fc.constantFrom("a", "b", "c"), tier: fc.constantFrom("x", "y"), k: fc.constantFrom("1", "2") }, { requiredKeys: [] });

describe("SelectorIndex", () => {
  it("never misses a matching selector, and forgets removed ones", () => {
    fc.assert(
      fc.property(fc.subarray(SELECTORS), fc.subarray(SELECTORS), labels, (added, removed, l) => {
        const index = new SelectorIndex<string>();
        for (const s of added) index.add(s, parseSelector(s));
        for (const s of removed) index.remove(s);
        const candidates = index.candidates(l);
        for (const s of added) if (!removed.includes(s) && parseSelector(s).matches(l)) expect(candidates.has(s)).toBe(true);
        for (const s of removed) expect(candidates.has(s)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("files a selector with a value restriction under that value only", () => {
    const index = new SelectorIndex<string>();
    index.add("s", parseSelector("app == 'a'"));
    expect(index.candidates({ app: "a" }).has("s")).toBe(true);
    expect(index.candidates({ app: "b" }).has("s")).toBe(false);
    expect(index.candidates({}).has("s")).toBe(false);
  });
});
