/**
 * One node's share of the model, kept incrementally: resolveNode + renderNodeView, piece by
 * piece. An endpoint change adjusts the members of the ipsets whose selectors match it; a local
 * endpoint change recomputes which policies apply to it, its two endpoint chains and (when the
 * interface set changed) the dispatch chains; a policy change re-converts that policy's rules
 * (its chains and the sets they reference) and the endpoint chains of the local endpoints it
 * applied to or applies to now; a profile change its chains, where a local endpoint uses it.
 *
 * Host endpoints of the node are pieces too: a host endpoint change recomputes which global
 * policies select it, its chains and the host dispatch chains; a policy change the host endpoints
 * it selected or selects now (pre-DNAT, untracked and applyOnForward policies included); the
 * mangle and raw tables are rebuilt from those pieces (render/host-tables.ts hostTables over the
 * node's few host endpoints and the chains of the policies they use) only in a batch that
 * touched a host endpoint or one of those chains. Remote pod changes never reach them.
 *
 * Policy-group chains (render/policy-groups.ts) are shared pieces: each endpoint (workload or
 * host) says which groups its chains jump to, and a group chain exists while some endpoint uses
 * it (useGroups counts the users; the table counts the references, group → policy chains too).
 *
 * One NodeState per IP family (`ipVersion`): rules, nets and ipset members of that family, as
 * resolveNode(model, node, ipVersion) gives them.
 *
 * Every piece is rendered by the same functions compile() uses (endpointChain, policyChains,
 * profileChains, workloadDispatchChains, hostFilterChains, filterHostDispatchChains,
 * failsafeChains, hostTables, resolveRule, resolveHostEndpoints, the ipset entry helpers), so the
 * state is the one compile() gives (the law in test/agent/engine/law.test.ts).
 */
import { Codes } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/types.js";
import { reachesFelix } from "../../model/policy-kinds.js";
import type { HostEndpoint, Model, Policy, Profile, Rule, Tier, WorkloadEndpoint } from "../../model/types.js";
import { workloadDispatchChains } from "../../render/dispatch.js";
import { endpointChain, endpointGroupChains } from "../../render/endpoint-chains.js";
import { failsafeChains, type FailsafeOptions } from "../../render/failsafe.js";
import { hostFilterChains, hostGroupChains } from "../../render/host-endpoint-chains.js";
import { filterHostDispatchChains, hostTables } from "../../render/host-tables.js";
import { ChainName, hostEndpointChainName, policyChainName, profileChainName } from "../../render/names.js";
import { policyChains, profileChains } from "../../render/policy-chains.js";
import { iptChain, iptChains, iptHooks } from "../../render/iptables/print.js";
import type { IrChain } from "../../render/ir.js";
import { filterHooks, staticChains, type EndpointToHostAction } from "../../render/static-chains.js";
import type { Chain, DataplaneState, TableState } from "../../render/types.js";
import { ALL_INTERFACES, resolveHostEndpoints } from "../../resolve/host-endpoints.js";
import { compareStrings, comparePolicies, compareTiers, tierLookup } from "../../resolve/ordering.js";
import { resolveRule, type IpSetDemand } from "../../resolve/rules.js";
import { SelectorCache, policySelectorText } from "../../resolve/selectors.js";
import type { Selector } from "../../selector/index.js";
import type { EndpointTier, LocalHostEndpoint, ResolvedRule } from "../../resolve/types.js";
import { appendToTiers, isForced } from "../../resolve/tiers.js";
import { sameChain, sameHooks, sortedMap } from "./dirty.js";
import { resolveHostInterfaces, type HostInterface } from "../../resolve/host-interfaces.js";
import { IpSetStore } from "./ipsets.js";
import type { Delta } from "./store.js";
import { FilterTable } from "./table.js";
import type { Dirty } from "./types.js";


interface PolicyState {
  readonly policy: Policy;
  readonly selector: Selector;
  /** The selector's text (policySelectorText), the policy-group key. */
  readonly selectorText: string;
  /** Local endpoint keys the policy applies to. */
  readonly applies: Set<string>;
  /** Host endpoint (copy) keys of this node it selects. */
  readonly hosts: Set<string>;
  /** Ipsets its converted rules reference, and its chain names. */
  demands: string[];
  chains: string[];
}

