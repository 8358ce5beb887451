/**
 * Kubernetes Namespaces, ServiceAccounts and Pods → Calico profiles and workload endpoints, as
 * Calico's Kubernetes datastore driver presents them to Felix (reference/k8s-semantics.md §2.5):
 * `kns.<ns>` profiles (allow all, `pcns.` labels), `ksa.<ns>.<sa>` profiles (no rules, `pcsa.`
 * labels), and one endpoint per pod that has been scheduled or not yet finished.
 */
import { createHash } from "node:crypto";
import type { Labels, NamedPort, Profile, Rule, WorkloadEndpoint } from "../types.js";
import { emptyEntity } from "./calico-rules.js";

export const NAMESPACE_LABEL = "projectcalico.org/namespace";
export const ORCHESTRATOR_LABEL = "projectcalico.org/orchestrator";
export const SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount";
export const NAME_LABEL = "projectcalico.org/name";
/** The label the API server stamps on every namespace (immutable, equal to its name). */
export const METADATA_NAME_LABEL = "kubernetes.io/metadata.name";

/** Calico's CNI interface name for a pod: `cali` + first 11 hex chars of sha1("<ns>.<pod>"). */
export function podInterfaceName(namespace: string, pod: string): string {
  return `cali${createHash("sha1").update(`${namespace}.${pod}`).digest("hex").slice(0, 11)}`;
}

const allowAll: Rule = { action: "Allow", source: emptyEntity, destination: emptyEntity, annotations: {} };

export function sortLabels(labels: Record<string, string>): Labels {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function namespaceProfile(ns: string, labels: Labels, origin?: Profile["origin"]): Profile {
  const apply: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...labels, [METADATA_NAME_LABEL]: ns })) apply[`pcns.${k}`] = v;
  apply[`pcns.${NAME_LABEL}`] = ns;
  return {
    kind: "Profile",
    name: `kns.${ns}`,
    labelsToApply: sortLabels(apply),
    ingress: [allowAll],
    egress: [allowAll],
    ...(origin ? { origin } : {}),
  };
}

export function serviceAccountProfile(ns: string, sa: string, labels: Labels, origin?: Profile["origin"]): Profile {
  const apply: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) apply[`pcsa.${k}`] = v;
  apply[`pcsa.${NAME_LABEL}`] = sa;
  return { kind: "Profile", name: `ksa.${ns}.${sa}`, labelsToApply: sortLabels(apply), ingress: [], egress: [], ...(origin ? { origin } : {}) };
}

/**
 * Effective labels: profile labels (earlier profiles first), overridden by the endpoint's own
 * labels, overridden by the automatic `projectcalico.org/*` labels.
 */
export function effectiveLabels(own: Labels, automatic: Labels, profiles: readonly string[], profileLabels: ReadonlyMap<string, Labels>): Labels {
  const out: Record<string, string> = {};
  for (const p of [...profiles].reverse()) Object.assign(out, profileLabels.get(p) ?? {});
  Object.assign(out, own, automatic);
  return sortLabels(out);
}

export function sortNamedPorts(ports: readonly NamedPort[]): NamedPort[] {
  return [...ports].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0) || a.port - b.port);
}

export interface PodInput {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly node?: string;
  readonly serviceAccount: string;
  readonly ipNetworks: readonly string[];
  readonly ports: readonly NamedPort[];
  readonly origin?: WorkloadEndpoint["origin"];
}

export function podEndpoint(pod: PodInput, profileLabels: ReadonlyMap<string, Labels>): WorkloadEndpoint {
  // The syncer drops pcns./pcsa. labels a pod sets itself: only profiles may set them.
  const own = Object.fromEntries(Object.entries(pod.labels).filter(([k]) => !k.startsWith("pcns.") && !k.startsWith("pcsa.")));
  const profiles = [`kns.${pod.namespace}`, `ksa.${pod.namespace}.${pod.serviceAccount}`];
  const automatic = { [NAMESPACE_LABEL]: pod.namespace, [ORCHESTRATOR_LABEL]: "k8s", [SERVICE_ACCOUNT_LABEL]: pod.serviceAccount };
  return {
    kind: "WorkloadEndpoint",
    key: `${pod.namespace}/${pod.name}`,
    namespace: pod.namespace,
    name: pod.name,
    ...(pod.node !== undefined ? { node: pod.node } : {}),
    interfaceName: podInterfaceName(pod.namespace, pod.name),
    ipNetworks: pod.ipNetworks,
    labels: effectiveLabels(own, automatic, profiles, profileLabels),
    profiles,
    ports: sortNamedPorts(pod.ports),
    serviceAccount: pod.serviceAccount,
    ...(pod.origin ? { origin: pod.origin } : {}),
  };
}
