/**
 * One node's share of the model, kept incrementally: resolveNode + renderNodeView, piece by
 * piece. An endpoint change adjusts the members of the ipsets whose selectors match it; a local
 * endpoint change recomputes which policies apply to it, its two endpoint chains and (when the
 * interface set changed) the dispatch chains; a policy change re-converts that policy's rules
 * (its chains and the sets they reference) and the endpoint chains of the local endpoints it
 * applied to or applies to now; a profile change its chains, where a local endpoint uses it.
 *
 * Every piece is rendered by the same functions compile() uses (endpointChain, policyChains,
 * profileChains, workloadDispatchChains, resolveRule, the ipset entry helpers), so the state is
 * the one compile() gives (the law in test/agent/engine/law.test.ts).
 */
import { Codes } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/types.js";
import type { HostEndpoint, Model, Policy, Profile, Rule, Tier, WorkloadEndpoint } from "../../model/types.js";
import { workloadDispatchChains } from "../../render/dispatch.js";
import { endpointChain } from "../../render/endpoint-chains.js";
import { policyChains, profileChains } from "../../render/policy-chains.js";
import { filterHooks, staticChains, type EndpointToHostAction } from "../../render/static-chains.js";
import type { Chain, DataplaneState } from "../../render/types.js";
import { compareStrings, comparePolicies, compareTiers, tierLookup } from "../../resolve/ordering.js";
import { resolveRule, type IpSetDemand } from "../../resolve/rules.js";
import { SelectorCache, policySelectorText } from "../../resolve/selectors.js";
import type { Selector } from "../../selector/index.js";
import type { EndpointTier, ResolvedRule } from "../../resolve/types.js";
import { sameChain, sortedMap } from "./dirty.js";
import { IpSetStore } from "./ipsets.js";
import type { Delta } from "./store.js";
import type { Dirty } from "./types.js";

type Dir = "ingress" | "egress";

interface PolicyState {
  readonly policy: Policy;
  readonly selector: Selector;
  /** Local endpoint keys the policy applies to. */
  readonly applies: Set<string>;
  /** Ipsets its converted rules reference, and its chain names. */
  demands: string[];
  chains: string[];
}

interface LocalState {
  readonly ep: WorkloadEndpoint;
  readonly policies: Set<string>;
}

/** What NodeState needs from the model besides the deltas. */
export interface ModelView {
  profile(name: string): Profile | undefined;
  /** The tiers, as a full build defines them (read again when a delta says tiers changed). */
  tierList(): readonly Tier[];
}

/** Pre-DNAT and untracked policy apply to host endpoints only (Felix's calculation graph). */
const hostOnly = (p: Policy): boolean => p.preDNAT || p.doNotTrack;

export class NodeState {
  private readonly chains = new Map<string, Chain>();
  /** The value before this batch of every chain touched in it. */
  private readonly before = new Map<string, Chain | undefined>();
  private readonly ipsets = new IpSetStore();
  private readonly local = new Map<string, LocalState>();
  private readonly byInterface = new Map<string, Set<string>>();
  private readonly policies = new Map<string, PolicyState>();
  private readonly policiesByNamespace = new Map<string, Set<string>>();
  private readonly globalPolicies = new Set<string>();
  private readonly profileUsers = new Map<string, number>();
  private readonly profileDemands = new Map<string, string[]>();
  private dispatchNames: string[] = [];
  private readonly cache = new SelectorCache();
  private tierOf: (name: string) => Tier;
  private readonly hooks = filterHooks();
  private readonly hostEndpointsHere: readonly HostEndpoint[];

  constructor(
    private readonly node: string,
    endpointToHostAction: EndpointToHostAction,
    tiers: readonly Tier[],
    hostEndpoints: readonly HostEndpoint[],
    private readonly model: ModelView,
  ) {
    this.tierOf = tierLookup({ tiers } as unknown as Model);
    for (const c of staticChains(endpointToHostAction)) this.chains.set(c.name, c);
    for (const h of hostEndpoints) this.ipsets.updateMember(`hep:${h.name}`, undefined, { labels: h.labels, addresses: h.expectedIPs, ports: h.ports });
    this.hostEndpointsHere = hostEndpoints.filter((h) => h.node === node);
    this.setDispatch();
  }

