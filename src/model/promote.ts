/**
 * The staged-policy preview: the cluster as it would be once every staged policy is promoted.
 *
 * For each staged policy, in the model's (id) order:
 * - Set, Learn, Ignore: its spec becomes the enforced policy of the same name, namespace and
 *   enforced kind (snp → np, sgnp → gnp, sknp → knp), added, or replacing the one there;
 * - Delete: the enforced policy of that name, namespace and kind is removed (if there is one).
 * Then the staged policies are dropped. Nothing else changes: tiers, endpoints and profiles are
 * the model's own objects.
 *
 * This is not Calico Whisker's "pending" (calico-332.md §4.4), which evaluates a staged policy in
 * addition to its enforced namesake (the enforced one first, at equal order) and never sees a
 * Delete. The question the preview answers is "what happens when I promote", i.e. when the
 * staged object is applied as the enforced kind: that replaces the namesake, and a Delete is the
 * namesake's removal.
 */
import { enforcedKindOf, isStaged } from "./policy-kinds.js";
import type { Model, Policy } from "./types.js";

export interface Promotion {
  /** The promoted cluster (no staged policy left). */
  readonly model: Model;
  /** Enforced policy id in `model` → the staged policy (Set, Learn, Ignore) it came from. */
  readonly promoted: ReadonlyMap<string, Policy>;
  /** Enforced policy id that existed and was removed → the staged Delete that removed it. */
  readonly deleted: ReadonlyMap<string, Policy>;
  /** Enforced policy id that existed and was replaced → the staged policy that replaced it. */
  readonly replaced: ReadonlyMap<string, Policy>;
}

/** `<kind>/[<ns>/]<name>`. */
export const policyId = (kind: Policy["policyKind"], name: string, namespace: string | undefined): string => (namespace === undefined ? `${kind}/${name}` : `${kind}/${namespace}/${name}`);

export function promotion(model: Model): Promotion {
  const enforced = new Map<string, Policy>();
  const staged: Policy[] = [];
  for (const p of model.policies) {
    if (isStaged(p)) staged.push(p);
    else enforced.set(p.id, p);
  }
  const promoted = new Map<string, Policy>();
  const deleted = new Map<string, Policy>();
  const replaced = new Map<string, Policy>();
  for (const s of staged) {
    const kind = enforcedKindOf[s.policyKind];
    const id = policyId(kind, s.name, s.namespace);
    if (s.stagedAction === "Delete") {
      // Two staged objects cannot share a kind, namespace and name, so nothing promoted it first.
      if (enforced.delete(id)) deleted.set(id, s);
      continue;
    }
    if (enforced.has(id)) replaced.set(id, s);
    const { stagedAction: _action, ...spec } = s;
    enforced.set(id, { ...spec, policyKind: kind, id });
    promoted.set(id, s);
  }
  const policies = [...enforced.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { model: { ...model, policies }, promoted, deleted, replaced };
}

/** The promoted cluster: see `promotion`. Pure; a model without staged policies comes back equal. */
export function promoteStaged(model: Model): Model {
  return promotion(model).model;
}
