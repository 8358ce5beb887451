/** The whole-object schema for each resource kind policy-compile reads. */
import { z } from "zod";
import type { ResourceKind } from "../resources.js";
import * as calico from "./calico.js";
import * as admin from "./admin.js";
import * as k8s from "./k8s.js";
import { clusterNetworkPolicy } from "./cluster-network-policy.js";
import { closedObject } from "./object-meta.js";

function calicoObject<M extends z.ZodType, S extends z.ZodType>(metadata: M, spec: S) {
  return z.strictObject({ apiVersion: z.string(), kind: z.string(), metadata, spec: spec.optional() });
}

export const resourceSchemas = {
  "calico/NetworkPolicy": calicoObject(calico.calicoMetadata("calicoPolicy", true), calico.networkPolicySpec),
  "calico/GlobalNetworkPolicy": calicoObject(calico.calicoMetadata("calicoGlobalPolicy", false), calico.globalNetworkPolicySpec),
  "calico/Tier": calicoObject(calico.calicoMetadata("label", false), calico.tierSpec),
  "calico/Profile": calicoObject(calico.calicoMetadata("subdomain", false), calico.profileSpec),
  "calico/NetworkSet": calicoObject(calico.calicoMetadata("subdomain", true), calico.networkSetSpec),
  "calico/GlobalNetworkSet": calicoObject(calico.calicoMetadata("subdomain", false), calico.networkSetSpec),
  "calico/WorkloadEndpoint": calicoObject(calico.calicoMetadata("subdomain", true), calico.workloadEndpointSpec),
  "calico/HostEndpoint": calicoObject(calico.calicoMetadata("subdomain", false), calico.hostEndpointSpec),
  // Staged kinds: the enforced kind's spec plus stagedAction (calico-332.md §4.1). Calico checks
  // only the length of a StagedKubernetesNetworkPolicy's name; policy-compile asks for the name a
  // Kubernetes NetworkPolicy may have, which is what it becomes when promoted.
  "calico/StagedNetworkPolicy": calicoObject(calico.calicoMetadata("calicoPolicy", true), calico.stagedNetworkPolicySpec),
  "calico/StagedGlobalNetworkPolicy": calicoObject(calico.calicoMetadata("calicoGlobalPolicy", false), calico.stagedGlobalNetworkPolicySpec),
  "calico/StagedKubernetesNetworkPolicy": calicoObject(calico.calicoMetadata("subdomain", true), k8s.stagedKubernetesNetworkPolicySpec),
  // Kubernetes kinds are closed at the top too; apiVersion and kind were read already, `status` is not policy.
  "k8s/NetworkPolicy": closedObject({ metadata: k8s.k8sMetadata(true, "subdomain"), spec: k8s.networkPolicySpec.optional() }, ["apiVersion", "kind", "status"]),
  "k8s/AdminNetworkPolicy": z.strictObject({ apiVersion: z.string(), kind: z.string(), metadata: k8s.k8sMetadata(false, "subdomain"), spec: admin.adminNetworkPolicySpec }),
  "k8s/BaselineAdminNetworkPolicy": z.strictObject({ apiVersion: z.string(), kind: z.string(), metadata: admin.baselineMetadata, spec: admin.baselineAdminNetworkPolicySpec }),
  "k8s/ClusterNetworkPolicy": clusterNetworkPolicy,
  "k8s/Namespace": closedObject({ metadata: k8s.k8sMetadata(false, "label") }, ["apiVersion", "kind", "spec", "status"]),
  "k8s/ServiceAccount": closedObject({ metadata: k8s.k8sMetadata(true, "subdomain") }, ["apiVersion", "kind", "automountServiceAccountToken", "imagePullSecrets", "secrets"]),
  "k8s/Pod": closedObject({ metadata: k8s.k8sMetadata(true, "subdomain"), spec: k8s.podSpec.optional(), status: k8s.podStatus.optional() }, ["apiVersion", "kind"]),
} as const satisfies Record<ResourceKind, z.ZodType>;

export type ResourceInput<K extends ResourceKind> = z.output<(typeof resourceSchemas)[K]>;
