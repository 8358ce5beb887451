/**
 * Hand-built Model pieces shaped the way the model stage normalizes Kubernetes objects
 * (k8s-semantics.md §2.5): pods carry their labels plus the projectcalico.org/* labels and their
 * namespace's `pcns.` labels, and list the profiles kns.<ns> and ksa.<ns>.<sa>.
 */
import { createHash } from "node:crypto";
import type {
  EntityRule,
  Labels,
  Model,
  NamedPort,
  NetworkSet,
  Policy,
  Profile,
  Rule,
  Tier,
  WorkloadEndpoint,
} from "../../src/model/types.js";

export const ifaceFor = (ns: string, pod: string): string =>
  `cali${createHash("sha1").update(`${ns}.${pod}`).digest("hex").slice(0, 11)}`;

export interface PodSpec {
  ns: string;
  name: string;
  node?: string;
  ip?: string;
  labels?: Labels;
  nsLabels?: Labels;
  sa?: string;
  ports?: NamedPort[];
}

export function pod(p: PodSpec): WorkloadEndpoint {
  const sa = p.sa ?? "default";
  const nsLabels: Record<string, string> = { "kubernetes.io/metadata.name": p.ns, ...p.nsLabels };
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(nsLabels)) labels[`pcns.${k}`] = v;
  labels["pcns.projectcalico.org/name"] = p.ns;
  labels["pcsa.projectcalico.org/name"] = sa;
  Object.assign(labels, p.labels, {
    "projectcalico.org/namespace": p.ns,
    "projectcalico.org/orchestrator": "k8s",
    "projectcalico.org/serviceaccount": sa,
  });
  return {
    kind: "WorkloadEndpoint",
    key: `${p.ns}/${p.name}`,
    namespace: p.ns,
    name: p.name,
    node: p.node ?? "node-1",
    interfaceName: ifaceFor(p.ns, p.name),
    ipNetworks: p.ip ? [`${p.ip}/32`] : [],
    labels,
    profiles: [`kns.${p.ns}`, `ksa.${p.ns}.${sa}`],
    ports: p.ports ?? [],
    serviceAccount: sa,
  };
}

export const entity = (e: Partial<EntityRule> = {}): EntityRule => ({
  nets: [],
  notNets: [],
  ports: [],
  notPorts: [],
  ...e,
});

export const modelRule = (r: Partial<Rule> = {}): Rule => ({
  action: "Allow",
  source: entity(),
  destination: entity(),
  annotations: {},
  ...r,
});

export function policy(p: Partial<Policy> & Pick<Policy, "policyKind" | "name">): Policy {
  const namespace = p.policyKind === "gnp" ? undefined : (p.namespace ?? "default");
  return {
    kind: "Policy",
    id: namespace === undefined ? `${p.policyKind}/${p.name}` : `${p.policyKind}/${namespace}/${p.name}`,
    tier: "default",
    selector: "",
    types: ["Ingress"],
    ingress: [],
    egress: [],
    doNotTrack: false,
    preDNAT: false,
    applyOnForward: false,
    ...p,
    ...(namespace !== undefined && { namespace }),
    ...(p.policyKind === "knp" && p.order === undefined && { order: 1000 }),
  };
}

export const namespaceProfile = (ns: string): Profile => ({
  kind: "Profile",
  name: `kns.${ns}`,
  labelsToApply: { "pcns.projectcalico.org/name": ns },
  ingress: [modelRule()],
  egress: [modelRule()],
});

export const serviceAccountProfile = (ns: string, sa = "default"): Profile => ({
  kind: "Profile",
  name: `ksa.${ns}.${sa}`,
  labelsToApply: { "pcsa.projectcalico.org/name": sa },
  ingress: [],
  egress: [],
});

export const defaultTier: Tier = { kind: "Tier", name: "default", order: 1_000_000, defaultAction: "Deny" };

export function model(parts: {
  endpoints?: WorkloadEndpoint[];
  policies?: Policy[];
  profiles?: Profile[];
  tiers?: Tier[];
  networkSets?: NetworkSet[];
}): Model {
  const endpoints = parts.endpoints ?? [];
  const namespaces = [...new Set(endpoints.map((e) => e.namespace))].sort();
  const accounts = new Map<string, Set<string>>();
  for (const e of endpoints) {
    const set = accounts.get(e.namespace) ?? new Set<string>();
    set.add(e.serviceAccount ?? "default");
    accounts.set(e.namespace, set);
  }
  const profiles =
    parts.profiles ??
    namespaces.flatMap((ns) => [
      namespaceProfile(ns),
      ...[...(accounts.get(ns) ?? [])].sort().map((sa) => serviceAccountProfile(ns, sa)),
    ]);
  return {
    kind: "Model",
    tiers: parts.tiers ?? [defaultTier],
    policies: parts.policies ?? [],
    profiles,
    endpoints,
    hostEndpoints: [],
    networkSets: parts.networkSets ?? [],
  };
}

/** The docs' web-from-client1 example (namespace default, app=web isolated, run=client1 on TCP 80). */
export function webFromClient1(): Model {
  return model({
    endpoints: [
      pod({ ns: "default", name: "web", ip: "10.65.0.2", labels: { app: "web" } }),
      pod({ ns: "default", name: "client1", ip: "10.65.0.3", labels: { run: "client1" } }),
      pod({ ns: "default", name: "client2", ip: "10.65.0.4", labels: { run: "client2" } }),
    ],
    policies: [
      policy({
        policyKind: "knp",
        name: "test-network-policy",
        selector: "projectcalico.org/orchestrator == 'k8s' && app == 'web'",
        ingress: [
          modelRule({
            protocol: "tcp",
            source: entity({ selector: "projectcalico.org/orchestrator == 'k8s' && run == 'client1'" }),
            destination: entity({ ports: [{ kind: "range", first: 80, last: 80 }] }),
          }),
        ],
      }),
    ],
  });
}