interface LocalState {
  readonly ep: WorkloadEndpoint;
  readonly policies: Set<string>;
}

/** A host endpoint this node programs (placeHosts' copy of a model HostEndpoint, on one interface). */
interface HostState {
  readonly key: string;
  readonly hep: HostEndpoint;
  /** Felix's key for the interface (`any-interface-at-all` for `*`); undefined: none given. */
  readonly iface: string | undefined;
  /** The global policies whose selector matches it. */
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

/** A policy's chains exist once it applies to a local workload or host endpoint. */
const active = (p: PolicyState): boolean => p.applies.size > 0 || p.hosts.size > 0;

const HOST_DISPATCH_ROOTS: ReadonlySet<string> = new Set([ChainName.fromHostEndpoint, ChainName.toHostEndpoint, ChainName.fromHostEndpointForward, ChainName.toHostEndpointForward]);

export class NodeState {
  /** The filter table: own chains and the policy/profile chains they reference. */
  private readonly table = new FilterTable();
  private readonly ipsets: IpSetStore;
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
  private readonly hooks = filterHooks().map(iptHooks);
  /** Host endpoint copies by model identity, and by copy key. */
  private readonly hostCopies = new Map<string, HostState[]>();
  private readonly hosts = new Map<string, HostState>();
  private readonly hostsByInterface = new Map<string, Set<string>>();
  /** The resolved host endpoint programmed on each interface, with what resolving it refused. */
  private readonly hostResolved = new Map<string, { readonly local: LocalHostEndpoint; readonly errors: readonly Diagnostic[] }>();
  /** Host endpoints without an interface: only their refusal. */
  private readonly hostRefused = new Map<string, readonly Diagnostic[]>();
  /** This node's HostEndpoint resources, by model id, as the model has them (before placement). */
  private readonly hostSources = new Map<string, HostEndpoint>();
  /** The node's interfaces (expectedIPs-only host endpoints are placed on them), or unknown. */
  private interfaces: readonly HostInterface[] | undefined;
  /** What placing the host endpoints on the interfaces refused (PC3040 without interfaces). */
  private placementErrors: readonly Diagnostic[] = [];
  private hostDispatchNames: string[];
  /** The empty host dispatch chains of the static part, in force while no host endpoint is. */
  private readonly staticHostChains: readonly Chain[];
  private tables: TableState[] | undefined;
  /**
   * Policy-group chains (render/policy-groups.ts) by name, with how many endpoint owners use
   * them: created when the first workload or host endpoint needs one, deleted when the last
   * stops. A name determines its chain's content (the UID covers direction and members).
   */
  private readonly groups = new Map<string, { readonly chain: Chain; users: number }>();
  /** The group chain names each owner (`wl`/`hep` + interface) uses. */
  private readonly groupUsers = new Map<string, readonly string[]>();
  /** Policy, profile and group chains the mangle/raw tables hold: a change to one rebuilds them. */
  private tableShared = new Set<string>();
  private tablesDirty = false;
  /** Whether the mangle/raw tables changed since takeTablesChanged last looked. */
  private tablesChanged = false;

  constructor(
    private readonly node: string,
    private readonly ipVersion: 4 | 6,
    endpointToHostAction: EndpointToHostAction,
    private readonly failsafe: FailsafeOptions,
    tiers: readonly Tier[],
    private readonly model: ModelView,
  ) {
    this.tierOf = tierLookup({ tiers } as unknown as Model);
    this.ipsets = new IpSetStore(ipVersion);
    const statics = iptChains(staticChains(endpointToHostAction, ipVersion));
    for (const c of statics) this.table.setOwn(c.name, c);
    this.staticHostChains = statics.filter((c) => HOST_DISPATCH_ROOTS.has(c.name));
    this.hostDispatchNames = this.staticHostChains.map((c) => c.name);
    this.setDispatch();
  }

