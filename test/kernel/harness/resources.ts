/**
 * Kubernetes objects for kernel cases, built as plain data and printed as YAML, so a case reads
 * like the manifests a user would apply. Families describe the cluster (namespaces, pods with
 * their node, IP and named container ports); cases add policies and label changes.
 */
import { stringify } from "yaml";

export type Labels = Readonly<Record<string, string>>;

export interface NamespaceDef {
  readonly name: string;
  readonly labels: Labels;
}

export interface ContainerPortDef {
  readonly name: string;
  readonly port: number;
  readonly protocol: "TCP" | "UDP" | "SCTP";
}

export interface PodDef {
  readonly namespace: string;
  readonly name: string;
  /** Logical node name (Pod.spec.nodeName, or WorkloadEndpoint.spec.node). */
  readonly node: string;
  readonly ip: string;
  /** Dual-stack pods (dual-stack.ts): the IPv6 address, listed second in status.podIPs. */
  readonly ip6?: string;
  readonly labels: Labels;
  readonly containerPorts: readonly ContainerPortDef[];
  /** Present: the workload is given as a Calico WorkloadEndpoint, not a Pod. */
  readonly workloadEndpoint?: WorkloadEndpointDef;
}

/** What a non-Kubernetes workload declares itself that a Pod would get from Calico's CNI. */
export interface WorkloadEndpointDef {
  /** spec.interfaceName: the host-side interface the topology creates for it. */
  readonly interfaceName: string;
  /** spec.profiles, in order (no `kns.`/`ksa.` profiles are implied). */
  readonly profiles: readonly string[];
}

export const podKey = (p: { readonly namespace: string; readonly name: string }): string => `${p.namespace}/${p.name}`;

/**
 * A Namespace as the API server stores it: with the immutable `kubernetes.io/metadata.name`
 * label written out explicitly (nothing may assume the compiler adds it).
 */
export function namespaceObject(ns: NamespaceDef, extraLabels: Labels = {}): object {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns.name, labels: { ...ns.labels, ...extraLabels, "kubernetes.io/metadata.name": ns.name } },
  };
}

/** A running Pod: nodeName, status.podIP(s) and one container per named port. */
export function podObject(pod: PodDef, extraLabels: Labels = {}): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: pod.name, namespace: pod.namespace, labels: { ...pod.labels, ...extraLabels } },
    spec: {
      nodeName: pod.node,
      containers: pod.containerPorts.map((p) => ({
        name: `cont-${p.port}-${p.protocol.toLowerCase()}`,
        image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
        ports: [{ name: p.name, containerPort: p.port, protocol: p.protocol }],
      })),
    },
    status: { phase: "Running", podIP: pod.ip, podIPs: [{ ip: pod.ip }, ...(pod.ip6 !== undefined ? [{ ip: pod.ip6 }] : [])] },
  };
}

/**
 * A Calico WorkloadEndpoint as a non-Kubernetes orchestrator writes it: its own node, interface,
 * address and profile list; named ports from the container ports.
 */
export function workloadEndpointObject(pod: PodDef, extraLabels: Labels = {}): object {
  const wep = pod.workloadEndpoint;
  if (wep === undefined) throw new Error(`${podKey(pod)} is a Pod, not a WorkloadEndpoint`);
  return {
    apiVersion: "projectcalico.org/v3",
    kind: "WorkloadEndpoint",
    metadata: { name: pod.name, namespace: pod.namespace, labels: { ...pod.labels, ...extraLabels } },
    spec: {
      orchestrator: "cni",
      node: pod.node,
      workload: pod.name,
      endpoint: "eth0",
      interfaceName: wep.interfaceName,
      ipNetworks: [`${pod.ip}/32`],
      ...(wep.profiles.length > 0 ? { profiles: wep.profiles } : {}),
      ...(pod.containerPorts.length > 0
        ? { ports: pod.containerPorts.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })) }
        : {}),
    },
  };
}

/** The upstream e2e container ports: serve-<port>-<proto> for every port and protocol. */
export function servePorts(ports: readonly number[]): ContainerPortDef[] {
  return ports.flatMap((port) =>
    (["TCP", "UDP", "SCTP"] as const).map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, port, protocol })),
  );
}

/** Multi-document YAML, one document per object, in the given order. */
export function toYaml(objects: readonly object[]): string {
  // Written for YAML 1.1 readers, as kubectl users must write it: namespace `y` is quoted ("y"),
  // which kubectl would read as the boolean true (and the loader refuses, PC1004).
  return objects.map((o) => stringify(o, { lineWidth: 0, version: "1.1" })).join("---\n");
}

// ---- Kubernetes NetworkPolicy builders, shaped like upstream's policies.go helpers ----

export type LabelSelector = {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
};

export interface K8sPolicyParts {
  /** SetSpecIngressRules(...): present (even empty) adds "Ingress" to policyTypes. */
  readonly ingress?: readonly object[];
  /** SetSpecEgressRules(...): present (even empty) adds "Egress" to policyTypes. */
  readonly egress?: readonly object[];
  /** Overrides the computed policyTypes (as some upstream tests do). */
  readonly policyTypes?: readonly ("Ingress" | "Egress")[];
}

/**
 * GenNetworkPolicyWithNameAndPodSelector(name, podSelector, SetSpecIngressRules(..), SetSpecEgressRules(..)):
 * policyTypes gets "Ingress" and/or "Egress" in that order for each rule list that is set.
 */
export function k8sPolicy(namespace: string, name: string, podSelector: LabelSelector, parts: K8sPolicyParts): object {
  const types: string[] = [];
  if (parts.ingress !== undefined) types.push("Ingress");
  if (parts.egress !== undefined) types.push("Egress");
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace },
    spec: {
      podSelector,
      policyTypes: parts.policyTypes ?? types,
      ...(parts.ingress !== undefined ? { ingress: parts.ingress } : {}),
      ...(parts.egress !== undefined ? { egress: parts.egress } : {}),
    },
  };
}

/** makeLargeCIDRForIP from upstream: the /4 that contains `ip`. */
export function largeCidrForIp(ip: string): string {
  const first = Number(ip.split(".")[0]);
  return `${first & 0xf0}.0.0.0/4`;
}

export const CALICO_V3 = "projectcalico.org/v3";

/** A Calico v3 NetworkPolicy object. */
export function calicoPolicy(namespace: string, name: string, spec: object): object {
  return { apiVersion: CALICO_V3, kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}

/** A Calico v3 GlobalNetworkPolicy object. */
export function globalPolicy(name: string, spec: object): object {
  return { apiVersion: CALICO_V3, kind: "GlobalNetworkPolicy", metadata: { name }, spec };
}
