/**
 * The reference's reading of a cluster: the resources exactly as the user wrote them (parsed
 * YAML/JSON objects), with the API defaulting the documents describe, into the few facts the
 * semantics need. Nothing here comes from src/model: the namespace and service-account labels
 * an endpoint carries, its profiles, the Kubernetes and Calico defaults are read from
 * /work/shared/reference/k8s-semantics.md (§1.4, §2.5, §3.3, §3.6) and calico-332.md (§1, §3, §4).
 *
 * Input is assumed valid (the differential tests check that the real loader accepts it).
 */
import { parseAllDocuments } from "yaml";
import type { Labels } from "./selector.js";

// The raw shapes, loosely typed: the reference reads fields by their documented names.
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface NamedPort {
  readonly name: string;
  /** Upper case: TCP, UDP, SCTP. */
  readonly protocol: string;
  readonly port: number;
}

/** A workload (Pod or WorkloadEndpoint) or a host endpoint. */
export interface RefEndpoint {
  readonly kind: "workload" | "host";
  /** Workloads only. */
  readonly namespace?: string;
  readonly name: string;
  readonly node?: string;
  /** Addresses (no prefix): a workload's IPs, a host endpoint's expectedIPs. */
  readonly ips: readonly string[];
  /** The labels selectors see: profile labels, then the endpoint's own, then Calico's automatic ones. */
  readonly labels: Labels;
  readonly profiles: readonly string[];
  readonly serviceAccount?: string;
  readonly ports: readonly NamedPort[];
  /** Host endpoints: the interface (`*` = every interface of the node). */
  readonly interfaceName?: string;
}

export interface RefNetworkSet {
  readonly namespace?: string;
  readonly nets: readonly string[];
  readonly labels: Labels;
}

export interface RefProfile {
  readonly name: string;
  readonly labelsToApply: Labels;
  readonly ingress: readonly Obj[];
  readonly egress: readonly Obj[];
}

export interface RefTier {
  readonly name: string;
  readonly order: number;
  readonly defaultAction: "Deny" | "Pass";
}

export type PolicyKindName =
  | "NetworkPolicy"
  | "GlobalNetworkPolicy"
  | "KubernetesNetworkPolicy"
  | "KubernetesClusterNetworkPolicy"
  | "StagedNetworkPolicy"
  | "StagedGlobalNetworkPolicy"
  | "StagedKubernetesNetworkPolicy";

/** A policy as written: its kind, identity and raw spec. The semantics module interprets it. */
export interface RefPolicy {
  readonly kind: PolicyKindName;
  readonly name: string;
  readonly namespace?: string;
  readonly spec: Obj;
}

export interface RefCluster {
  readonly namespaces: ReadonlyMap<string, Labels>;
  readonly endpoints: readonly RefEndpoint[];
  readonly networkSets: readonly RefNetworkSet[];
  readonly profiles: ReadonlyMap<string, RefProfile>;
  readonly tiers: ReadonlyMap<string, RefTier>;
  readonly policies: readonly RefPolicy[];
}

export interface RefSource {
  readonly file: string;
  readonly text: string;
}

/** Every document of the sources (multi-document YAML or JSON), `…List` kinds flattened. */
export function documentsOf(sources: readonly RefSource[]): Obj[] {
  const out: Obj[] = [];
  const add = (d: unknown): void => {
    if (d === null || typeof d !== "object") return;
    const o = d as Obj;
    if (typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o.items)) {
      for (const item of o.items) add(item);
      return;
    }
    out.push(o);
  };
  for (const s of sources) {
    for (const doc of parseAllDocuments(s.text, { version: "1.2" })) add(doc.toJS());
  }
  return out;
}

const POLICY_KINDS = new Set<string>(["NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy", "StagedGlobalNetworkPolicy", "StagedKubernetesNetworkPolicy"]);

/** The built-in tiers (calico-332.md §3.1), present whether or not the input lists them. */
const BUILTIN_TIERS: readonly RefTier[] = [
  { name: "kube-admin", order: 1000, defaultAction: "Pass" },
  { name: "default", order: 1_000_000, defaultAction: "Deny" },
  { name: "kube-baseline", order: 10_000_000, defaultAction: "Pass" },
];

const strip = (labels: Labels, prefix: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
};
/** The namespace labels an entity carries (its `pcns.` labels, prefix removed). */
export const namespaceLabelsOf = (labels: Labels): Labels => strip(labels, "pcns.");
/** The service-account labels an endpoint carries (its `pcsa.` labels, prefix removed). */
export const serviceAccountLabelsOf = (labels: Labels): Labels => strip(labels, "pcsa.");

