/**
 * Label restrictions (selector.md §11, Calico's `LabelRestrictions()`): for each label, a
 * *necessary* condition for the selector to match. An index can use it to skip evaluating a
 * selector against endpoints that cannot match. `mustHaveOneOf: null` means any value,
 * `[]` means the selector can never match.
 *
 * The value lists come out in exactly the order Calico produces them: an AND keeps the order of
 * the list it started from and filters it; an OR sorts the accumulated list (UTF-8 order) and
 * appends the other operand's new values in their order. Note that `a in {}` gives
 * `mustHaveOneOf: null`, not `[]`, as upstream: an empty set literal is a nil slice in Go.
 */
import type { SelectorNode } from "./ast.js";
import type { Selector } from "./selector.js";
import { toSortedSet } from "./strings.js";

export interface LabelRestriction {
  readonly mustBePresent: boolean;
  readonly mustBeAbsent: boolean;
  readonly mustHaveOneOf: readonly string[] | null;
}

export type LabelRestrictions = ReadonlyMap<string, LabelRestriction>;

/** The restrictions of a selector, or null when it restricts no label. Keys are sorted. */
export function labelRestrictions(sel: Selector): LabelRestrictions | null {
  const found = restrictionsOf(sel.ast);
  if (found.size === 0) return null;
  return new Map([...found.keys()].sort().map((k) => [k, found.get(k) as LabelRestriction]));
}

const NONE: ReadonlyMap<string, LabelRestriction> = new Map();

function one(label: string, r: LabelRestriction): ReadonlyMap<string, LabelRestriction> {
  return new Map([[label, r]]);
}

function restrictionsOf(node: SelectorNode): ReadonlyMap<string, LabelRestriction> {
  switch (node.kind) {
    case "Eq":
      return one(node.label, { mustBePresent: true, mustBeAbsent: false, mustHaveOneOf: [node.value] });
    case "In":
      return one(node.label, {
        mustBePresent: true,
        mustBeAbsent: false,
        mustHaveOneOf: node.values.length === 0 ? null : node.values.slice(),
      });
    case "Has":
    case "Contains":
    case "StartsWith":
    case "EndsWith":
      return one(node.label, { mustBePresent: true, mustBeAbsent: false, mustHaveOneOf: null });
    case "Not":
      return node.operand.kind === "Has"
        ? one(node.operand.label, { mustBePresent: false, mustBeAbsent: true, mustHaveOneOf: null })
        : NONE;
    case "And":
      return andRestrictions(node.operands);
    case "Or":
      return orRestrictions(node.operands);
    case "Ne":
    case "NotIn":
    case "All":
    case "Global":
      return NONE;
  }
}

function andRestrictions(operands: readonly SelectorNode[]): ReadonlyMap<string, LabelRestriction> {
  const acc = new Map<string, LabelRestriction>();
  for (const operand of operands) {
    for (const [label, r] of restrictionsOf(operand)) {
      const base = acc.get(label);
      if (base === undefined) {
        acc.set(label, r);
        continue;
      }
      let values = base.mustHaveOneOf;
      if (values === null) values = r.mustHaveOneOf;
      else if (r.mustHaveOneOf !== null) {
        const other = new Set(r.mustHaveOneOf);
        values = values.filter((v) => other.has(v));
      }
      acc.set(label, {
        mustBePresent: base.mustBePresent || r.mustBePresent,
        mustBeAbsent: base.mustBeAbsent || r.mustBeAbsent,
        mustHaveOneOf: values,
      });
    }
  }
  return acc;
}

function orRestrictions(operands: readonly SelectorNode[]): ReadonlyMap<string, LabelRestriction> {
  const [first, ...rest] = operands;
  if (first === undefined) return NONE;
  const acc = new Map(restrictionsOf(first));
  for (const operand of rest) {
    const other = restrictionsOf(operand);
    for (const [label, r] of [...acc]) {
      const o = other.get(label);
      const mustBePresent = r.mustBePresent && (o?.mustBePresent ?? false);
      const mustBeAbsent = r.mustBeAbsent && (o?.mustBeAbsent ?? false);
      let values: readonly string[] | null = null;
      if (mustBePresent && r.mustHaveOneOf !== null && o !== undefined && o.mustHaveOneOf !== null) {
        const sorted = toSortedSet(r.mustHaveOneOf);
        const seen = new Set(sorted);
        values = [...sorted, ...o.mustHaveOneOf.filter((v) => !seen.has(v))];
      }
      if (mustBePresent || mustBeAbsent) acc.set(label, { mustBePresent, mustBeAbsent, mustHaveOneOf: values });
      else acc.delete(label);
    }
  }
  return acc;
}
