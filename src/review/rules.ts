/**
 * The rules section: what changes on the nodes that hold touched pods (the only nodes whose
 * rules can differ, besides every node when a changed policy is assumed needed on every node).
 * Every touched pod is already compiled on one virtual node per version (connectivity.ts); a real
 * node has the part of that state its own endpoints use (Presence: a policy's chain where a local
 * endpoint is selected, a pod's chains on its node, the sets those chains reference), so the
 * nodes are compared without compiling each of them twice. An untouched pod runs unchanged chains,
 * so it adds nothing to a node's change but the presence of chains it shares, which Presence
 * accounts for. Dispatch chains (the node's interface list) are left out: they change exactly when
 * an endpoint chain is added or removed, which is reported. Endpoint chains are named per pod, so
 * they are counted by kind ("cali-tw-* (3 chains)"); nodes whose changes are then equal are one
 * entry with a count.
 */
import type { Model, Policy, WorkloadEndpoint } from "../model/types.js";
import { compile } from "../render/compile.js";
import type { HostInterface } from "../resolve/index.js";
import type { CompiledWithOrigins } from "../render/origins.js";
import { policyChainName, policyKindName, profileChainName } from "../render/names.js";
import type { Chain, DataplaneState, IptRule } from "../render/types.js";
import type { PolicyScope, Touched } from "./touched.js";
import type { ChainChange, IpSetChange, NodeRulesChange, RulesSection } from "./types.js";

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const ruleText = (r: IptRule): string => `${r.match} ${r.action}`;
const PER_POD = /^(cali-[tf]w-|cali-(from|to)-wl-dispatch)/;
const FOLD_PREFIX = /^(cali-[tf]w-|cali-(from|to)-wl-dispatch)/;

/** Chain name → the policies and profiles it is the chain of. */
export function chainOwners(models: readonly Model[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of models) {
    for (const p of m.policies) {
      const label = `${policyKindName[p.policyKind]} ${p.namespace === undefined ? "" : `${p.namespace}/`}${p.name}`;
      for (const d of ["ingress", "egress"] as const) out.set(policyChainName(d, p.id), label);
    }
    for (const p of m.profiles) for (const d of ["ingress", "egress"] as const) out.set(profileChainName(d, p.name), `Profile ${p.name}`);
  }
  return out;
}

function countDiff(a: readonly string[], b: readonly string[]): { added: number; removed: number } {
  const counts = new Map<string, number>();
  for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
  let added = 0;
  for (const x of b) {
    const c = counts.get(x) ?? 0;
    if (c > 0) counts.set(x, c - 1);
    else added++;
  }
  let removed = 0;
  for (const c of counts.values()) removed += c;
  return { added, removed };
}

const allChains = (s: DataplaneState): Map<string, Chain> => {
  const out = new Map<string, Chain>();
  for (const t of s.tables ?? []) for (const c of t.chains) out.set(`${t.table}/${c.name}`, c);
  for (const c of s.chains) out.set(`filter/${c.name}`, c);
  for (const h of s.hooks) out.set(`filter/${h.chain}`, { name: h.chain, rules: [...h.inserts, ...h.appends] });
  for (const t of s.tables ?? []) for (const h of t.hooks) out.set(`${t.table}/${h.chain}`, { name: h.chain, rules: [...h.inserts, ...h.appends] });
  return out;
};

