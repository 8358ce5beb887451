/**
 * The node's rule IR → one family's `calico` nft table (felix-nftables.md §1–§7), the sibling of
 * the iptables printing in node-view.ts. The IR's tables become layers of the one nft table:
 * every chain of the filter/mangle/raw table gets its layer prefix (only the chains that table
 * references, so one policy can give `filter-`, `mangle-` and `raw-` chains), the 14 base chains
 * are always created and hold the hook rules (§1.2, §1.3), workload dispatch goes through the
 * two verdict maps (§6.1), and the ipsets become nft sets (§5).
 *
 * Layers policy-compile programs: filter always; mangle and raw exactly when iptables mode has
 * those tables (host endpoints; untracked policy). nat is not programmed (no NAT features), so
 * the nat base chains are created empty. The `arp calico-arp` table is left out: it suppresses
 * proxy-ARP replies, which is not policy, and iptables mode does not program it either.
 */
import { parseCidr, strictlyInside, type Cidr } from "../../model/cidr.js";
import { irChain, rule, type IrChain } from "../chain.js";
import { unknownInterfaceDrop } from "../dispatch.js";
import type { IrHooks } from "../iptables/print.js";
import { ChainName, IR_NAME, endpointChainName } from "../names.js";
import type { NodeIr } from "../node-view.js";
import type { IpSet } from "../types.js";
import { nftChain, nftChainName, nftRules, nftSetName, type Layer, type NftSetNames } from "./print.js";
import type { NftBaseChain, NftChain, NftDataplaneState, NftMap, NftSet } from "./types.js";

/** The 14 base chains Felix creates in `ip calico` / `ip6 calico` (§1.2), policy accept. */
export const NFT_BASE_CHAINS: readonly (NftBaseChain & { readonly name: string })[] = [
  { name: "filter-INPUT", type: "filter", hook: "input", priority: 0 },
  { name: "filter-FORWARD", type: "filter", hook: "forward", priority: 0 },
  { name: "filter-OUTPUT", type: "filter", hook: "output", priority: 0 },
  { name: "nat-PREROUTING", type: "nat", hook: "prerouting", priority: -100 },
  { name: "nat-INPUT", type: "nat", hook: "input", priority: -100 },
  { name: "nat-OUTPUT", type: "nat", hook: "output", priority: 110 },
  { name: "nat-POSTROUTING", type: "nat", hook: "postrouting", priority: 110 },
  { name: "mangle-PREROUTING", type: "filter", hook: "prerouting", priority: -150 },
  { name: "mangle-INPUT", type: "filter", hook: "input", priority: -150 },
  { name: "mangle-FORWARD", type: "filter", hook: "forward", priority: -150 },
  { name: "mangle-OUTPUT", type: "route", hook: "output", priority: -150 },
  { name: "mangle-POSTROUTING", type: "filter", hook: "postrouting", priority: -150 },
  { name: "raw-PREROUTING", type: "filter", hook: "prerouting", priority: -300 },
  { name: "raw-OUTPUT", type: "filter", hook: "output", priority: -300 },
];

/** The workload dispatch roots, each both a chain and a verdict map (§6.1). */
const DISPATCH = [
  { root: ChainName.fromWorkloadDispatch, dir: "in", direction: "egress" },
  { root: ChainName.toWorkloadDispatch, dir: "out", direction: "ingress" },
] as const;

const isDispatchChain = (name: string): boolean => DISPATCH.some((d) => name === d.root || name.startsWith(`${d.root}-`));

/** `cali-from-wl-dispatch`: the vmap lookup, then the fail-closed drop (constant, §6.2). */
function vmapDispatchChains(): IrChain[] {
  return DISPATCH.map((d) => irChain(d.root, [rule({ kind: "interfaceVmap", dir: d.dir, map: d.root }), unknownInterfaceDrop()]));
}

function dispatchMaps(interfaces: readonly string[]): NftMap[] {
  return DISPATCH.map((d) => ({
    name: nftChainName("filter", d.root),
    type: "ifname : verdict" as const,
    elements: interfaces.map((iface) => ({ key: iface, verdict: `goto ${nftChainName("filter", endpointChainName(d.direction, iface, IR_NAME))}` })),
  }));
}