  private setChain(name: string, chain: Chain | undefined): void {
    this.table.setOwn(name, chain);
  }

  private setShared(name: string, chain: Chain | undefined): void {
    if (this.tableShared.has(name)) this.tablesDirty = true;
    this.table.setShared(name, chain);
  }

  /** Applies a model delta; returns what changed. */
  apply(delta: Delta, placeAgain = false): Dirty {
    const recompute = new Set<string>();
    const refresh = new Set<string>();
    const recomputeHosts = new Set<string>();
    let interfaces = false;
    if (delta.tiers) {
      // Tier order and default actions shape every endpoint chain (and nothing else).
      this.tierOf = tierLookup({ tiers: this.model.tierList() } as unknown as Model);
      for (const iface of this.byInterface.keys()) recompute.add(iface);
      for (const iface of this.hostsByInterface.keys()) recomputeHosts.add(iface);
    }

    for (const [id, c] of delta.networkSets) {
      void c.before;
      const s = c.after;
      this.ipsets.updateMember(`\u0000set:${id}`, undefined, s === undefined ? undefined : { labels: s.labels, addresses: s.nets, ports: [] });
    }
    for (const [key, c] of delta.endpoints) {
      const e = c.after;
      // An endpoint's member id is its key itself (the string the endpoint holds: no new string per
      // pod); network sets and host endpoints take a NUL-led prefix no endpoint key has ("ns/name").
      this.ipsets.updateMember(key, undefined, e === undefined ? undefined : { labels: e.labels, addresses: e.ipNetworks, ports: e.ports });
    }
    for (const [id, c] of delta.hostEndpoints) {
      const h = c.after;
      this.ipsets.updateMember(`\u0000hep:${id}`, undefined, h === undefined ? undefined : { labels: h.labels, addresses: h.expectedIPs, ports: h.ports });
    }
    for (const [key, c] of delta.endpoints) {
      const was = this.local.get(key);
      const now = c.after !== undefined && c.after.node === this.node ? c.after : undefined;
      if (was === undefined && now === undefined) continue;
      if (was !== undefined) {
        for (const pid of was.policies) {
          const p = this.policies.get(pid) as PolicyState;
          p.applies.delete(key);
          if (!active(p)) refresh.add(pid);
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
          if (!active(p)) refresh.add(pid);
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

    if (delta.hostEndpoints.size > 0 || placeAgain) {
      for (const [id, c] of delta.hostEndpoints) {
        if (c.after !== undefined && c.after.node === this.node) this.hostSources.set(id, c.after);
        else this.hostSources.delete(id);
      }
      this.placeHosts(new Set(delta.hostEndpoints.keys()), refresh, recomputeHosts);
    }

    for (const [pid, c] of delta.policies) {
      const old = this.policies.get(pid);
      if (old !== undefined) {
        for (const key of old.applies) {
          const l = this.local.get(key) as LocalState;
          l.policies.delete(pid);
          recompute.add(l.ep.interfaceName);
        }
        for (const key of old.hosts) {
          const h = this.hosts.get(key) as HostState;
          h.policies.delete(pid);
          recomputeHosts.add(h.iface as string);
        }
        this.ipsets.release(`policy:${pid}`, old.demands);
        for (const name of old.chains) {
          this.table.force(name, false);
          this.setShared(name, undefined);
        }
        this.policies.delete(pid);
        (old.policy.namespace === undefined ? this.globalPolicies : this.policiesByNamespace.get(old.policy.namespace))?.delete(pid);
      }
      const p = c.after;
      // A staged Delete never reaches Felix (calico-332.md §4.2): as if the policy were absent.
      if (p === undefined || !reachesFelix(p)) continue;
      const selectorText = policySelectorText(this.cache, p);
      const state: PolicyState = { policy: p, selector: this.cache.parse(selectorText), selectorText, applies: new Set(), hosts: new Set(), demands: [], chains: [] };
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
      // Only global policies select host endpoints (host endpoints carry no namespace label).
      if (p.namespace === undefined) {
        for (const [key, h] of this.hosts) {
          if (h.iface === undefined || !state.selector.matches(h.hep.labels)) continue;
          state.hosts.add(key);
          h.policies.add(pid);
          recomputeHosts.add(h.iface);
        }
      }
      refresh.add(pid);
    }
    for (const pid of refresh) this.refreshPolicy(pid);
    for (const name of delta.profiles) if (this.profileUsers.has(name)) this.refreshProfile(name);
    for (const iface of recompute) this.refreshEndpoint(iface);
    if (interfaces) this.setDispatch();
    for (const iface of recomputeHosts) this.refreshHost(iface);
    if (recomputeHosts.size > 0) this.setHostDispatch();
    if (this.tablesDirty) this.setTables();

    const ipsets = this.ipsets.finish();
    const dirty = { chains: this.table.finish(), ipsets: ipsets.names.sort(), hooks: false };
    return ipsets.members.size > 0 ? { ...dirty, members: sortedMap(ipsets.members) } : dirty;
  }

  private *candidates(namespace: string): Iterable<string> {
    yield* this.globalPolicies;
    yield* this.policiesByNamespace.get(namespace) ?? [];
  }

  private convert(rules: readonly Rule[], namespace: string | undefined, demands: Map<string, IpSetDemand>): ResolvedRule[] {
    const ctx = { cache: this.cache, namespace, demand: (d: IpSetDemand) => demands.set(d.name, d), ipVersion: this.ipVersion };
    return rules.flatMap((r) => resolveRule(ctx, r) ?? []);
  }

  /** A policy's chains exist for its types once it applies to some local endpoint. */
  private refreshPolicy(pid: string): void {
    const state = this.policies.get(pid);
    if (state === undefined) return;
    const p = state.policy;
    const forced = isForced(p);
    const on = active(state) || forced;
    const demands = new Map<string, IpSetDemand>();
    const resolved = {
      kind: "ResolvedPolicy" as const,
      id: p.id,
      policyKind: p.policyKind,
      name: p.name,
      ...(p.namespace !== undefined && { namespace: p.namespace }),
      ...(on && (forced || p.types.includes("Ingress")) && { ingress: this.convert(p.ingress, p.namespace, demands) }),
      ...(on && (forced || p.types.includes("Egress")) && { egress: this.convert(p.egress, p.namespace, demands) }),
    };
    const chains = on ? iptChains(policyChains(resolved)) : [];
    this.ipsets.acquire(`policy:${pid}`, demands.values());
    const names = new Set(chains.map((c) => c.name));
    this.ipsets.release(`policy:${pid}`, state.demands.filter((n) => !demands.has(n)));
    for (const name of state.chains) {
      if (names.has(name)) continue;
      this.table.force(name, false);
      this.setShared(name, undefined);
    }
    for (const c of chains) if (!sameChain(this.table.getShared(c.name), c)) this.setShared(c.name, c);
    // AssumeNeededOnEveryNode: the filter table keeps these chains whether or not a jump needs them.
    for (const c of chains) this.table.force(c.name, forced);
    state.demands = [...demands.keys()];
    state.chains = [...names];
  }

  /** `owner` now uses exactly the group chains `chains` (new uses counted before old ones end). */
  private useGroups(owner: string, chains: ReadonlyMap<string, Chain>): void {
    const before = this.groupUsers.get(owner) ?? [];
    for (const [name, chain] of chains) {
      const g = this.groups.get(name);
      if (g !== undefined) g.users++;
      else {
        this.groups.set(name, { chain, users: 1 });
        this.setShared(name, chain);
      }
    }
    for (const name of before) {
      const g = this.groups.get(name) as { users: number };
      if (--g.users > 0) continue;
      this.groups.delete(name);
      this.setShared(name, undefined);
    }
    if (chains.size > 0) this.groupUsers.set(owner, [...chains.keys()]);
    else this.groupUsers.delete(owner);
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
      for (const c of iptChains(profileChains({ kind: "ResolvedProfile", name: n, ingress: [], egress: [] }))) this.setShared(c.name, undefined);
    }
  }

  /** A profile a local endpoint names but the model lacks gets empty (allow-nothing) chains. */
  private refreshProfile(name: string): void {
    const p = this.model.profile(name);
    const demands = new Map<string, IpSetDemand>();
    const chains = iptChains(
      profileChains({
        kind: "ResolvedProfile",
        name,
        ingress: p ? this.convert(p.ingress, undefined, demands) : [],
        egress: p ? this.convert(p.egress, undefined, demands) : [],
      }),
    );
    this.ipsets.acquire(`profile:${name}`, demands.values());
    this.ipsets.release(`profile:${name}`, (this.profileDemands.get(name) ?? []).filter((n) => !demands.has(n)));
    this.profileDemands.set(name, [...demands.keys()]);
    for (const c of chains) if (!sameChain(this.table.getShared(c.name), c)) this.setShared(c.name, c);
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
        const c = iptChain(endpointChain({ kind: "LocalEndpoint", key: "", interfaceName: iface, ingressTiers: [], egressTiers: [], profiles: [] }, dir));
        this.setChain(c.name, undefined);
      }
      this.useGroups(`wl\u0000${iface}`, new Map());
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
        appendToTiers(tiers, this.tierOf(p.tier), p, (this.policies.get(p.id) as PolicyState).selectorText);
      }
      return tiers;
    };
    const le = { kind: "LocalEndpoint" as const, key: l.ep.key, interfaceName: iface, ingressTiers: tiersFor("Ingress"), egressTiers: tiersFor("Egress"), profiles: l.ep.profiles };
    for (const dir of ["ingress", "egress"] as const) {
      const c = iptChain(endpointChain(le, dir));
      if (!sameChain(this.table.getOwn(c.name), c)) this.setChain(c.name, c);
    }
    this.useGroups(`wl\u0000${iface}`, iptChainMap(endpointGroupChains(le)));
  }

