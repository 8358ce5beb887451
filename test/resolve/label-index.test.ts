/** The label index only narrows candidates: it must select exactly what brute force selects. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LabelIndex } from "../../src/resolve/label-index.js";
import { parseSelector } from "../../src/selector/index.js";

const key = fc.constantFrom("a", "b", "c");
const value = fc.constantFrom("x", "y", "z");
const labels = fc.dictionary(key, value, { maxKeys: 3 });

const leaf = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => `${k} == "${v}"`),
  fc.tuple(key, value).map(([k, v]) => `${k} != "${v}"`),
  fc.tuple(key, value, value).map(([k, v, w]) => `${k} in {"${v}", "${w}"}`),
  fc.tuple(key, value).map(([k, v]) => `${k} not in {"${v}"}`),
  key.map((k) => `has(${k})`),
  key.map((k) => `!has(${k})`),
  fc.constant("all()"),
);
const selector: fc.Arbitrary<string> = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.tuple(tie("expr"), tie("expr")).map(([l, r]) => `(${l as string}) && (${r as string})`),
    fc.tuple(tie("expr"), tie("expr")).map(([l, r]) => `(${l as string}) || (${r as string})`),
    tie("expr").map((e) => `!(${e as string})`),
  ),
})).expr as fc.Arbitrary<string>;

describe("LabelIndex", () => {
  it("select(sel) equals filtering every item with sel.matches", () => {
    fc.assert(
      fc.property(fc.array(labels, { maxLength: 30 }), selector, (all, text) => {
        const items = all.map((l, i) => ({ labels: l, i }));
        const sel = parseSelector(text);
        const viaIndex = new LabelIndex(items).select(sel).map((x) => x.i).sort((p, q) => p - q);
        expect(viaIndex).toEqual(items.filter((x) => sel.matches(x.labels)).map((x) => x.i));
      }),
      { numRuns: 500 },
    );
  });
});
