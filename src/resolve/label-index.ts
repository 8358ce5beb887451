/**
 * A label index so membership of thousands of selectors over 100k endpoints is not a cross
 * product (Felix's labelindex does the same job). Items are indexed by (key, value) and by key.
 * For a selector we take its label restrictions (selector.md §11: necessary conditions) and
 * only test the items in the smallest candidate list; `matches` still decides.
 */
import type { Labels } from "../model/types.js";
import type { Selector, SelectorNode } from "../selector/index.js";

interface Restriction {
  present: boolean;
  /** undefined: any value; []: impossible. */
  values?: readonly string[];
}
type Restrictions = Map<string, Restriction>;

const intersect = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  a === undefined ? b : b === undefined ? a : a.filter((v) => b.includes(v));

/** Necessary conditions per label (present + one of values); absent labels impose nothing. */
export function restrictionsOf(node: SelectorNode): Restrictions {
  switch (node.kind) {
    case "Eq":
      return new Map([[node.label, { present: true, values: [node.value] }]]);
    case "In":
      return new Map([[node.label, { present: true, values: node.values }]]);
    case "Has":
    case "Contains":
    case "StartsWith":
    case "EndsWith":
      return new Map([[node.label, { present: true }]]);
    case "And": {
      const out: Restrictions = new Map();
      for (const op of node.operands) {
        for (const [k, r] of restrictionsOf(op)) {
          const prev = out.get(k);
          out.set(k, prev ? { present: prev.present || r.present, values: intersect(prev.values, r.values) } : r);
        }
      }
      return out;
    }
    case "Or": {
      const [first, ...rest] = node.operands.map(restrictionsOf);
      const out: Restrictions = new Map();
      if (!first) return out;
      for (const [k, r] of first) {
        let acc: Restriction | undefined = r;
        for (const other of rest) {
          const o = other.get(k);
          if (!o || !acc) {
            acc = undefined;
            break;
          }
          acc = {
            present: acc.present && o.present,
            values: acc.values && o.values ? [...new Set([...acc.values, ...o.values])] : undefined,
          };
        }
        if (acc?.present) out.set(k, acc);
      }
      return out;
    }
    default:
      return new Map();
  }
}

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
    for (const [key, r] of restrictionsOf(sel.ast)) {
      if (!r.present) continue;
      const values = this.byKeyValue.get(key);
      if (!values) return [];
      const candidates =
        r.values === undefined ? (this.byKey.get(key) ?? []) : r.values.flatMap((v) => values.get(v) ?? []);
      if (candidates.length < best.length) best = candidates;
    }
    return best.filter((item) => sel.matches(item.labels));
  }
}