/** Hook rules of one layer's base chains (§1.3): inserts then appends, hashes seeded `<chain>` / `<chain>*appends*`. */
function hookRules(layer: Layer, hooks: readonly IrHooks[]): Map<string, NftChain["rules"]> {
  const out = new Map<string, NftChain["rules"]>();
  for (const h of hooks) {
    const base = `${layer}-${h.chain}`;
    // Base-chain hashes come from an IPv4 renderer in both families (pitfall 17); these bodies
    // hold no family word, so the written text is the same in ip6.
    const inserts = nftRules(base, h.inserts, "ip", layer);
    const appends = nftRules(`${base}*appends*`, h.appends, "ip", layer);
    out.set(base, [...inserts, ...appends]);
  }
  return out;
}

/**
 * The set layout (a deliberate difference from Felix, docs/nftables.md "Set layout"). Felix makes
 * every selector set an `interval` set of CIDRs (§5.2). With nft 1.0.6 any element change in a
 * table holding a large interval set costs 450-550 ms (nft checks overlaps in userspace against
 * every interval element), and selector sets are the hot path: every pod's address is in them.
 * So a selector set whose members are all host prefixes (/32, /128; an empty set too) is a plain
 * `ipv4_addr`/`ipv6_addr` set of bare addresses: it contains exactly the addresses the interval
 * set would, so every rule matches the same packets. A set holding a real CIDR (a network set, a
 * workload's wider ipNetwork, the /1 halves of a /0) keeps Felix's interval layout and coalescing.
 *
 * The layout is chosen from the content, not from the kind of set: a selector can select pods,
 * host endpoints and network sets alike, so its kind does not tell what it will hold, while its
 * members are a function of the inputs (same inputs, same bytes). nft cannot change a set's
 * type in place (pitfall 12), so the layout is part of the name, through Felix's version token
 * (the `0` of `cali40s-…`, which exists for a changed definition): the host-address set keeps
 * Felix's name, so the rules that use it keep Felix's text and hashes (the common case, and the
 * reference's vectors), and a selector set holding a CIDR takes token `1` (`cali41s-…`,
 * `cali61s-…`). A set whose content changes layout is therefore a new set, and the rules that use
 * it are new rules: the diff adds the new set, rewrites those rules and deletes the old set, and
 * never asks nft to retype a set. Named-port sets are concatenations without `interval` (§5.2),
 * as in Felix; the dispatch verdict maps have no `interval` either.
 */
export const INTERVAL_SET_VERSION = "1";

const HOST_PREFIX = { inet: "/32", inet6: "/128" } as const;

/** Whether a hash:net set holds only host addresses (and so takes the plain layout). */
export const holdsOnlyHosts = (set: IpSet): boolean => set.type === "hash:net" && set.members.every((m) => m.endsWith(HOST_PREFIX[set.family]));

/** The nft name of an IR set's interval layout: Felix's name with version token `1` (`cali40s:X` → `cali41s-X`). */
export function nftIntervalSetName(ipsetName: string): string {
  const name = nftSetName(ipsetName);
  if (!/^cali[46]0/.test(name)) throw new Error(`set ${ipsetName} has no version token to mark its layout`);
  return `${name.slice(0, 5)}${INTERVAL_SET_VERSION}${name.slice(6)}`;
}

/** An ipset as an nft set (§5.1, §5.2): named-port concatenation, host-address set, or interval set coalesced (§5.5). */
export function nftSet(set: IpSet): NftSet {
  const v6 = set.family === "inet6";
  const addr = v6 ? "ipv6_addr" : "ipv4_addr";
  if (set.type === "hash:ip,port") {
    const elements = set.members.map((m) => {
      const comma = m.lastIndexOf(",");
      const [proto, port] = m.slice(comma + 1).split(":");
      return `${m.slice(0, comma)} . ${proto} . ${port}`;
    });
    return { name: nftSetName(set.name), type: `${addr} . inet_proto . inet_service`, interval: false, elements: [...new Set(elements)].sort() };
  }
  if (holdsOnlyHosts(set)) {
    const host = HOST_PREFIX[set.family];
    const elements = set.members.map((m) => m.slice(0, -host.length));
    return { name: nftSetName(set.name), type: addr, interval: false, elements: [...new Set(elements)].sort() };
  }
  return { name: nftIntervalSetName(set.name), type: addr, interval: true, elements: coalesce(set.members) };
}