export function nodeChange(before: DataplaneState, after: DataplaneState, owners: ReadonlyMap<string, string>): { chains: ChainChange[]; ipsets: IpSetChange[] } {
  const b = allChains(before);
  const a = allChains(after);
  const jumpOwners = (rules: readonly IptRule[]): string[] => {
    const out: string[] = [];
    for (const r of rules) {
      const m = /(?:--jump|--goto|-j|-g) (\S+)/.exec(r.action);
      const o = m ? owners.get(m[1] as string) : undefined;
      if (o) out.push(o);
    }
    return out;
  };
  const folded = new Map<string, ChainChange & { n: number; owners: Set<string> }>();
  const chains: ChainChange[] = [];
  for (const name of [...new Set([...b.keys(), ...a.keys()])].sort(cmp)) {
    const x = b.get(name);
    const y = a.get(name);
    const xs = (x?.rules ?? []).map(ruleText);
    const ys = (y?.rules ?? []).map(ruleText);
    const { added, removed } = countDiff(xs, ys);
    const change = !x ? "added" : !y ? "removed" : added + removed > 0 || xs.join("\n") !== ys.join("\n") ? "rewritten" : undefined;
    if (change === undefined) continue;
    const chainName = (y ?? x)?.name ?? "";
    const own = owners.get(chainName);
    const policies = new Set<string>(own ? [own] : jumpOwners([...(x?.rules ?? []), ...(y?.rules ?? [])]));
    const table = name.slice(0, name.indexOf("/"));
    if (PER_POD.test(chainName)) {
      const prefix = (FOLD_PREFIX.exec(chainName) as RegExpExecArray)[1] as string;
      const key = `${table}/${prefix}\u0000${change}`;
      const f = folded.get(key);
      if (f) {
        f.n++;
        (f as { linesAdded: number }).linesAdded += added;
        (f as { linesRemoved: number }).linesRemoved += removed;
        for (const p of policies) f.owners.add(p);
      } else folded.set(key, { chain: `${table}/${prefix}*`, change, linesAdded: added, linesRemoved: removed, policies: [], n: 1, owners: policies });
      continue;
    }
    chains.push({ chain: name, change, linesAdded: added, linesRemoved: removed, policies: [...policies].sort(cmp) });
  }
  for (const f of folded.values()) {
    chains.push({ chain: `${f.chain} (${f.n} chain${f.n === 1 ? "" : "s"})`, change: f.change, linesAdded: f.linesAdded, linesRemoved: f.linesRemoved, policies: [...f.owners].sort(cmp) });
  }
  chains.sort((p, q) => cmp(p.chain, q.chain) || cmp(p.change, q.change));
  const sb = new Map(before.ipsets.map((s) => [s.name, s]));
  const sa = new Map(after.ipsets.map((s) => [s.name, s]));
  const ipsets: IpSetChange[] = [];
  for (const name of [...new Set([...sb.keys(), ...sa.keys()])].sort(cmp)) {
    const { added, removed } = countDiff(sb.get(name)?.members ?? [], sa.get(name)?.members ?? []);
    const change = !sb.has(name) ? "added" : !sa.has(name) ? "removed" : added + removed > 0 ? "changed" : undefined;
    if (change) ipsets.push({ set: name, change, membersAdded: added, membersRemoved: removed });
  }
  return { chains, ipsets };
}

export interface RulesInput {
  readonly base: Model;
  readonly head: Model;
  readonly touched: Touched;
  /** The touched pods' virtual node compiled with each version (connectivity.ts), with group chains' members. */
  readonly before: CompiledWithOrigins;
  readonly after: CompiledWithOrigins;
  /** Only these nodes (--node); default every node that holds a touched pod. */
  readonly nodes?: readonly string[];
  /** For host endpoints that give only expectedIPs. */
  readonly hostInterfaces?: readonly HostInterface[];
  /**
   * The ip6tables side, when either version uses IPv6: the virtual node compiled for IPv6 with
   * each version, and whether each version programs IPv6 at all (compileBoth: a version that
   * does not has no ip6tables rules).
   */
  readonly v6?: { readonly before: CompiledWithOrigins; readonly after: CompiledWithOrigins; readonly baseUses: boolean; readonly headUses: boolean };
}

/**
 * Which chains of a virtual-node state a real node has: a policy chain where some local endpoint
 * uses the policy in that direction, a profile chain where a local endpoint has the profile, an
 * endpoint chain on its pod's node, a group chain where all its policies are, and the chains
 * without an owner (Felix's fixed chains) everywhere.
 */
class Presence {
  private readonly policyNodes = new Map<string, Set<string>>();
  private readonly profileNodes = new Map<string, Set<string>>();
  private readonly ifaceNode = new Map<string, string>();
  private readonly policyByChain = new Map<string, { policy: Policy; dir: "ingress" | "egress" }>();
  private readonly profileByChain = new Map<string, string>();

  /** The endpoints of the nodes compared, by namespace: the only ones whose nodes are asked about. */
  private readonly local: WorkloadEndpoint[];

  constructor(
    private readonly model: Model,
    private readonly scope: PolicyScope,
    private readonly groups: ReadonlyMap<string, readonly string[]>,
    nodes: ReadonlySet<string>,
  ) {
    this.local = model.endpoints.filter((e) => e.node !== undefined && nodes.has(e.node));
    for (const p of model.policies) for (const dir of ["ingress", "egress"] as const) this.policyByChain.set(policyChainName(dir, p.id), { policy: p, dir });
    // Profiles by the endpoints' names too: a WorkloadEndpoint may name a profile no resource defines.
    const profiles = new Set(model.profiles.map((p) => p.name));
    for (const e of model.endpoints) for (const p of e.profiles) profiles.add(p);
    for (const p of profiles) for (const dir of ["ingress", "egress"] as const) this.profileByChain.set(profileChainName(dir, p), p);
    for (const e of model.endpoints) if (e.node !== undefined) this.ifaceNode.set(e.interfaceName, e.node);
  }

