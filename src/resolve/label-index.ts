/**
 * A label index so membership of thousands of selectors over 100k endpoints is not a cross
 * product (Felix's labelindex does the same job). For a selector we take its label restrictions
 * (selector.md §11: necessary conditions), look up the candidate lists for each restricted label
 * and only test the items of the smallest one; `matches` still decides.
 *
 * The per-label maps are built lazily, one pass over the items per label key that some selector
 * restricts: selectors name a handful of keys, endpoints carry many more.
 */
import type { Labels } from "../model/types.js";
import { labelRestrictions, type Selector } from "../selector/index.js";

export interface Labelled {
  readonly labels: Labels;
}

interface KeyIndex<T> {
  readonly all: T[];
  readonly byValue: Map<string, T[]>;
}

export class LabelIndex<T extends Labelled> {
  private readonly keys = new Map<string, KeyIndex<T>>();

  constructor(private readonly items: readonly T[]) {}

  private keyIndex(key: string): KeyIndex<T> {
    let index = this.keys.get(key);
    if (index) return index;
    index = { all: [], byValue: new Map() };
    for (const item of this.items) {
      const v = item.labels[key];
      if (v === undefined) continue;
      index.all.push(item);
      const list = index.byValue.get(v);
      if (list) list.push(item);
      else index.byValue.set(v, [item]);
    }
    this.keys.set(key, index);
    return index;
  }

  /** Every item the selector matches, in index order within each candidate list. */
  select(sel: Selector): T[] {
    let best: readonly (readonly T[])[] = [this.items];
    let bestSize = this.items.length;
    for (const [key, r] of labelRestrictions(sel) ?? []) {
      if (!r.mustBePresent) continue;
      const index = this.keyIndex(key);
      const lists = r.mustHaveOneOf === null ? [index.all] : r.mustHaveOneOf.map((v) => index.byValue.get(v) ?? []);
      const size = lists.reduce((n, l) => n + l.length, 0);
      if (size < bestSize) {
        best = lists;
        bestSize = size;
      }
    }
    const out: T[] = [];
    for (const list of best) for (const item of list) if (sel.matches(item.labels)) out.push(item);
    return out;
  }
}