  private setChain(name: string, chain: Chain | undefined): void {
    if (!this.before.has(name)) this.before.set(name, this.chains.get(name));
    if (chain === undefined) this.chains.delete(name);
    else this.chains.set(name, chain);
  }

  /** Applies a model delta; returns what changed. */
  apply(delta: Delta): Dirty {
    const recompute = new Set<string>();
    const refresh = new Set<string>();
    let interfaces = false;
    if (delta.tiers) {
      // Tier order and default actions shape every local endpoint chain (and nothing else).
      this.tierOf = tierLookup({ tiers: this.model.tierList() } as unknown as Model);
      for (const iface of this.byInterface.keys()) recompute.add(iface);
    }

    for (const [id, c] of delta.networkSets) {
      void c.before;
      const s = c.after;
      this.ipsets.updateMember(`set:${id}`, undefined, s === undefined ? undefined : { labels: s.labels, addresses: s.nets, ports: [] });
    }
    for (const [key, c] of delta.endpoints) {
      const e = c.after;
      this.ipsets.updateMember(`ep:${key}`, undefined, e === undefined ? undefined : { labels: e.labels, addresses: e.ipNetworks, ports: e.ports });
    }
    for (const [key, c] of delta.endpoints) {
      const was = this.local.get(key);
      const now = c.after !== undefined && c.after.node === this.node ? c.after : undefined;
      if (was === undefined && now === undefined) continue;
      if (was !== undefined) {
        for (const pid of was.policies) {
          const p = this.policies.get(pid) as PolicyState;
          p.applies.delete(key);
          if (p.applies.size === 0) refresh.add(pid);
        }
        this.local.delete(key);
        this.unuseProfiles(was.ep.profiles);
        const set = this.byInterface.get(was.ep.interfaceName);
        set?.delete(key);
        if (set?.size === 0) {
          this.byInterface.delete(was.ep.interfaceName);
          interfaces = true;
        }
        recompute.add(was.ep.interfaceName);
      }
      if (now !== undefined) {
        const state: LocalState = { ep: now, policies: new Set() };
        this.local.set(key, state);
        for (const pid of this.candidates(now.namespace)) {
          const p = this.policies.get(pid) as PolicyState;
          if (hostOnly(p.policy) || !p.selector.matches(now.labels)) continue;
          if (p.applies.size === 0) refresh.add(pid);
          p.applies.add(key);
          state.policies.add(pid);
        }
        this.useProfiles(now.profiles);
        let set = this.byInterface.get(now.interfaceName);
        if (set === undefined) {
          this.byInterface.set(now.interfaceName, (set = new Set()));
          interfaces = true;
        }
        set.add(key);
        recompute.add(now.interfaceName);
      }
    }

    for (const [pid, c] of delta.policies) {
      const old = this.policies.get(pid);
      if (old !== undefined) {
        for (const key of old.applies) {
          const l = this.local.get(key) as LocalState;
          l.policies.delete(pid);
          recompute.add(l.ep.interfaceName);
        }
        this.ipsets.release(`policy:${pid}`, old.demands);
        for (const name of old.chains) this.setChain(name, undefined);
        this.policies.delete(pid);
        (old.policy.namespace === undefined ? this.globalPolicies : this.policiesByNamespace.get(old.policy.namespace))?.delete(pid);
      }
      const p = c.after;
      if (p === undefined) continue;
      const state: PolicyState = { policy: p, selector: this.cache.parse(policySelectorText(this.cache, p)), applies: new Set(), demands: [], chains: [] };
      this.policies.set(pid, state);
      if (p.namespace === undefined) this.globalPolicies.add(pid);
      else {
        let set = this.policiesByNamespace.get(p.namespace);
        if (set === undefined) this.policiesByNamespace.set(p.namespace, (set = new Set()));
        set.add(pid);
      }
      for (const [key, l] of this.local) {
        if (hostOnly(p)) break;
        if (p.namespace !== undefined && l.ep.namespace !== p.namespace) continue;
        if (!state.selector.matches(l.ep.labels)) continue;
        state.applies.add(key);
        l.policies.add(pid);
        recompute.add(l.ep.interfaceName);
      }
      refresh.add(pid);
    }
    for (const pid of refresh) this.refreshPolicy(pid);
    for (const name of delta.profiles) if (this.profileUsers.has(name)) this.refreshProfile(name);
    for (const iface of recompute) this.refreshEndpoint(iface);
    if (interfaces) this.setDispatch();

    const ipsets = this.ipsets.finish();
    const chains: string[] = [];
    for (const [name, before] of this.before) if (!sameChain(before, this.chains.get(name))) chains.push(name);
    this.before.clear();
    const dirty = { chains: chains.sort(), ipsets: ipsets.names.sort(), hooks: false };
    return ipsets.members.size > 0 ? { ...dirty, members: sortedMap(ipsets.members) } : dirty;
  }

