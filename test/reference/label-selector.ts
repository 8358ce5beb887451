/**
 * Kubernetes label selectors (metav1.LabelSelector), evaluated for the reference
 * (k8s-semantics.md §1.2): matchLabels ANDed with matchExpressions; In needs the key present with
 * a listed value, NotIn holds when the key is absent or its value unlisted, Exists/DoesNotExist
 * test presence. `{}` (or nothing) selects everything.
 */
import type { Labels } from "./selector.js";

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export function matchesLabelSelector(sel: LabelSelector | null | undefined, labels: Labels): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (!Object.hasOwn(labels, k) || labels[k] !== String(v)) return false;
  for (const e of sel.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, e.key);
    const values = (e.values ?? []).map(String);
    switch (e.operator) {
      case "In":
        if (!present || !values.includes(labels[e.key]!)) return false;
        break;
      case "NotIn":
        if (present && values.includes(labels[e.key]!)) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
      default:
        throw new Error(`reference: unknown label selector operator ${e.operator}`);
    }
  }
  return true;
}