  private nodesOfPolicy(p: Policy, dir: "ingress" | "egress"): Set<string> {
    const key = `${dir}\u0000${p.id}`;
    let s = this.policyNodes.get(key);
    if (s) return s;
    s = new Set<string>();
    if (p.types.includes(dir === "ingress" ? "Ingress" : "Egress")) for (const e of this.scope.selectedAmong(p, this.local)) if (e.node !== undefined) s.add(e.node);
    this.policyNodes.set(key, s);
    return s;
  }

  private nodesOfProfile(name: string): ReadonlySet<string> {
    if (this.profileNodes.size === 0) {
      for (const e of this.local) {
        if (e.node === undefined) continue;
        for (const p of e.profiles) {
          const s = this.profileNodes.get(p);
          if (s) s.add(e.node);
          else this.profileNodes.set(p, new Set([e.node]));
        }
      }
    }
    return this.profileNodes.get(name) ?? new Set();
  }

  /** has() for a policy's or profile's chain of this version only (false for any other chain). */
  keeps(chain: string, node: string): boolean {
    return (this.policyByChain.has(chain) || this.profileByChain.has(chain)) && this.has(chain, node);
  }

  has(chain: string, node: string): boolean {
    const pol = this.policyByChain.get(chain);
    if (pol) return pol.policy.assumeNeededOnEveryNode === true || this.nodesOfPolicy(pol.policy, pol.dir).has(node);
    const prof = this.profileByChain.get(chain);
    if (prof !== undefined) return this.nodesOfProfile(prof).has(node);
    const ep = /^cali-[tf]w-(.+)$/.exec(chain);
    if (ep) return this.ifaceNode.get(ep[1] as string) === node;
    // A policy or profile chain of neither this version's policies nor its endpoints' profiles (a
    // ghost's, connectivity.ts) is on no node of this version.
    if (/^cali-(pi|po|pri|pro)-/.test(chain)) return false;
    const members = this.groups.get(chain);
    if (members) {
      const dir = chain.startsWith("cali-gi-") ? "ingress" : "egress";
      return members.every((id) => this.has(policyChainName(dir, id), node));
    }
    return true;
  }
}

/** The part of a virtual-node state a real node has: its chains, and the sets they reference. */
function onNode(state: DataplaneState, presence: Presence, node: string): DataplaneState {
  const chains = state.chains.filter((c) => !PER_POD_DISPATCH.test(c.name) && presence.has(c.name, node));
  const referenced = new Set<string>();
  for (const c of chains) for (const r of c.rules) for (const m of r.match.matchAll(/--match-set (\S+)/g)) referenced.add(m[1] as string);
  return { ...state, chains, hooks: [], ipsets: state.ipsets.filter((s) => referenced.has(s.name)) };
}

/**
 * A chain of one virtual state that the other lacks only because no touched pod uses it in that
 * version, while an untouched pod of the node still does (Presence says so): its owner did not
 * change (a changed policy's pods are all touched), so the node keeps it as it was. Copied across
 * with the sets it references, so it is not reported as added or removed.
 */
function kept(from: DataplaneState, into: DataplaneState, presence: Presence, node: string): DataplaneState {
  const have = new Set(into.chains.map((c) => c.name));
  const extra = from.chains.filter((c) => !have.has(c.name) && presence.keeps(c.name, node));
  if (extra.length === 0) return into;
  const sets = new Set(into.ipsets.map((x) => x.name));
  const referenced = new Set<string>();
  for (const c of extra) for (const r of c.rules) for (const m of r.match.matchAll(/--match-set (\S+)/g)) referenced.add(m[1] as string);
  return { ...into, chains: [...into.chains, ...extra], ipsets: [...into.ipsets, ...from.ipsets.filter((x) => referenced.has(x.name) && !sets.has(x.name))] };
}

/** A node's own compiled rules as the section compares them (no hooks, no dispatch chains). */
export function ownRules(model: Model, node: string, hostInterfaces?: readonly HostInterface[], ipVersion: 4 | 6 = 4): DataplaneState {
  const s = compile(model, { node, ipVersion, ...(hostInterfaces && { hostInterfaces }) });
  return { ...s, hooks: [], chains: s.chains.filter((c) => !PER_POD_DISPATCH.test(c.name)) };
}

