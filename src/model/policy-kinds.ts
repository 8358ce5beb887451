/** Facts about the policy kinds (calico-332.md §3.3) that several stages ask. */
import type { Policy, PolicyKind } from "./types.js";

/** Cluster-scoped kinds: no namespace, and a `namespaceSelector` may scope them. */
export const isGlobalPolicyKind = (kind: PolicyKind): boolean => kind === "gnp" || kind === "kcnp" || kind === "sgnp";

/** The staged kinds: evaluated, never enforced. */
export const isStagedPolicyKind = (kind: PolicyKind): boolean => kind === "snp" || kind === "sgnp" || kind === "sknp";

/** Kubernetes NetworkPolicy semantics (converted selectors, orchestrator term), enforced or staged. */
export const isKubernetesPolicyKind = (kind: PolicyKind): boolean => kind === "knp" || kind === "sknp";

export const isStaged = (p: Pick<Policy, "policyKind">): boolean => isStagedPolicyKind(p.policyKind);

/**
 * Whether Felix receives the policy: a staged policy with stagedAction Delete never reaches it
 * (its update processor returns nil, calico-332.md §4.2), so it is in no tier of any endpoint.
 */
export const reachesFelix = (p: Pick<Policy, "stagedAction">): boolean => p.stagedAction !== "Delete";

/** The enforced kind a staged kind becomes when promoted (and every enforced kind itself). */
export const enforcedKindOf: Readonly<Record<PolicyKind, PolicyKind>> = { np: "np", gnp: "gnp", knp: "knp", kcnp: "kcnp", snp: "np", sgnp: "gnp", sknp: "knp" };