  private setDispatch(): void {
    this.dispatchNames = this.replaceChains(this.dispatchNames, iptChains(workloadDispatchChains([...this.byInterface.keys()])));
  }

  /** Own chains `chains` in place of those named `names`; their names. */
  private replaceChains(names: readonly string[], chains: readonly Chain[]): string[] {
    const now = new Set(chains.map((c) => c.name));
    for (const n of names) if (!now.has(n)) this.setChain(n, undefined);
    for (const c of chains) if (!sameChain(this.table.getOwn(c.name), c)) this.setChain(c.name, c);
    return [...now];
  }

  /** After an undone batch: sleeping sets' member deltas from when they fell asleep are no longer known. */
  forgetSleep(): void {
    this.ipsets.forgetSleep();
  }

  /**
   * Places this node's host endpoints on its interfaces (compile()'s resolveHostInterfaces: an
   * expectedIPs-only endpoint governs the interfaces holding its addresses; the earliest name wins
   * an interface), and updates the endpoints whose copies changed or whose resource did. The node
   * has few host endpoints, so all of them are placed again each time; chains are recomputed
   * only where a copy changed.
   */
  private placeHosts(changed: ReadonlySet<string>, refresh: Set<string>, recompute: Set<string>): void {
    const ids = [...this.hostSources.keys()];
    const idOf = new Map(ids.map((id) => [(this.hostSources.get(id) as HostEndpoint).name, id]));
    const placed = resolveHostInterfaces([...this.hostSources.values()], this.node, this.interfaces);
    this.placementErrors = placed.diagnostics.filter((d) => d.severity === "error");
    const copies = new Map<string, HostEndpoint[]>();
    for (const h of placed.hostEndpoints) {
      const id = idOf.get(h.name);
      if (id === undefined) continue;
      const list = copies.get(id);
      if (list) list.push(h);
      else copies.set(id, [h]);
    }
    for (const id of new Set([...this.hostCopies.keys(), ...ids, ...changed])) {
      const now = copies.get(id) ?? [];
      const was = (this.hostCopies.get(id) ?? []).map((h) => h.hep);
      // The resource is unchanged: its copies differ only in the interfaces they govern.
      if (!changed.has(id) && was.length === now.length && was.every((h, i) => h.interfaceName === now[i]?.interfaceName)) continue;
      this.updateHost(id, now, refresh, recompute);
    }
  }

