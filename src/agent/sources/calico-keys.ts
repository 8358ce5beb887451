/**
 * Calico's etcd v3 datastore layout: one JSON `projectcalico.org/v3` resource per key,
 * `<prefix>/resources/v3/projectcalico.org/<plural kind>/[<namespace>/]<name>`. Only the kinds
 * the model compiles are taken; a Calico datastore also holds IP pools, Felix configuration,
 * nodes and more under the same root, which are not policy and are skipped (counted in the
 * status). The key says which resource it is, so a value that names another kind, namespace or
 * name is refused rather than compiled under a false identity.
 */
export const CALICO_RESOURCE_ROOT = "/resources/v3/projectcalico.org/";

const KINDS: Readonly<Record<string, { readonly kind: string; readonly namespaced: boolean }>> = {
  networkpolicies: { kind: "NetworkPolicy", namespaced: true },
  globalnetworkpolicies: { kind: "GlobalNetworkPolicy", namespaced: false },
  tiers: { kind: "Tier", namespaced: false },
  profiles: { kind: "Profile", namespaced: false },
  networksets: { kind: "NetworkSet", namespaced: true },
  globalnetworksets: { kind: "GlobalNetworkSet", namespaced: false },
  workloadendpoints: { kind: "WorkloadEndpoint", namespaced: true },
  hostendpoints: { kind: "HostEndpoint", namespaced: false },
  stagednetworkpolicies: { kind: "StagedNetworkPolicy", namespaced: true },
  stagedglobalnetworkpolicies: { kind: "StagedGlobalNetworkPolicy", namespaced: false },
  stagedkubernetesnetworkpolicies: { kind: "StagedKubernetesNetworkPolicy", namespaced: true },
};

/** The plural of each kind the agent reads, as Calico's keys spell it (`NetworkPolicy` → `networkpolicies`). */
export const CALICO_KEY_KINDS: ReadonlyMap<string, { readonly plural: string; readonly namespaced: boolean }> = new Map(
  Object.entries(KINDS).map(([plural, info]) => [info.kind, { plural, namespaced: info.namespaced }]),
);

/** The etcd key of a resource: `<prefix>/resources/v3/projectcalico.org/<plural>/[<namespace>/]<name>`. */
export function resourceKey(prefix: string, kind: string, namespace: string | null, name: string): string {
  const info = CALICO_KEY_KINDS.get(kind);
  if (!info) throw new Error(`${kind} is not stored under Calico's resource keys`);
  return `${prefix}${CALICO_RESOURCE_ROOT}${info.plural}/${info.namespaced ? `${namespace ?? "default"}/` : ""}${name}`;
}

export type KeyVerdict =
  | { readonly kind: "resource"; readonly resourceKind: string; readonly namespace: string | null; readonly name: string }
  | { readonly kind: "skip"; readonly reason: string };

/** What `key` (a full etcd key) holds, by its path alone. */
export function classifyKey(prefix: string, key: string): KeyVerdict {
  const root = `${prefix}${CALICO_RESOURCE_ROOT}`;
  if (!key.startsWith(root)) return { kind: "skip", reason: "outside the resource root" };
  const [plural, ...rest] = key.slice(root.length).split("/");
  const info = plural === undefined ? undefined : KINDS[plural];
  if (!info) return { kind: "skip", reason: `kind ${plural ?? ""} is not policy` };
  if (rest.length !== (info.namespaced ? 2 : 1) || rest.some((p) => p === "")) {
    return { kind: "skip", reason: `a ${plural} key has ${info.namespaced ? "<namespace>/<name>" : "<name>"} after the kind` };
  }
  // No Calico name has whitespace, quotes or control characters; such a key would only carry
  // them into diagnostics and logs (its value could never match it and load anyway).
  if (rest.some((p) => !/^[!#-&(-[\]-~]+$/.test(p))) return { kind: "skip", reason: `a ${plural} key whose name has characters no Calico name has` };
  return info.namespaced
    ? { kind: "resource", resourceKind: info.kind, namespace: rest[0] as string, name: rest[1] as string }
    : { kind: "resource", resourceKind: info.kind, namespace: null, name: rest[0] as string };
}

/**
 * Null when the value is the resource its key names (or is not JSON that can be checked: the
 * loader then reports the syntax error at its position); otherwise why not.
 */
export function keyMismatch(verdict: Extract<KeyVerdict, { kind: "resource" }>, text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const v = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const wants = `${verdict.resourceKind} ${verdict.namespace ? `${verdict.namespace}/` : ""}${verdict.name}`;
  if (v.kind !== undefined && v.kind !== verdict.resourceKind) return `the key names a ${wants} but the value is a ${String(v.kind)}`;
  const name = v.metadata?.name;
  if (name !== undefined && name !== verdict.name) return `the key names ${wants} but metadata.name is ${JSON.stringify(name)}`;
  // A namespaced resource without a namespace would load into "default".
  const ns = v.metadata?.namespace ?? "default";
  if (verdict.namespace !== null && ns !== verdict.namespace) return `the key names ${wants} but metadata.namespace is ${JSON.stringify(ns)}`;
  return null;
}
