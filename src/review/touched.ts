/**
 * Which pods a change can affect, found from the models alone (no compile): a pair of pods can
 * flip only if the rules of one of them differ. A pod's endpoint chains differ when
 * - the pod itself changed (labels, address, node, ports, profiles), appeared or went away;
 * - a policy that selects it (in either version) was added, removed or edited, or its tier was;
 * - a profile it uses changed;
 * - a set its policies' rules match on changed members: a rule selector (of a policy that
 *   selects it, or of a profile it uses) matches a changed pod or network set in either version.
 * Every other pod runs the same rules against the same set members before and after, so its
 * verdicts towards anyone change only through the other side's rules.
 *
 * Also the peers' behaviour classes: untouched pods whose chains are built from the same
 * policies and profiles run the same rules (the chain holds nothing else of the pod), so one
 * representative per class is compiled instead of every pod.
 */
import { reachesFelix } from "../model/policy-kinds.js";
import type { HostEndpoint, Labels, Model, NetworkSet, Policy, Profile, Rule, WorkloadEndpoint } from "../model/types.js";
import type { Selector } from "../selector/index.js";
import { NAMESPACE_LABEL, SelectorCache, entityRuleSelector, policySelectorText } from "../resolve/selectors.js";

/** A resource's meaning, without where it was written. */
export const meaningOf = (x: unknown): string => JSON.stringify(x, (k, v: unknown) => (k === "origin" ? undefined : v));

/**
 * Whether two resources mean the same (meaningOf equal), compared in place: a review compares
 * 100k endpoints of two separately loaded versions, and printing each twice cost a second.
 */
