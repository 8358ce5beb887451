/**
 * Everything host endpoints add to a node's tables (Felix's endpoint manager and static chains
 * for the host side, felix-dataplane.md §1.2–§1.4):
 *
 * - filter: the four host dispatch chains (filled in instead of left empty), the per-endpoint
 *   `cali-fh-`/`cali-th-`/`cali-fhfw-`/`cali-thfw-` chains and the failsafe chains;
 * - mangle (whenever a host endpoint exists): `cali-PREROUTING` → pre-DNAT dispatch, and
 *   `cali-POSTROUTING` → normal egress policy for host traffic that was DNAT'd (the filter
 *   table cannot police it: its outgoing interface is only known after filter OUTPUT);
 * - raw (only when some endpoint has untracked policy): `cali-PREROUTING` (anti-spoofing RPF
 *   check for workloads, then untracked ingress policy) and `cali-OUTPUT` (untracked egress).
 *
 * The wildcard (`*`) endpoint is the dispatch chains' fall-through: their end rules `--goto`
 * its chains. In the mangle egress dispatch traffic to a local workload skips it first, as
 * Felix does: the wildcard endpoint's normal policy never applies to host → workload traffic.
 *
 * Policy, profile and group chains are the same in every table; each table gets exactly the
 * ones its chains jump to (Felix programs only referenced chains, §6.3).
 */
import type { LocalHostEndpoint } from "../resolve/types.js";
import { ACCEPT, DROP, RETURN, goto, irChain, jump, rule, type IrChain, type IrRule } from "./chain.js";
import { interfaceTree } from "./dispatch.js";
import { failsafeChains, type FailsafeOptions } from "./failsafe.js";
import { hostFilterChains, hostMangleEgressChain, hostMangleIngressChain, hostRawChains } from "./host-endpoint-chains.js";
import { RELATED_ESTABLISHED, actionTarget, inInterface, outInterface } from "./ir.js";
import { iptChain, iptHooks, type IrHooks } from "./iptables/print.js";
import { Mark, allCalicoMarkBits, clearMark, markClear, markSingleBitSet, setMark } from "./marks.js";
import { ChainName, IR_NAME, WORKLOAD_INTERFACE_PREFIX, hostEndpointChainName } from "./names.js";
import type { Chain, TableState } from "./types.js";

type Dir = "ingress" | "egress";

/**
 * One host dispatch chain tree. `skipWorkloads`: the mangle egress variant, where the wildcard
 * endpoint must not police traffic to local workloads.
 */
function hostDispatch(root: string, dir: Dir, heps: readonly LocalHostEndpoint[], forward: boolean, skipWorkloads = false): IrChain[] {
  const named = heps.filter((h) => !h.wildcard).map((h) => h.interfaceName);
  const wildcard = heps.find((h) => h.wildcard);
  const endRules: IrRule[] = [];
  if (wildcard) {
    if (skipWorkloads) endRules.push(rule(outInterface(WORKLOAD_INTERFACE_PREFIX, true), RETURN, ["Skip egress WHEP policy for traffic to local workload"]));
    endRules.push(rule([], goto(hostEndpointChainName(dir, wildcard.interfaceName, forward, IR_NAME))));
  }
  return interfaceTree(root, dir === "ingress" ? "in" : "out", named, (n) => hostEndpointChainName(dir, n, forward, IR_NAME), endRules);
}

/** The filter table's host dispatch chains (applyOnForward variant: no workload skip). */
export function filterHostDispatchChains(heps: readonly LocalHostEndpoint[]): IrChain[] {
  return [
    ...hostDispatch(ChainName.fromHostEndpoint, "ingress", heps, false),
    ...hostDispatch(ChainName.toHostEndpoint, "egress", heps, false),
    ...hostDispatch(ChainName.fromHostEndpointForward, "ingress", heps, true),
    ...hostDispatch(ChainName.toHostEndpointForward, "egress", heps, true),
  ];
}

/** What host endpoints add to the filter table (the dispatch chains replace the empty static ones). */
export function hostFilterTableChains(heps: readonly LocalHostEndpoint[], failsafe: FailsafeOptions, ipVersion: 4 | 6 = 4): IrChain[] {
  if (heps.length === 0) return [];
  return [...filterHostDispatchChains(heps), ...heps.flatMap(hostFilterChains), ...failsafeChains("filter", failsafe, ipVersion)];
}

const insertHook = (chain: IrHooks["chain"], target: string): IrHooks => ({ chain, inserts: [rule([], jump(target))], appends: [] });