  /** The node's interfaces changed: host endpoints are placed again (see placeHosts). */
  setHostInterfaces(list: readonly HostInterface[] | undefined): void {
    this.interfaces = list;
  }

  /** A model HostEndpoint changed or moved: its copies on this node leave, the new ones (`copies`, placed) come in. */
  private updateHost(id: string, copies: readonly HostEndpoint[], refresh: Set<string>, recompute: Set<string>): void {
    for (const h of this.hostCopies.get(id) ?? []) {
      this.hosts.delete(h.key);
      this.hostRefused.delete(h.key);
      if (h.iface === undefined) continue;
      for (const pid of h.policies) {
        const p = this.policies.get(pid) as PolicyState;
        p.hosts.delete(h.key);
        if (!active(p)) refresh.add(pid);
      }
      this.unuseProfiles(h.hep.profiles);
      const keys = this.hostsByInterface.get(h.iface);
      keys?.delete(h.key);
      if (keys?.size === 0) this.hostsByInterface.delete(h.iface);
      recompute.add(h.iface);
    }
    this.hostCopies.delete(id);
    if (copies.length === 0) return;
    const states = copies.map((hep, i): HostState => {
      const iface = hep.interfaceName === undefined ? undefined : hep.interfaceName === "*" ? ALL_INTERFACES : hep.interfaceName;
      return { key: `${id}\u0000${i}`, hep, iface, policies: new Set() };
    });
    this.hostCopies.set(id, states);
    for (const h of states) {
      this.hosts.set(h.key, h);
      if (h.iface === undefined) {
        // resolveHostEndpoints refuses it (and it uses no policy or profile, as in compile()).
        this.hostRefused.set(h.key, this.resolveHost(h).errors);
        continue;
      }
      for (const pid of this.globalPolicies) {
        const p = this.policies.get(pid) as PolicyState;
        if (!p.selector.matches(h.hep.labels)) continue;
        if (!active(p)) refresh.add(pid);
        p.hosts.add(h.key);
        h.policies.add(pid);
      }
      this.useProfiles(h.hep.profiles);
      let keys = this.hostsByInterface.get(h.iface);
      if (keys === undefined) this.hostsByInterface.set(h.iface, (keys = new Set()));
      keys.add(h.key);
      recompute.add(h.iface);
    }
  }

