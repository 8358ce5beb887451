/**
 * A label index so membership of thousands of selectors over 100k endpoints is not a cross
 * product (Felix's labelindex does the same job). Items are indexed by (key, value) and by key.
 * For a selector we take its label restrictions (selector.md §11: necessary conditions) and
 * only test the items in the smallest candidate list; `matches` still decides. A value list can
 * name the same item twice only through duplicate values, which callers de-duplicate anyway.
 */
import type { Labels } from "../model/types.js";
import { labelRestrictions, type Selector } from "../selector/index.js";

export interface Labelled {
  readonly labels: Labels;
}

export class LabelIndex<T extends Labelled> {
  private readonly byKeyValue = new Map<string, Map<string, T[]>>();
  private readonly byKey = new Map<string, T[]>();

  constructor(private readonly items: readonly T[]) {
    for (const item of items) {
      for (const [k, v] of Object.entries(item.labels)) {
        const withKey = this.byKey.get(k);
        if (withKey) withKey.push(item);
        else this.byKey.set(k, [item]);
        let values = this.byKeyValue.get(k);
        if (!values) this.byKeyValue.set(k, (values = new Map()));
        const list = values.get(v);
        if (list) list.push(item);
        else values.set(v, [item]);
      }
    }
  }

  /** Every item the selector matches, in index order. */
  select(sel: Selector): T[] {
    let best: readonly T[] = this.items;
    for (const [key, r] of labelRestrictions(sel) ?? []) {
      if (!r.mustBePresent) continue;
      const values = this.byKeyValue.get(key);
      if (!values) return [];
      const candidates =
        r.mustHaveOneOf === null ? (this.byKey.get(key) ?? []) : r.mustHaveOneOf.flatMap((v) => values.get(v) ?? []);
      if (candidates.length < best.length) best = candidates;
    }
    return best.filter((item) => sel.matches(item.labels));
  }
}
