/** Facts about the policy kinds (calico-332.md §3.3) that several stages ask. */
import type { Policy, PolicyKind } from "./types.js";

/** Cluster-scoped kinds: no namespace, and a `namespaceSelector` may scope them. */
export const isGlobalPolicyKind = (kind: PolicyKind): boolean => kind === "gnp" || kind === "kcnp" || kind === "sgnp";

/** The staged kinds: evaluated, never enforced. */
export const isStagedPolicyKind = (kind: PolicyKind): boolean => kind === "snp" || kind === "sgnp" || kind === "sknp";

/** Kubernetes NetworkPolicy semantics (converted selectors, orchestrator term), enforced or staged. */
export const isKubernetesPolicyKind = (kind: PolicyKind): boolean => kind === "knp" || kind === "sknp";

export const isStaged = (p: Pick<Policy, "policyKind">): boolean => isStagedPolicyKind(p.policyKind);
