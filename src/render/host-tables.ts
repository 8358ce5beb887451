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
import { ACCEPT, DROP, RETURN, goto, hashRules, hashedChain, jump, rule, type RuleBody } from "./chain.js";
import { interfaceTree } from "./dispatch.js";
import { failsafeChains, type FailsafeOptions } from "./failsafe.js";
import { hostFilterChains, hostMangleEgressChain, hostMangleIngressChain, hostRawChains } from "./host-endpoint-chains.js";
import { Mark, allCalicoMarkBits, clearMark, markClear, markSingleBitSet, setMark } from "./marks.js";
import { ChainName, WORKLOAD_INTERFACE_PREFIX, hostEndpointChainName } from "./names.js";
import type { Chain, KernelChainHooks, TableState } from "./types.js";

type Dir = "ingress" | "egress";

/**
 * One host dispatch chain tree. `skipWorkloads`: the mangle egress variant, where the wildcard
 * endpoint must not police traffic to local workloads.
 */
function hostDispatch(root: string, dir: Dir, heps: readonly LocalHostEndpoint[], forward: boolean, skipWorkloads = false): Chain[] {
  const named = heps.filter((h) => !h.wildcard).map((h) => h.interfaceName);
  const wildcard = heps.find((h) => h.wildcard);
  const endRules: RuleBody[] = [];
  if (wildcard) {
    if (skipWorkloads) endRules.push(rule(`--out-interface ${WORKLOAD_INTERFACE_PREFIX}+`, RETURN, ["Skip egress WHEP policy for traffic to local workload"]));
    endRules.push(rule("", goto(hostEndpointChainName(dir, wildcard.interfaceName, forward))));
  }
  const iface = dir === "ingress" ? "--in-interface" : "--out-interface";
  return interfaceTree(root, iface, named, (n) => hostEndpointChainName(dir, n, forward), endRules);
}

/** The filter table's host dispatch chains (applyOnForward variant: no workload skip). */
export function filterHostDispatchChains(heps: readonly LocalHostEndpoint[]): Chain[] {
  return [
    ...hostDispatch(ChainName.fromHostEndpoint, "ingress", heps, false),
    ...hostDispatch(ChainName.toHostEndpoint, "egress", heps, false),
    ...hostDispatch(ChainName.fromHostEndpointForward, "ingress", heps, true),
    ...hostDispatch(ChainName.toHostEndpointForward, "egress", heps, true),
  ];
}

/** What host endpoints add to the filter table (the dispatch chains replace the empty static ones). */
export function hostFilterTableChains(heps: readonly LocalHostEndpoint[], failsafe: FailsafeOptions, ipVersion: 4 | 6 = 4): Chain[] {
  if (heps.length === 0) return [];
  return [...filterHostDispatchChains(heps), ...heps.flatMap(hostFilterChains), ...failsafeChains("filter", failsafe, ipVersion)];
}

const insertHook = (chain: KernelChainHooks["chain"], target: string): KernelChainHooks => ({
  chain,
  inserts: hashRules(chain, [rule("", jump(target))]),
  appends: [],
});

function mangleChains(heps: readonly LocalHostEndpoint[], failsafe: FailsafeOptions, ipVersion: 4 | 6): Chain[] {
  const preDNAT = heps.filter((h) => h.preDNAT.length > 0);
  return [
    hashedChain(ChainName.prerouting, [
      rule("-m conntrack --ctstate RELATED,ESTABLISHED", ACCEPT),
      rule(markSingleBitSet(Mark.accept), ACCEPT),
      rule("", jump(ChainName.fromHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT, ["Host endpoint policy accepted packet."]),
    ]),
    hashedChain(ChainName.postrouting, [
      rule(markSingleBitSet(Mark.accept), RETURN),
      rule("", clearMark(allCalicoMarkBits)),
      rule("-m conntrack --ctstate DNAT", jump(ChainName.toHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), RETURN, ["Host endpoint policy accepted packet."]),
    ]),
    ...hostDispatch(ChainName.fromHostEndpoint, "ingress", preDNAT, false),
    ...hostDispatch(ChainName.toHostEndpoint, "egress", heps, false, true),
    ...preDNAT.map(hostMangleIngressChain),
    ...heps.map(hostMangleEgressChain),
    ...failsafeChains("mangle", failsafe, ipVersion),
  ];
}

function rawChains(untracked: readonly LocalHostEndpoint[], failsafe: FailsafeOptions, ipVersion: 4 | 6): Chain[] {
  const workloads = `--in-interface ${WORKLOAD_INTERFACE_PREFIX}+`;
  return [
    hashedChain(ChainName.prerouting, [
      rule("", clearMark(allCalicoMarkBits)),
      rule(workloads, setMark(Mark.scratch0)),
      rule(markSingleBitSet(Mark.scratch0), jump(ChainName.rpfSkip)),
      rule(`${markSingleBitSet(Mark.scratch0)} -m rpfilter --invert --validmark`, DROP),
      rule(markClear(Mark.scratch0), jump(ChainName.fromHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT),
    ]),
    hashedChain(ChainName.rawOutput, [
      rule("", clearMark(allCalicoMarkBits)),
      rule("", jump(ChainName.toHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT),
    ]),
    hashedChain(ChainName.rpfSkip, []),
    ...hostDispatch(ChainName.fromHostEndpoint, "ingress", untracked, false),
    ...hostDispatch(ChainName.toHostEndpoint, "egress", untracked, false),
    ...untracked.flatMap(hostRawChains),
    ...failsafeChains("raw", failsafe, ipVersion),
  ];
}

/** Keeps `chains` plus the shared chains (policy, profile) they reach, sorted by name. */
export function withReferenced(own: readonly Chain[], shared: ReadonlyMap<string, Chain>): Chain[] {
  const out = new Map(own.map((c) => [c.name, c]));
  const queue = [...own];
  for (let c = queue.shift(); c; c = queue.shift()) {
    for (const r of c.rules) {
      const target = /^--(?:jump|goto) (cali-\S+)/.exec(r.action)?.[1];
      if (target === undefined || out.has(target)) continue;
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
function reachable(roots: readonly string[], own: readonly Chain[], shared: ReadonlyMap<string, Chain>): Chain[] {
  const all = new Map(shared);
  for (const c of own) all.set(c.name, c);
  const start = roots.map((r) => all.get(r)).filter((c): c is Chain => c !== undefined);
  return withReferenced(start, all);
}

/** The mangle and raw tables for these host endpoints (none when there are no host endpoints). */
export function hostTables(heps: readonly LocalHostEndpoint[], shared: ReadonlyMap<string, Chain>, failsafe: FailsafeOptions, ipVersion: 4 | 6 = 4): TableState[] {
  if (heps.length === 0) return [];
  const tables: TableState[] = [
    {
      table: "mangle",
      chains: reachable([ChainName.prerouting, ChainName.postrouting], mangleChains(heps, failsafe, ipVersion), shared),
      hooks: [insertHook("PREROUTING", ChainName.prerouting), insertHook("POSTROUTING", ChainName.postrouting)],
    },
  ];
  const untracked = heps.filter((h) => h.untracked.ingress.length + h.untracked.egress.length > 0);
  if (untracked.length > 0) {
    tables.push({
      table: "raw",
      chains: reachable([ChainName.prerouting, ChainName.rawOutput], rawChains(untracked, failsafe, ipVersion), shared),
      hooks: [insertHook("PREROUTING", ChainName.prerouting), insertHook("OUTPUT", ChainName.rawOutput)],
    });
  }
  return tables;
}