/** Dispatch chains list a node's interfaces: the virtual node's are not any real node's. */
export const PER_POD_DISPATCH = /^cali-(from|to)-wl-dispatch/;

export function rulesChanges(input: RulesInput): RulesSection {
  const { base, head, touched } = input;
  const nodes = new Set<string>();
  for (const m of [base, head]) for (const e of m.endpoints) if (e.node !== undefined && touched.pods.has(e.key)) nodes.add(e.node);
  for (const n of touched.hostNodes) nodes.add(n);
  const everywhere = [...base.policies, ...head.policies].some((p) => p.assumeNeededOnEveryNode && touched.policies.has(p.id));
  if (everywhere) for (const m of [base, head]) for (const e of m.endpoints) if (e.node !== undefined) nodes.add(e.node);
  const chosen = (input.nodes && input.nodes.length > 0 ? input.nodes.filter((n) => nodes.has(n)) : [...nodes]).sort(cmp);
  const owners = chainOwners([base, head]);
  const presentBefore = new Presence(base, touched.baseScope, input.before.origins.groups, new Set(chosen));
  const presentAfter = new Presence(head, touched.headScope, input.after.origins.groups, new Set(chosen));
  const presence6 = input.v6 && ([new Presence(base, touched.baseScope, input.v6.before.origins.groups, new Set(chosen)), new Presence(head, touched.headScope, input.v6.after.origins.groups, new Set(chosen))] as const);
  const classes = new Map<string, { nodes: string[]; chains: ChainChange[]; ipsets: IpSetChange[] }>();
  let changed = 0;
  for (const node of chosen) {
    let c: { chains: ChainChange[]; ipsets: IpSetChange[] };
    if (touched.hostNodes.has(node)) {
      // Its host endpoint chains and raw/mangle tables changed: the node itself, compiled with each version.
      c = nodeChange(ownRules(base, node, input.hostInterfaces), ownRules(head, node, input.hostInterfaces), owners);
    } else {
      const b = onNode(input.before.state, presentBefore, node);
      const a = onNode(input.after.state, presentAfter, node);
      c = nodeChange(kept(a, b, presentBefore, node), kept(b, a, presentAfter, node), owners);
    }
    const six = input.v6;
    if (six) {
      const none: DataplaneState = { kind: "DataplaneState", ipVersion: 6, chains: [], hooks: [], ipsets: [] };
      let c6: { chains: ChainChange[]; ipsets: IpSetChange[] };
      if (touched.hostNodes.has(node)) {
        c6 = nodeChange(six.baseUses ? ownRules(base, node, input.hostInterfaces, 6) : none, six.headUses ? ownRules(head, node, input.hostInterfaces, 6) : none, owners);
      } else {
        const [pb, pa] = presence6 as [Presence, Presence];
        const b = six.baseUses ? onNode(six.before.state, pb, node) : none;
        const a = six.headUses ? onNode(six.after.state, pa, node) : none;
        c6 = nodeChange(six.baseUses ? kept(a, b, pb, node) : none, six.headUses ? kept(b, a, pa, node) : none, owners);
      }
      // ip6tables chains share their names with the iptables ones: the family goes first.
      c = {
        chains: [...c.chains, ...c6.chains.map((x) => ({ ...x, chain: `ip6 ${x.chain}` }))].sort((p, q) => cmp(p.chain, q.chain) || cmp(p.change, q.change)),
        ipsets: [...c.ipsets, ...c6.ipsets].sort((p, q) => cmp(p.set, q.set)),
      };
    }
    if (c.chains.length === 0 && c.ipsets.length === 0) continue;
    changed++;
    const key = JSON.stringify(c);
    const k = classes.get(key);
    if (k) k.nodes.push(node);
    else classes.set(key, { nodes: [node], ...c });
  }
  const changes: NodeRulesChange[] = [...classes.values()].map((k) => ({
    count: k.nodes.length,
    nodes: k.nodes.slice(0, 5),
    chains: k.chains,
    ipsets: k.ipsets,
    linesAdded: k.chains.reduce((s, c) => s + c.linesAdded, 0) + k.ipsets.reduce((s, c) => s + c.membersAdded, 0),
    linesRemoved: k.chains.reduce((s, c) => s + c.linesRemoved, 0) + k.ipsets.reduce((s, c) => s + c.membersRemoved, 0),
  }));
  changes.sort((a, b) => b.count - a.count || cmp(a.nodes[0] ?? "", b.nodes[0] ?? ""));
  return { nodesCompared: chosen.length, nodesChanged: changed, changes };
}