function mangleChains(heps: readonly LocalHostEndpoint[], failsafe: FailsafeOptions, ipVersion: 4 | 6): IrChain[] {
  const preDNAT = heps.filter((h) => h.preDNAT.length > 0);
  return [
    irChain(ChainName.prerouting, [
      rule(RELATED_ESTABLISHED, ACCEPT),
      rule(markSingleBitSet(Mark.accept), ACCEPT),
      rule([], jump(ChainName.fromHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT, ["Host endpoint policy accepted packet."]),
    ]),
    irChain(ChainName.postrouting, [
      rule(markSingleBitSet(Mark.accept), RETURN),
      rule([], clearMark(allCalicoMarkBits)),
      rule({ kind: "ctDnat" }, jump(ChainName.toHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), RETURN, ["Host endpoint policy accepted packet."]),
    ]),
    ...hostDispatch(ChainName.fromHostEndpoint, "ingress", preDNAT, false),
    ...hostDispatch(ChainName.toHostEndpoint, "egress", heps, false, true),
    ...preDNAT.map(hostMangleIngressChain),
    ...heps.map(hostMangleEgressChain),
    ...failsafeChains("mangle", failsafe, ipVersion),
  ];
}

function rawChains(untracked: readonly LocalHostEndpoint[], failsafe: FailsafeOptions, ipVersion: 4 | 6): IrChain[] {
  return [
    irChain(ChainName.prerouting, [
      rule([], clearMark(allCalicoMarkBits)),
      rule(inInterface(WORKLOAD_INTERFACE_PREFIX, true), setMark(Mark.scratch0)),
      rule(markSingleBitSet(Mark.scratch0), jump(ChainName.rpfSkip)),
      rule([markSingleBitSet(Mark.scratch0), { kind: "rpfFailed" }], DROP),
      rule(markClear(Mark.scratch0), jump(ChainName.fromHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT),
    ]),
    irChain(ChainName.rawOutput, [
      rule([], clearMark(allCalicoMarkBits)),
      rule([], jump(ChainName.toHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT),
    ]),
    irChain(ChainName.rpfSkip, []),
    ...hostDispatch(ChainName.fromHostEndpoint, "ingress", untracked, false),
    ...hostDispatch(ChainName.toHostEndpoint, "egress", untracked, false),
    ...untracked.flatMap(hostRawChains),
    ...failsafeChains("raw", failsafe, ipVersion),
  ];
}

/** A chain of either form: IR, or printed for iptables. */
interface NamedChain {
  readonly name: string;
}

/** The jump/goto targets of an iptables chain's rules. */
export const iptTargets = (c: Chain): string[] =>
  c.rules.map((r) => /^--(?:jump|goto) (cali-\S+)/.exec(r.action)?.[1]).filter((t): t is string => t !== undefined);

/** The jump/goto targets of an IR chain's rules. */
export const irTargets = (c: IrChain): string[] => c.rules.map((r) => actionTarget(r.action)).filter((t): t is string => t !== undefined);

/** Keeps `own` plus the shared chains (policy, profile, group) they reach, sorted by name. */
export function withReferenced<C extends NamedChain>(own: readonly C[], shared: ReadonlyMap<string, C>, targets: (c: C) => readonly string[]): C[] {
  const out = new Map(own.map((c) => [c.name, c]));
  const queue = [...own];
  for (let c = queue.shift(); c; c = queue.shift()) {
    for (const target of targets(c)) {
      if (out.has(target)) continue;
      const s = shared.get(target);
      if (s) {
        out.set(target, s);
        queue.push(s);
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The chains reachable from a table's hook targets: Felix programs only referenced chains. */
function reachable<C extends NamedChain>(roots: readonly string[], own: readonly C[], shared: ReadonlyMap<string, C>, targets: (c: C) => readonly string[]): C[] {
  const all = new Map(shared);
  for (const c of own) all.set(c.name, c);
  const start = roots.map((r) => all.get(r)).filter((c): c is C => c !== undefined);
  return withReferenced(start, all, targets);
}

/** One of the mangle/raw tables in the IR: its chains (reachable from its hooks only) and hooks. */
export interface IrTable<C> {
  readonly table: "mangle" | "raw";
  readonly chains: readonly C[];
  readonly hooks: readonly IrHooks[];
}

/**
 * The mangle and raw tables for these host endpoints (none when there are no host endpoints),
 * with `shared` policy/profile/group chains in either form: `print` turns the tables' own IR
 * chains into that form, `targets` follows its references.
 */
export function hostTablesOf<C extends NamedChain>(
  heps: readonly LocalHostEndpoint[],
  shared: ReadonlyMap<string, C>,
  failsafe: FailsafeOptions,
  ipVersion: 4 | 6,
  print: (c: IrChain) => C,
  targets: (c: C) => readonly string[],
): IrTable<C>[] {
  if (heps.length === 0) return [];
  const tables: IrTable<C>[] = [
    {
      table: "mangle",
      chains: reachable([ChainName.prerouting, ChainName.postrouting], mangleChains(heps, failsafe, ipVersion).map(print), shared, targets),
      hooks: [insertHook("PREROUTING", ChainName.prerouting), insertHook("POSTROUTING", ChainName.postrouting)],
    },
  ];
  const untracked = heps.filter((h) => h.untracked.ingress.length + h.untracked.egress.length > 0);
  if (untracked.length > 0) {
    tables.push({
      table: "raw",
      chains: reachable([ChainName.prerouting, ChainName.rawOutput], rawChains(untracked, failsafe, ipVersion).map(print), shared, targets),
      hooks: [insertHook("PREROUTING", ChainName.prerouting), insertHook("OUTPUT", ChainName.rawOutput)],
    });
  }
  return tables;
}

/** The iptables mangle and raw tables for these host endpoints, over printed shared chains. */
export function hostTables(heps: readonly LocalHostEndpoint[], shared: ReadonlyMap<string, Chain>, failsafe: FailsafeOptions, ipVersion: 4 | 6 = 4): TableState[] {
  return hostTablesOf(heps, shared, failsafe, ipVersion, iptChain, iptTargets).map((t) => ({ table: t.table, chains: t.chains, hooks: t.hooks.map(iptHooks) }));
}