  /** compile()'s own resolution of one host endpoint against the policies that select it. */
  private resolveHost(h: HostState): ReturnType<typeof resolveHostEndpoints> {
    const ordered = [...h.policies]
      .map((pid) => (this.policies.get(pid) as PolicyState).policy)
      .sort((a, b) => compareTiers(this.tierOf(a.tier), this.tierOf(b.tier)) || comparePolicies(a, b));
    return resolveHostEndpoints([h.hep], this.node, ordered, (p) => (this.policies.get(p.id) as PolicyState).selector, this.tierOf, (p) => (this.policies.get(p.id) as PolicyState).selectorText);
  }

  /** The host endpoint chains of one interface (none when no host endpoint of the node has it). */
  private refreshHost(iface: string): void {
    const keys = this.hostsByInterface.get(iface);
    // Two host endpoints on one interface cannot be compiled (errors() reports it); the first here.
    const key = keys === undefined ? undefined : [...keys].sort(compareStrings)[0];
    const h = key === undefined ? undefined : this.hosts.get(key);
    this.tablesDirty = true;
    if (h === undefined) {
      this.hostResolved.delete(iface);
      for (const dir of ["ingress", "egress"] as const) for (const fw of [false, true]) this.setChain(hostEndpointChainName(dir, iface, fw), undefined);
      this.useGroups(`hep\u0000${iface}`, new Map());
      return;
    }
    const r = this.resolveHost(h);
    const local = r.hostEndpoints[0] as LocalHostEndpoint;
    this.hostResolved.set(iface, { local, errors: r.errors });
    for (const c of iptChains(hostFilterChains(local))) if (!sameChain(this.table.getOwn(c.name), c)) this.setChain(c.name, c);
    this.useGroups(`hep\u0000${iface}`, iptChainMap(hostGroupChains(local)));
  }

