/**
 * `selectorContains(a, b)`: a *proof* that every label set `b` matches, `a` matches too — for
 * every possible endpoint, not only the ones in the inputs. It answers false whenever it cannot
 * prove it (false means "not proved", never "proved not"), so a lint warning built on it is
 * never wrong; it may miss some supersets.
 *
 * What is provable (each step is sound on its own, and they compose):
 * - `all()` contains everything; equal canonical forms contain each other;
 * - `a1 && a2 && ...` contains b when every ai does; `a1 || a2 || ...` contains b when one ai does;
 * - b = `b1 && b2 && ...` is contained when one bi is (b is smaller than each bi);
 *   b = `b1 || b2 || ...` is contained when every bi is;
 * - `has(k)` contains every test that needs k present (`==`, `in` with values, `contains`,
 *   `starts with`, `ends with`, `has(k)`);
 * - `k in {S}` contains `k == v` with v in S and `k in {T}` with T ⊆ S;
 * - `k != v` contains `k == w` (w ≠ v), `k in {T}` without v, and `!has(k)`;
 *   `k not in {S}` contains those when none of S is matched.
 */
import type { SelectorNode } from "../selector/index.js";
import { printSelector } from "../selector/print.js";

const needsPresent = new Set<SelectorNode["kind"]>(["Eq", "In", "Contains", "StartsWith", "EndsWith", "Has"]);

/** The values label `k` can have when `node` matches, when that is a finite set (or "absent"). */
function valuesOf(node: SelectorNode, k: string): { values: readonly string[]; absent: boolean } | undefined {
  if (node.kind === "Eq" && node.label === k) return { values: [node.value], absent: false };
  if (node.kind === "In" && node.label === k) return { values: node.values, absent: false };
  if (node.kind === "Not" && node.operand.kind === "Has" && node.operand.label === k) return { values: [], absent: true };
  return undefined;
}

function atomContains(a: SelectorNode, b: SelectorNode): boolean {
  switch (a.kind) {
    case "All":
      return true;
    case "Has":
      if (b.kind === "In") return b.label === a.label && b.values.length > 0;
      return needsPresent.has(b.kind) && "label" in b && b.label === a.label;
    case "In": {
      const v = valuesOf(b, a.label);
      return v !== undefined && !v.absent && v.values.every((x) => a.values.includes(x));
    }
    case "Ne":
    case "NotIn": {
      const excluded: readonly string[] = a.kind === "NotIn" ? a.values : [(a as { value: string }).value];
      const v = valuesOf(b, a.label);
      return v !== undefined && (v.absent || v.values.every((x) => !excluded.includes(x)));
    }
    default:
      return false;
  }
}

export function selectorContains(a: SelectorNode, b: SelectorNode): boolean {
  if (a.kind === "All") return true;
  if (printSelector(a) === printSelector(b)) return true;
  if (a.kind === "And" && a.operands.every((x) => selectorContains(x, b))) return true;
  if (a.kind === "Or" && a.operands.some((x) => selectorContains(x, b))) return true;
  if (b.kind === "And" && b.operands.some((x) => selectorContains(a, x))) return true;
  if (b.kind === "Or" && b.operands.every((x) => selectorContains(a, x))) return true;
  return atomContains(a, b);
}