const prefixed = (labels: Obj | undefined, prefix: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) out[`${prefix}${k}`] = String(v);
  return out;
};

const addrOf = (cidr: string): string => cidr.split("/")[0]!;

/**
 * A node's interfaces and their addresses (what `--host-interface NAME=IP,...` tells the
 * compiler): a host endpoint without interfaceName governs the interfaces holding one of its
 * expectedIPs (Calico's HostEndpoint docs), one endpoint per such interface.
 */
export interface RefHostInterface {
  readonly name: string;
  readonly addresses: readonly string[];
}

export function readCluster(docs: readonly Obj[], options: { readonly hostInterfaces?: readonly RefHostInterface[] } = {}): RefCluster {
  const namespaces = new Map<string, Labels>();
  const profiles = new Map<string, RefProfile>();
  const tiers = new Map<string, RefTier>(BUILTIN_TIERS.map((t) => [t.name, t]));
  const policies: RefPolicy[] = [];
  const rawNetSets: Obj[] = [];
  const pods: Obj[] = [];
  const weps: Obj[] = [];
  const heps: Obj[] = [];
  for (const d of docs) {
    const meta: Obj = d.metadata ?? {};
    const spec: Obj = d.spec ?? {};
    const group = String(d.apiVersion ?? "").split("/")[0];
    switch (d.kind) {
      case "Namespace":
        // The API server stamps every namespace with kubernetes.io/metadata.name (k8s-semantics §1.5).
        meta.labels = { ...(meta.labels ?? {}), "kubernetes.io/metadata.name": meta.name };
        namespaces.set(meta.name, { ...meta.labels });
        // k8s-semantics §2.5: the namespace's profile kns.<ns> allows everything and gives pcns. labels.
        profiles.set(`kns.${meta.name}`, {
          name: `kns.${meta.name}`,
          labelsToApply: { ...prefixed(meta.labels, "pcns."), "pcns.projectcalico.org/name": meta.name },
          ingress: [{ action: "Allow" }],
          egress: [{ action: "Allow" }],
        });
        break;
      case "ServiceAccount": {
        const ns = meta.namespace ?? "default";
        profiles.set(`ksa.${ns}.${meta.name}`, {
          name: `ksa.${ns}.${meta.name}`,
          labelsToApply: { ...prefixed(meta.labels, "pcsa."), "pcsa.projectcalico.org/name": meta.name },
          ingress: [],
          egress: [],
        });
        break;
      }
      case "Pod":
        pods.push(d);
        break;
      case "WorkloadEndpoint":
        weps.push(d);
        break;
      case "HostEndpoint":
        heps.push(d);
        break;
      case "Profile":
        profiles.set(meta.name, { name: meta.name, labelsToApply: { ...(spec.labelsToApply ?? {}) }, ingress: spec.ingress ?? [], egress: spec.egress ?? [] });
        break;
      case "Tier":
        // calico-332 §3.1: a missing order reads as 1,000,000, a missing defaultAction as Deny.
        tiers.set(meta.name, { name: meta.name, order: typeof spec.order === "number" ? spec.order : 1_000_000, defaultAction: spec.defaultAction === "Pass" ? "Pass" : "Deny" });
        break;
      case "NetworkSet":
      case "GlobalNetworkSet":
        rawNetSets.push(d);
        break;
      case "ClusterNetworkPolicy":
        policies.push({ kind: "KubernetesClusterNetworkPolicy", name: meta.name, spec });
        break;
      default:
        if (d.kind === "NetworkPolicy" && group === "networking.k8s.io") policies.push({ kind: "KubernetesNetworkPolicy", name: meta.name, namespace: meta.namespace ?? "default", spec });
        else if (POLICY_KINDS.has(d.kind)) {
          const namespaced = d.kind === "NetworkPolicy" || d.kind === "StagedNetworkPolicy" || d.kind === "StagedKubernetesNetworkPolicy";
          policies.push({ kind: d.kind as PolicyKindName, name: meta.name, ...(namespaced && { namespace: meta.namespace ?? "default" }), spec });
        }
    }
  }

  /**
   * Labels from the listed profiles, then the endpoint's own (which win). Between profiles the
   * earlier one wins, as Felix's label inheritance (parents applied last to first) does; the
   * shared references are silent on it, so a regression case pins it.
   */
  const inherited = (names: readonly string[], own: Obj | undefined): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const n of [...names].reverse()) Object.assign(out, profiles.get(n)?.labelsToApply ?? {});
    for (const [k, v] of Object.entries(own ?? {})) out[k] = String(v);
    return out;
  };

  const endpoints: RefEndpoint[] = [];
  for (const p of pods) {
    const meta: Obj = p.metadata ?? {};
    const spec: Obj = p.spec ?? {};
    const status: Obj = p.status ?? {};
    // k8s-semantics §1.9: host-network pods are no endpoints; only pods with a node and an IP take part.
    if (spec.hostNetwork === true) continue;
    const ips: string[] = Array.isArray(status.podIPs) && status.podIPs.length > 0 ? status.podIPs.map((x: Obj) => String(x.ip)) : status.podIP ? [String(status.podIP)] : [];
    if (spec.nodeName === undefined || ips.length === 0) continue;
    const ns: string = meta.namespace ?? "default";
    const sa: string = spec.serviceAccountName ?? spec.serviceAccount ?? "default";
    const profileNames = [`kns.${ns}`, `ksa.${ns}.${sa}`];
    // The syncer strips pcns./pcsa. labels a pod sets itself (selector.md §10).
    const own = Object.fromEntries(Object.entries(meta.labels ?? {}).filter(([k]) => !k.startsWith("pcns.") && !k.startsWith("pcsa.")));
    const ports: NamedPort[] = [];
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      for (const cp of c.ports ?? []) if (cp.name) ports.push({ name: cp.name, protocol: String(cp.protocol ?? "TCP").toUpperCase(), port: Number(cp.containerPort) });
    }
    endpoints.push({
      kind: "workload",
      namespace: ns,
      name: meta.name,
      node: spec.nodeName,
      ips,
      labels: {
        ...inherited(profileNames, own),
        "projectcalico.org/namespace": ns,
        "projectcalico.org/orchestrator": "k8s",
        "projectcalico.org/serviceaccount": sa,
      },
      profiles: profileNames,
      serviceAccount: sa,
      ports,
    });
  }
  for (const w of weps) {
    const meta: Obj = w.metadata ?? {};
    const spec: Obj = w.spec ?? {};
    const ns: string = meta.namespace ?? "default";
    const names: string[] = spec.profiles ?? [];
    const sa: string | undefined = spec.serviceAccountName;
    endpoints.push({
      kind: "workload",
      namespace: ns,
      name: meta.name,
      node: spec.node,
      ips: (spec.ipNetworks ?? []).map(addrOf),
      labels: {
        ...inherited(names, meta.labels),
        "projectcalico.org/namespace": ns,
        ...(spec.orchestrator !== undefined && { "projectcalico.org/orchestrator": String(spec.orchestrator) }),
        ...(sa !== undefined && { "projectcalico.org/serviceaccount": sa }),
      },
      profiles: names,
      ...(sa !== undefined && { serviceAccount: sa }),
      ports: (spec.ports ?? []).map((x: Obj) => ({ name: x.name, protocol: String(x.protocol ?? "TCP").toUpperCase(), port: Number(x.port) })),
    });
  }
  for (const h of heps) {
    const meta: Obj = h.metadata ?? {};
    const spec: Obj = h.spec ?? {};
    const names: string[] = spec.profiles ?? [];
    const ips: string[] = (spec.expectedIPs ?? []).map(String);
    const hep = {
      kind: "host" as const,
      name: meta.name,
      node: spec.node,
      ips,
      labels: inherited(names, meta.labels),
      profiles: names,
      ports: (spec.ports ?? []).map((x: Obj) => ({ name: x.name, protocol: String(x.protocol ?? "TCP").toUpperCase(), port: Number(x.port) })),
    };
    if (spec.interfaceName !== undefined && spec.interfaceName !== "") endpoints.push({ ...hep, interfaceName: spec.interfaceName });
    else if (options.hostInterfaces === undefined) endpoints.push(hep);
    else for (const i of options.hostInterfaces) if (i.addresses.some((a) => ips.includes(a))) endpoints.push({ ...hep, interfaceName: i.name });
  }
  const networkSets: RefNetworkSet[] = rawNetSets.map((s) => {
    const meta: Obj = s.metadata ?? {};
    if (s.kind === "GlobalNetworkSet") return { nets: s.spec?.nets ?? [], labels: { ...(meta.labels ?? {}) } };
    const ns: string = meta.namespace ?? "default";
    // calico-332 §2.6 item 1: a namespaced NetworkSet carries its namespace profile's labels.
    return { namespace: ns, nets: s.spec?.nets ?? [], labels: { ...inherited([`kns.${ns}`], meta.labels), "projectcalico.org/namespace": ns } };
  });
  return { namespaces, endpoints, networkSets, profiles, tiers, policies };
}

/** The cluster of some YAML/JSON sources. */
export const clusterOf = (sources: readonly RefSource[], options: { readonly hostInterfaces?: readonly RefHostInterface[] } = {}): RefCluster => readCluster(documentsOf(sources), options);