  private *candidates(namespace: string): Iterable<string> {
    yield* this.globalPolicies;
    yield* this.policiesByNamespace.get(namespace) ?? [];
  }

  private convert(rules: readonly Rule[], namespace: string | undefined, demands: Map<string, IpSetDemand>): ResolvedRule[] {
    const ctx = { cache: this.cache, namespace, demand: (d: IpSetDemand) => demands.set(d.name, d) };
    return rules.flatMap((r) => resolveRule(ctx, r) ?? []);
  }

  /** A policy's chains exist for its types once it applies to some local endpoint. */
  private refreshPolicy(pid: string): void {
    const state = this.policies.get(pid);
    if (state === undefined) return;
    const p = state.policy;
    const active = state.applies.size > 0;
    const demands = new Map<string, IpSetDemand>();
    const resolved = {
      kind: "ResolvedPolicy" as const,
      id: p.id,
      policyKind: p.policyKind,
      name: p.name,
      ...(p.namespace !== undefined && { namespace: p.namespace }),
      ...(active && p.types.includes("Ingress") && { ingress: this.convert(p.ingress, p.namespace, demands) }),
      ...(active && p.types.includes("Egress") && { egress: this.convert(p.egress, p.namespace, demands) }),
    };
    const chains = active ? policyChains(resolved) : [];
    this.ipsets.acquire(`policy:${pid}`, demands.values());
    const names = new Set(chains.map((c) => c.name));
    this.ipsets.release(`policy:${pid}`, state.demands.filter((n) => !demands.has(n)));
    for (const name of state.chains) if (!names.has(name)) this.setChain(name, undefined);
    for (const c of chains) if (!sameChain(this.chains.get(c.name), c)) this.setChain(c.name, c);
    state.demands = [...demands.keys()];
    state.chains = [...names];
  }

  private useProfiles(names: readonly string[]): void {
    for (const n of new Set(names)) {
      const users = this.profileUsers.get(n) ?? 0;
      this.profileUsers.set(n, users + 1);
      if (users === 0) this.refreshProfile(n);
    }
  }

  private unuseProfiles(names: readonly string[]): void {
    for (const n of new Set(names)) {
      const users = (this.profileUsers.get(n) ?? 1) - 1;
      if (users > 0) {
        this.profileUsers.set(n, users);
        continue;
      }
      this.profileUsers.delete(n);
      this.ipsets.release(`profile:${n}`, this.profileDemands.get(n) ?? []);
      this.profileDemands.delete(n);
      for (const c of profileChains({ kind: "ResolvedProfile", name: n, ingress: [], egress: [] })) this.setChain(c.name, undefined);
    }
  }

  /** A profile a local endpoint names but the model lacks gets empty (allow-nothing) chains. */
  private refreshProfile(name: string): void {
    const p = this.model.profile(name);
    const demands = new Map<string, IpSetDemand>();
    const chains = profileChains({
      kind: "ResolvedProfile",
      name,
      ingress: p ? this.convert(p.ingress, undefined, demands) : [],
      egress: p ? this.convert(p.egress, undefined, demands) : [],
    });
    this.ipsets.acquire(`profile:${name}`, demands.values());
    this.ipsets.release(`profile:${name}`, (this.profileDemands.get(name) ?? []).filter((n) => !demands.has(n)));
    this.profileDemands.set(name, [...demands.keys()]);
    for (const c of chains) if (!sameChain(this.chains.get(c.name), c)) this.setChain(c.name, c);
  }

