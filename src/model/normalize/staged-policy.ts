/**
 * StagedKubernetesNetworkPolicy → an `sknp` policy, converted as Calico converts it: copied into
 * a networking/v1 NetworkPolicy and run through the Kubernetes converter (tier default, order
 * 1000, the orchestrator term; calico-332.md §4.2).
 *
 * policyTypes is the trap. The object is a Calico CRD, so the Kubernetes API server's
 * NetworkPolicy defaulting never runs and clientv3 does not default it either. In CRD mode
 * Calico's MutatingAdmissionPolicy `policytypes.policy.projectcalico.org` fills policyTypes when
 * it is absent: [Ingress, Egress] when `egress` is present (CEL `has()`, so an empty `egress: []`
 * counts), else [Ingress]. Without that policy (the etcd datastore) the converter reads
 * [Ingress] and drops the egress rules. policy-compile applies the admission policy, the
 * documented install, and the loader warns (PC4030) exactly where the two readings differ.
 */
import type { K8sNetworkPolicySpecInput } from "../schema/k8s.js";
import type { Direction, Policy, StagedAction } from "../types.js";
import { k8sNetworkPolicy } from "./k8s-policy.js";

/** The policyTypes Calico's admission policy gives a StagedKubernetesNetworkPolicy. */
export function stagedKubernetesPolicyTypes(spec: K8sNetworkPolicySpecInput): Direction[] {
  if (spec.policyTypes && spec.policyTypes.length > 0) return (["Ingress", "Egress"] as const).filter((t) => spec.policyTypes?.includes(t));
  return spec.egress !== undefined ? ["Ingress", "Egress"] : ["Ingress"];
}

export function stagedKubernetesPolicy(
  name: string,
  namespace: string,
  spec: K8sNetworkPolicySpecInput,
  stagedAction: StagedAction,
  origins: Parameters<typeof k8sNetworkPolicy>[3],
): Policy {
  const converted = k8sNetworkPolicy(name, namespace, { ...spec, policyTypes: stagedKubernetesPolicyTypes(spec) }, origins);
  return { ...converted, policyKind: "sknp", id: `sknp/${namespace}/${name}`, stagedAction };
}