export function sameMeaning(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameMeaning(a[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  // JSON leaves out undefined fields, and meaningOf the origin: neither counts.
  const keys = (o: Record<string, unknown>): string[] => Object.keys(o).filter((k) => k !== "origin" && o[k] !== undefined);
  const kx = keys(x);
  const ky = keys(y);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < kx.length; i++) if (kx[i] !== ky[i] || !sameMeaning(x[kx[i] as string], y[kx[i] as string])) return false;
  return true;
}

function changedKeys<T>(base: readonly T[], head: readonly T[], key: (t: T) => string): { keys: Set<string>; base: Map<string, T>; head: Map<string, T> } {
  const b = new Map(base.map((t) => [key(t), t]));
  const h = new Map(head.map((t) => [key(t), t]));
  const keys = new Set<string>();
  for (const [k, t] of b) if (!h.has(k) || !sameMeaning(h.get(k), t)) keys.add(k);
  for (const k of h.keys()) if (!b.has(k)) keys.add(k);
  return { keys, base: b, head: h };
}

/** Policies that can reach a workload's chains (Felix leaves preDNAT and untracked ones to host endpoints). */
const workloadPolicy = (p: Policy): boolean => reachesFelix(p) && !p.preDNAT && !p.doNotTrack;

/** Selector matching against one model's endpoints, namespaced policies only against their namespace. */
export class PolicyScope {
  private readonly cache = new SelectorCache();
  private readonly byNamespace = new Map<string, WorkloadEndpoint[]>();
  private readonly namespaced = new Map<string, Policy[]>();
  private readonly global: Policy[] = [];

  constructor(readonly model: Model) {
    for (const e of model.endpoints) {
      const ns = e.labels[NAMESPACE_LABEL] ?? "";
      const list = this.byNamespace.get(ns);
      if (list) list.push(e);
      else this.byNamespace.set(ns, [e]);
    }
    for (const p of model.policies) {
      if (!workloadPolicy(p)) continue;
      if (p.namespace === undefined) this.global.push(p);
      else {
        const list = this.namespaced.get(p.namespace);
        if (list) list.push(p);
        else this.namespaced.set(p.namespace, [p]);
      }
    }
  }

  private readonly selectors = new Map<Policy, Selector>();

  private selectorOf(p: Policy): Selector {
    let sel = this.selectors.get(p);
    if (!sel) this.selectors.set(p, (sel = this.cache.parse(policySelectorText(this.cache, p))));
    return sel;
  }

  selects(p: Policy, labels: Labels): boolean {
    return this.selectorOf(p).matches(labels);
  }

  /** The endpoints a policy applies to. */
  selected(p: Policy): WorkloadEndpoint[] {
    if (!workloadPolicy(p)) return [];
    const candidates = p.namespace === undefined ? this.model.endpoints : (this.byNamespace.get(p.namespace) ?? []);
    const sel = this.selectorOf(p);
    return candidates.filter((e) => sel.matches(e.labels));
  }

  /** The endpoints among `endpoints` a policy applies to. */
  selectedAmong(p: Policy, endpoints: readonly WorkloadEndpoint[]): WorkloadEndpoint[] {
    if (!workloadPolicy(p)) return [];
    const sel = this.selectorOf(p);
    return endpoints.filter((e) => (p.namespace === undefined || e.namespace === p.namespace) && sel.matches(e.labels));
  }

  /** The ids of the policies that apply to an endpoint, sorted. */
  applying(e: WorkloadEndpoint): string[] {
    const ids: string[] = [];
    for (const p of [...(this.namespaced.get(e.namespace) ?? []), ...this.global]) if (this.selects(p, e.labels)) ids.push(p.id);
    return ids.sort();
  }

  /** Whether some entity selector of these rules matches one of `labels`. */
  rulesMatch(rules: readonly Rule[], namespace: string | undefined, labels: readonly Labels[]): boolean {
    for (const r of rules) {
      for (const er of [r.source, r.destination]) {
        for (const text of [entityRuleSelector(this.cache, er, namespace), er.notSelector ?? ""]) {
          if (text === "") continue;
          const sel = this.cache.parse(text);
          if (labels.some((l) => sel.matches(l))) return true;
        }
      }
    }
    return false;
  }
}

export interface Touched {
  /** Keys ("ns/pod") of the pods whose endpoint chains may differ. */
  readonly pods: ReadonlySet<string>;
  /** Ids of the policies that differ (added, removed or edited). */
  readonly policies: ReadonlySet<string>;
  /**
   * Nodes whose host endpoint policy may differ: a host endpoint of the node changed, or a policy
   * or profile that applies to one, or a set its rules match (every pod's forward path through
   * the node, and the host as a peer, may then change).
   */
  readonly hostNodes: ReadonlySet<string>;
  readonly headScope: PolicyScope;
  readonly baseScope: PolicyScope;
}

export function touchedPods(base: Model, head: Model): Touched {
  const pods = new Set<string>();
  const scopes = [new PolicyScope(base), new PolicyScope(head)] as const;
  const eps = changedKeys(base.endpoints, head.endpoints, (e) => e.key);
  for (const k of eps.keys) pods.add(k);
  const pols = changedKeys(base.policies, head.policies, (p) => p.id);
  const tiers = changedKeys(base.tiers, head.tiers, (t) => t.name);
  const profiles = changedKeys(base.profiles, head.profiles, (p) => p.name);
  const sets = changedKeys(base.networkSets, head.networkSets, (s) => `${s.namespace ?? ""}/${s.name}`);
  const changedPolicies = new Set(pols.keys);

  // Labels whose set membership changed: the changed pods and network sets, as each version has them.
  const movedLabels: Labels[] = [];
  for (const k of eps.keys) for (const m of [eps.base, eps.head]) if (m.get(k)) movedLabels.push((m.get(k) as WorkloadEndpoint).labels);
  for (const k of sets.keys) for (const m of [sets.base, sets.head]) if (m.get(k)) movedLabels.push((m.get(k) as NetworkSet).labels);
  // A host endpoint's expectedIPs are members of the sets rule selectors that match it build.
  const heps = changedKeys(base.hostEndpoints, head.hostEndpoints, (h) => h.name);
  for (const k of heps.keys) for (const m of [heps.base, heps.head]) if (m.get(k)) movedLabels.push((m.get(k) as HostEndpoint).labels);
  const hostNodes = new Set<string>();
  for (const k of heps.keys) for (const m of [heps.base, heps.head]) if (m.get(k)) hostNodes.add((m.get(k) as HostEndpoint).node);

  [base, head].forEach((model, i) => {
    const scope = scopes[i] as PolicyScope;
    for (const p of model.policies) {
      const affected =
        changedPolicies.has(p.id) || tiers.keys.has(p.tier) || (movedLabels.length > 0 && scope.rulesMatch([...p.ingress, ...p.egress], p.namespace, movedLabels));
      if (!affected) continue;
      for (const e of scope.selected(p)) pods.add(e.key);
    }
    const changedProfiles = new Set(profiles.keys);
    for (const pr of model.profiles as readonly Profile[]) {
      if (movedLabels.length > 0 && scope.rulesMatch([...pr.ingress, ...pr.egress], undefined, movedLabels)) changedProfiles.add(pr.name);
    }
    if (changedProfiles.size > 0) for (const e of model.endpoints) if (e.profiles.some((p) => changedProfiles.has(p))) pods.add(e.key);
    // Host endpoints: global policies (any flavour) that select one, and its profiles.
    if (model.hostEndpoints.length === 0) return;
    for (const p of model.policies) {
      if (p.namespace !== undefined || !reachesFelix(p)) continue;
      const affected =
        changedPolicies.has(p.id) || tiers.keys.has(p.tier) || (movedLabels.length > 0 && scope.rulesMatch([...p.ingress, ...p.egress], undefined, movedLabels));
      if (affected) for (const h of model.hostEndpoints) if (scope.selects(p, h.labels)) hostNodes.add(h.node);
    }
    for (const h of model.hostEndpoints) if (h.profiles.some((p) => changedProfiles.has(p))) hostNodes.add(h.node);
  });
  return { pods, policies: changedPolicies, hostNodes, baseScope: scopes[0], headScope: scopes[1] };
}