const compareBytes = (a: Cidr, b: Cidr): number => {
  for (let i = 0; i < a.bytes.length; i++) {
    const d = (a.bytes[i] ?? 0) - (b.bytes[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.prefix - b.prefix;
};

/**
 * The members of an interval set with no two overlapping (nft refuses overlaps, §5.5): a member
 * inside another is left out, the broadest kept; the set matches exactly the same addresses.
 * Sorted by address then prefix, every member inside C directly follows C.
 */
export function coalesce(members: readonly string[]): string[] {
  const parsed = members.map((m) => ({ m, c: parseCidr(m, true) }));
  const bad = parsed.find((p) => p.c === undefined);
  if (bad !== undefined) throw new Error(`interval set member ${bad.m} is not a CIDR`);
  const sorted = (parsed as { m: string; c: Cidr }[]).sort((a, b) => compareBytes(a.c, b.c));
  const kept: { m: string; c: Cidr }[] = [];
  for (const p of sorted) {
    const last = kept[kept.length - 1];
    if (last !== undefined && (compareBytes(last.c, p.c) === 0 || strictlyInside(p.c, last.c))) continue;
    kept.push(p);
  }
  return kept.map((p) => p.m).sort();
}

const byName = (a: { readonly name: string }, b: { readonly name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * How renderNft prints chains and sets. A long-running caller (the agent on nftables) passes
 * memoized ones, so that a chain or set its IR did not change (nor the names of the sets it
 * uses, which follow their layout) is the same object as before.
 */
export interface NftPrinters {
  readonly chain: (c: IrChain, family: "ip" | "ip6", layer: Layer, sets: NftSetNames) => NftChain;
  readonly set: (s: IpSet) => NftSet;
  /**
   * Whether to check every reference of the whole table (default true). The agent checks the
   * references of what changed as it plans (diff/nftables/dirty.ts, checkNftDesired), instead
   * of every rule of a 30,000-rule table per step.
   */
  readonly checkReferences?: boolean;
}

const PRINT: NftPrinters = { chain: nftChain, set: nftSet };

export function renderNft(ir: NodeIr, print: NftPrinters = PRINT): NftDataplaneState {
  const family = ir.ipVersion === 6 ? "ip6" : "ip";
  const layers: { layer: Layer; chains: readonly IrChain[]; hooks: readonly IrHooks[] }[] = [
    { layer: "filter", chains: [...ir.chains.filter((c) => !isDispatchChain(c.name)), ...vmapDispatchChains()], hooks: ir.hooks },
    ...(ir.tables ?? []).map((t) => ({ layer: t.table, chains: t.chains, hooks: t.hooks })),
  ];
  const sets = ir.ipsets.map((s) => ({ ipset: s.name, set: print.set(s) }));
  const setNames = new Map(sets.map((s) => [s.ipset, s.set.name]));
  const hooks = new Map<string, NftChain["rules"]>();
  const chains: NftChain[] = [];
  for (const l of layers) {
    for (const [base, rules] of hookRules(l.layer, l.hooks)) hooks.set(base, rules);
    chains.push(...l.chains.map((c) => print.chain(c, family, l.layer, setNames)));
  }
  for (const b of NFT_BASE_CHAINS) {
    chains.push({ name: b.name, base: { type: b.type, hook: b.hook, priority: b.priority }, rules: hooks.get(b.name) ?? [] });
  }
  const state: NftDataplaneState = {
    kind: "NftDataplaneState",
    ipVersion: ir.ipVersion,
    family,
    chains: chains.sort(byName),
    sets: sets.map((s) => s.set).sort(byName),
    maps: dispatchMaps(ir.workloadInterfaces),
  };
  if (print.checkReferences !== false) assertNftReferences(state);
  return state;
}

/**
 * nft refuses a transaction whose rule or map element names a missing chain, set or map, and
 * nothing commits (pitfalls 7, 8): a bug here must fail loudly rather than print an unloadable script.
 */
function assertNftReferences(state: NftDataplaneState): void {
  const chains = new Set<string>();
  for (const c of state.chains) {
    if (chains.has(c.name)) throw new Error(`two nft chains named ${c.name}`);
    chains.add(c.name);
  }
  const sets = new Set([...state.sets.map((s) => s.name), ...state.maps.map((m) => m.name)]);
  const missing = (what: string, name: string, where: string): never => {
    throw new Error(`${where} references missing ${what} ${name}`);
  };
  for (const c of state.chains) {
    for (const r of c.rules) {
      const target = /(?:^| )(?:jump|goto) (\S+)$/.exec(r.body)?.[1];
      if (target !== undefined && !chains.has(target)) missing("chain", target, `chain ${c.name}`);
      for (const m of r.body.matchAll(/@(\S+)/g)) if (!sets.has(m[1] as string)) missing("set or map", m[1] as string, `chain ${c.name}`);
    }
  }
  for (const m of state.maps) {
    for (const e of m.elements) {
      const target = /^goto (\S+)$/.exec(e.verdict)?.[1];
      if (target !== undefined && !chains.has(target)) missing("chain", target, `map ${m.name}`);
    }
  }
}
