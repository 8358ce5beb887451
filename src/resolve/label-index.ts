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

/**
 * The other direction, for incremental updates: given an item's labels, which of many selectors
 * might match it. Each selector is filed under one of its necessary conditions (a key with its
 * allowed values, or just a key that must be present); one that has none is always a candidate.
 * `matches` still decides.
 */
export class SelectorIndex<N> {
  private readonly byValue = new Map<string, Map<string, Set<N>>>();
  private readonly byKey = new Map<string, Set<N>>();
  private readonly always = new Set<N>();
  private readonly filed = new Map<N, { key?: string; values?: readonly string[] }>();

  add(name: N, sel: Selector): void {
    this.remove(name);
    let best: { key: string; values: readonly string[] | null } | undefined;
    for (const [key, r] of labelRestrictions(sel) ?? []) {
      if (!r.mustBePresent) continue;
      const values = r.mustHaveOneOf;
      if (best === undefined || (values !== null && (best.values === null || values.length < best.values.length))) best = { key, values };
    }
    if (best === undefined) {
      this.always.add(name);
      this.filed.set(name, {});
    } else if (best.values === null) {
      let set = this.byKey.get(best.key);
      if (set === undefined) this.byKey.set(best.key, (set = new Set()));
      set.add(name);
      this.filed.set(name, { key: best.key });
    } else {
      let byValue = this.byValue.get(best.key);
      if (byValue === undefined) this.byValue.set(best.key, (byValue = new Map()));
      for (const v of best.values) {
        let set = byValue.get(v);
        if (set === undefined) byValue.set(v, (set = new Set()));
        set.add(name);
      }
      this.filed.set(name, { key: best.key, values: best.values });
    }
  }

  remove(name: N): void {
    const f = this.filed.get(name);
    if (f === undefined) return;
    this.filed.delete(name);
    if (f.key === undefined) this.always.delete(name);
    else if (f.values === undefined) this.byKey.get(f.key)?.delete(name);
    else for (const v of f.values) this.byValue.get(f.key)?.get(v)?.delete(name);
  }

  /** Every selector that might match `labels` (a superset of those that do). */
  candidates(labels: Labels): Set<N> {
    const out = new Set<N>(this.always);
    for (const key in labels) {
      const k = this.byKey.get(key);
      if (k !== undefined) for (const n of k) out.add(n);
      const v = this.byValue.get(key)?.get(labels[key] as string);
      if (v !== undefined) for (const n of v) out.add(n);
    }
    return out;
  }
}