  /** The endpoint chains of one interface (none when no local endpoint has it). */
  private refreshEndpoint(iface: string): void {
    const keys = this.byInterface.get(iface);
    // Two endpoints on one interface cannot be compiled (errors() reports it); any one of them here.
    const key = keys === undefined ? undefined : [...keys].sort(compareStrings)[0];
    const l = key === undefined ? undefined : this.local.get(key);
    const names = [`cali-tw-${iface}`, `cali-fw-${iface}`];
    if (l === undefined) {
      for (const dir of ["ingress", "egress"] as const) {
        const c = endpointChain({ kind: "LocalEndpoint", key: "", interfaceName: iface, ingressTiers: [], egressTiers: [], profiles: [] }, dir);
        this.setChain(c.name, undefined);
      }
      void names;
      return;
    }
    const ordered = [...l.policies]
      .map((pid) => (this.policies.get(pid) as PolicyState).policy)
      .sort((a, b) => compareTiers(this.tierOf(a.tier), this.tierOf(b.tier)) || comparePolicies(a, b));
    const tiersFor = (type: "Ingress" | "Egress"): EndpointTier[] => {
      const tiers: EndpointTier[] = [];
      for (const p of ordered) {
        if (!p.types.includes(type)) continue;
        const tier = this.tierOf(p.tier);
        const last = tiers[tiers.length - 1];
        if (last && last.name === tier.name) (last.policies as string[]).push(p.id);
        else tiers.push({ name: tier.name, defaultAction: tier.defaultAction, policies: [p.id] });
      }
      return tiers;
    };
    const le = { kind: "LocalEndpoint" as const, key: l.ep.key, interfaceName: iface, ingressTiers: tiersFor("Ingress"), egressTiers: tiersFor("Egress"), profiles: l.ep.profiles };
    for (const dir of ["ingress", "egress"] as const) {
      const c = endpointChain(le, dir);
      if (!sameChain(this.chains.get(c.name), c)) this.setChain(c.name, c);
    }
  }

  private setDispatch(): void {
    const chains = workloadDispatchChains([...this.byInterface.keys()]);
    const names = new Set(chains.map((c) => c.name));
    for (const n of this.dispatchNames) if (!names.has(n)) this.setChain(n, undefined);
    for (const c of chains) if (!sameChain(this.chains.get(c.name), c)) this.setChain(c.name, c);
    this.dispatchNames = [...names];
  }

  /**
   * Host endpoints on this node: the engine then takes compile()'s result whole (host endpoint
   * chains and the mangle/raw tables are not kept incrementally; they are rare and small).
   */
  hasHostEndpoints(): boolean {
    return this.hostEndpointsHere.length > 0;
  }

  /** After an undone batch: sleeping sets' member deltas from when they fell asleep are no longer known. */
  forgetSleep(): void {
    this.ipsets.forgetSleep();
  }

  /** What compile() would refuse (its CompileError diagnostics) for workloads, for the current state. */
  errors(): Diagnostic[] {
    const diags: Diagnostic[] = [];
    for (const [iface, keys] of this.byInterface) {
      if (keys.size < 2) continue;
      const [first, ...rest] = [...keys].sort(compareStrings) as [string, ...string[]];
      for (const k of rest) {
        const ep = (this.local.get(k) as LocalState).ep;
        const f = (this.local.get(first) as LocalState).ep;
        diags.push({
          code: Codes.duplicateInterface.code,
          severity: "error",
          message: `endpoints ${first} and ${k} both use interface ${iface}; policy cannot tell them apart`,
          ...(ep.origin && { span: ep.origin.span }),
          ...(f.origin && { notes: [{ message: `${first} is defined here`, span: f.origin.span }] }),
        });
      }
    }
    return diags;
  }

  state(): DataplaneState {
    const chains = [...this.chains.values()].sort((a, b) => compareStrings(a.name, b.name));
    return { kind: "DataplaneState", ipVersion: 4, chains, hooks: this.hooks, ipsets: this.ipsets.values() };
  }
}