  /** The node's resolved host endpoints, by interface (as resolveHostEndpoints orders them). */
  private hostList(): LocalHostEndpoint[] {
    return [...this.hostResolved.keys()].sort(compareStrings).map((iface) => (this.hostResolved.get(iface) as { local: LocalHostEndpoint }).local);
  }

  /** Host dispatch chains and failsafe (host-tables.ts hostFilterTableChains), or the static empty ones. */
  private setHostDispatch(): void {
    const heps = this.hostList();
    const chains = heps.length === 0 ? this.staticHostChains : iptChains([...filterHostDispatchChains(heps), ...failsafeChains("filter", this.failsafe, this.ipVersion)]);
    this.hostDispatchNames = this.replaceChains(this.hostDispatchNames, chains);
  }

  /** mangle and raw, from the host endpoints and the policy and profile chains they use. */
  private setTables(): void {
    this.tablesDirty = false;
    const heps = this.hostList();
    const shared = new Map<string, Chain>();
    const add = (name: string): void => {
      const c = this.table.getShared(name);
      if (c !== undefined) shared.set(name, c);
    };
    for (const h of heps) {
      for (const tiers of [h.normal.ingress, h.normal.egress, h.forward.ingress, h.forward.egress, h.preDNAT, h.untracked.ingress, h.untracked.egress]) {
        for (const t of tiers) for (const id of t.policies) for (const dir of ["ingress", "egress"] as const) add(policyChainName(dir, id));
      }
      for (const name of h.profiles) for (const dir of ["ingress", "egress"] as const) add(profileChainName(dir, name));
      for (const name of this.groupUsers.get(`hep\u0000${h.interfaceName}`) ?? []) add(name);
    }
    const tables = hostTables(heps, shared, this.failsafe, this.ipVersion);
    const before = this.tables;
    this.tables = heps.length === 0 ? undefined : tables;
    if (!sameTables(before, this.tables)) this.tablesChanged = true;
    this.tableShared = new Set(tables.flatMap((t) => t.chains.filter((c) => shared.has(c.name)).map((c) => c.name)));
  }

  /** What compile() would refuse (its CompileError diagnostics), for the current state. */
  errors(): Diagnostic[] {
    const diags: Diagnostic[] = [];
    diags.push(...this.placementErrors);
    for (const refused of this.hostRefused.values()) diags.push(...refused);
    for (const keys of this.hostsByInterface.values()) {
      // resolveHostEndpoints' own duplicate diagnostics, in its (model) order.
      if (keys.size > 1) diags.push(...resolveHostEndpoints([...keys].sort(compareStrings).map((k) => (this.hosts.get(k) as HostState).hep), this.node, [], () => ({ matches: () => false }), this.tierOf, () => "").errors);
    }
    for (const r of this.hostResolved.values()) diags.push(...r.errors);
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

  /** Whether the mangle/raw tables changed since the last call (the filter table's changes are in Dirty). */
  takeTablesChanged(): boolean {
    const changed = this.tablesChanged;
    this.tablesChanged = false;
    return changed;
  }

  state(): DataplaneState {
    return { kind: "DataplaneState", ipVersion: this.ipVersion, chains: this.table.chains(), hooks: this.hooks, ipsets: this.ipsets.values(), ...(this.tables && { tables: this.tables }) };
  }
}

function sameTables(a: readonly TableState[] | undefined, b: readonly TableState[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.length === b.length &&
    a.every((t, i) => {
      const u = b[i] as TableState;
      return t.table === u.table && t.chains.length === u.chains.length && t.chains.every((c, j) => sameChain(c, u.chains[j])) && sameHooks(t.hooks, u.hooks);
    })
  );
}

/** Policy-group chains printed for iptables, by name. */
const iptChainMap = (chains: ReadonlyMap<string, IrChain>): Map<string, Chain> => new Map([...chains].map(([name, c]) => [name, iptChain(c)]));
