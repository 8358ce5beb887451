/**
 * Closed objects: a field nobody declared is an error (PC2004, with "did you mean"), never
 * silently dropped. `kubectl apply` rejects unknown fields too (strict field validation), and a
 * misspelt `spec` on a NetworkPolicy would otherwise leave a policy whose empty spec denies
 * every ingress of its namespace. Fields that Kubernetes defines but policy does not read
 * (ObjectMeta's uid, managedFields, ...; a Pod's status conditions) are accepted and dropped
 * from the output, so the model and the fast paths never carry them.
 */
import { z } from "zod";
import type { ResourceKind } from "../resources.js";

/** ObjectMeta fields (Kubernetes and Calico v3 share ObjectMeta) that policy does not read. */
export const OBJECT_META_IGNORED: readonly string[] = [
  "generateName",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
];

/** `shape` plus `ignoredKeys` (accepted as anything), strict, with the ignored keys left out of the output. */
export function closedObject<S extends z.ZodRawShape>(shape: S, ignoredKeys: readonly string[]) {
  const accepted = Object.fromEntries(ignoredKeys.map((k) => [k, z.unknown().optional()]));
  return z.strictObject({ ...shape, ...accepted }).transform((o) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!ignoredKeys.includes(k)) out[k] = v;
    return out as z.output<z.ZodObject<S>>;
  });
}

/**
 * The ObjectMeta schema of a kind: `namespace` is read for namespaced kinds; for cluster-scoped
 * ones the API server clears it, and so do we (the loader warns, PC4007).
 */
export function objectMeta<N extends z.ZodType, L extends z.ZodType>(name: N, labels: L, namespaced: boolean, namespace: z.ZodType<string>) {
  // Fields in the order the fast paths (fast-common.ts metadata) build them: name, namespace, labels.
  return namespaced
    ? closedObject({ name, namespace: namespace.optional(), labels: labels.optional() }, OBJECT_META_IGNORED)
    : closedObject({ name, labels: labels.optional() }, [...OBJECT_META_IGNORED, "namespace"]);
}

export const CLUSTER_SCOPED: ReadonlySet<ResourceKind> = new Set<ResourceKind>([
  "calico/GlobalNetworkPolicy",
  "calico/StagedGlobalNetworkPolicy",
  "calico/Tier",
  "calico/Profile",
  "calico/GlobalNetworkSet",
  "calico/HostEndpoint",
  "k8s/AdminNetworkPolicy",
  "k8s/BaselineAdminNetworkPolicy",
  "k8s/ClusterNetworkPolicy",
  "k8s/Namespace",
]);
