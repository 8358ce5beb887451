/**
 * Kubernetes Namespaces, ServiceAccounts and Pods → Calico profiles and workload endpoints, as
 * Calico's Kubernetes datastore driver presents them to Felix (reference/k8s-semantics.md §2.5):
 * `kns.<ns>` profiles (allow all, `pcns.` labels), `ksa.<ns>.<sa>` profiles (no rules, `pcsa.`
 * labels), and one endpoint per pod that has been scheduled or not yet finished.
 */
import * as crypto from "node:crypto";
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
  return `cali${sha1Hex(`${namespace}.${pod}`).slice(0, 11)}`;
}

// crypto.hash (Node 20.12+) hashes in one call, without a Hash object per pod.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;
const sha1Hex = oneShot ? (data: string): string => oneShot("sha1", data, "hex") : (data: string): string => crypto.createHash("sha1").update(data).digest("hex");

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
  return new EffectiveLabels(profileLabels).of(own, automatic, profiles);
}

type Entries = readonly (readonly [string, string])[];

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * effectiveLabels for many endpoints. A cluster has far fewer profile lists than endpoints (one
 * per namespace and service account), so the profiles' labels are merged and sorted once per
 * list; each endpoint then merges its few own and automatic labels into that sorted list instead
 * of sorting everything again. The result is the same object sortLabels would build.
 */
export class EffectiveLabels {
  /** Merged profile labels by profile list, as a tree keyed by profile name (no key strings). */
  private readonly merged: MergedNode = { next: new Map(), entries: undefined };

  constructor(private readonly profileLabels: ReadonlyMap<string, Labels>) {}

  of(own: Labels, automatic: Labels, profiles: readonly string[]): Labels {
    const base = this.base(profiles);
    const over: Record<string, string> = {};
    Object.assign(over, own, automatic);
    const overKeys = Object.keys(over);
    // `result[k] = v` must not meet the __proto__ setter; sortLabels' fromEntries never does.
    if (overKeys.includes("__proto__")) return sortLabels(Object.assign(Object.fromEntries(base), over));
    sortSmall(overKeys);
    const result: Record<string, string> = {};
    let i = 0;
    let j = 0;
    while (i < base.length || j < overKeys.length) {
      const b = base[i];
      const k = overKeys[j];
      if (k === undefined || (b !== undefined && b[0] < k)) {
        result[(b as Entries[number])[0]] = (b as Entries[number])[1];
        i++;
      } else {
        if (b !== undefined && b[0] === k) i++;
        result[k] = over[k] as string;
        j++;
      }
    }
    return result;
  }

  /** The profiles' labels merged (earlier profiles win) and sorted by key, once per list. */
  private base(profiles: readonly string[]): Entries {
    let node = this.merged;
    for (const p of profiles) {
      let next = node.next.get(p);
      if (next === undefined) node.next.set(p, (next = { next: new Map(), entries: undefined }));
      node = next;
    }
    if (node.entries === undefined) {
      const out: Record<string, string> = {};
      for (let i = profiles.length - 1; i >= 0; i--) Object.assign(out, this.profileLabels.get(profiles[i] as string) ?? {});
      node.entries = Object.entries(out).sort(([a], [b]) => byKey(a, b));
    }
    return node.entries;
  }
}

interface MergedNode {
  readonly next: Map<string, MergedNode>;
  entries: Entries | undefined;
}

/** Sorts a handful of distinct keys in place (insertion sort; an endpoint has a few own labels). */
function sortSmall(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = k;
  }
}

export function sortNamedPorts(ports: readonly NamedPort[]): NamedPort[] {
  return [...ports].sort(compareNamedPorts);
}

function compareNamedPorts(a: NamedPort, b: NamedPort): number {
  return (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0) || a.port - b.port;
}

/** `ports` itself when it is already in sortNamedPorts' order (a pod's ports usually are), else a sorted copy. */
function sortedNamedPorts(ports: readonly NamedPort[]): readonly NamedPort[] {
  for (let i = 1; i < ports.length; i++) if (compareNamedPorts(ports[i - 1] as NamedPort, ports[i] as NamedPort) > 0) return sortNamedPorts(ports);
  return ports;
}

export interface PodInput {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly node: string | undefined;
  readonly serviceAccount: string;
  readonly ipNetworks: readonly string[];
  readonly ports: readonly NamedPort[];
  readonly origin: NonNullable<WorkloadEndpoint["origin"]>;
}

function reserved(key: string): boolean {
  return key.startsWith("pcns.") || key.startsWith("pcsa.");
}

function hasReservedKey(labels: Labels): boolean {
  for (const k of Object.keys(labels)) if (reserved(k)) return true;
  return false;
}

interface PodShared {
  readonly kns: string;
  readonly ksa: string;
  /** [kns, ksa]: one array shared by every endpoint of the namespace and service account (the model is readonly). */
  readonly profiles: readonly string[];
  readonly automatic: Labels;
}

/** What the pods of one namespace and service account share, built once: profile names, automatic labels. */
export class PodProfiles {
  private readonly byNamespace = new Map<string, Map<string, PodShared>>();

  of(ns: string, sa: string): PodShared {
    let bySa = this.byNamespace.get(ns);
    if (bySa === undefined) this.byNamespace.set(ns, (bySa = new Map()));
    let shared = bySa.get(sa);
    if (shared === undefined) {
      const kns = `kns.${ns}`;
      const ksa = `ksa.${ns}.${sa}`;
      shared = { kns, ksa, profiles: [kns, ksa], automatic: { [NAMESPACE_LABEL]: ns, [ORCHESTRATOR_LABEL]: "k8s", [SERVICE_ACCOUNT_LABEL]: sa } };
      bySa.set(sa, shared);
    }
    return shared;
  }
}

/**
 * One endpoint per pod. Built as one of two object literals (with and without a node) rather
 * than with spreads: this runs 100,000 times for a large cluster, and each spread allocates.
 */
export function podEndpoint(pod: PodInput, labels: EffectiveLabels, podProfiles: PodProfiles = new PodProfiles()): WorkloadEndpoint {
  // The syncer drops pcns./pcsa. labels a pod sets itself: only profiles may set them.
  const own = hasReservedKey(pod.labels) ? Object.fromEntries(Object.entries(pod.labels).filter(([k]) => !reserved(k))) : pod.labels;
  const { namespace, name, node, serviceAccount, origin } = pod;
  const shared = podProfiles.of(namespace, serviceAccount);
  const profiles = shared.profiles;
  const key = `${namespace}/${name}`;
  const interfaceName = podInterfaceName(namespace, name);
  const ipNetworks = pod.ipNetworks;
  const effective = labels.of(own, shared.automatic, profiles);
  const ports = sortedNamedPorts(pod.ports);
  return node !== undefined
    ? { kind: "WorkloadEndpoint", key, namespace, name, node, interfaceName, ipNetworks, labels: effective, profiles, ports, serviceAccount, origin }
    : { kind: "WorkloadEndpoint", key, namespace, name, interfaceName, ipNetworks, labels: effective, profiles, ports, serviceAccount, origin };
}
