/**
 * The rules section: the nodes that hold touched pods (the only nodes whose rules can differ,
 * besides every node when a changed policy is assumed needed on every node), compiled with each
 * version and compared chain by chain and set by set. Endpoint and dispatch chains are named per
 * pod, so they are counted by kind ("cali-tw-* (3 chains)"); nodes whose changes are then equal
 * are one entry with a count.
 */
import type { Model } from "../model/types.js";
import { compileWithOrigins } from "../render/origins.js";
import { policyChainName, policyKindName, profileChainName } from "../render/names.js";
import type { Chain, DataplaneState, IptRule } from "../render/types.js";
import type { Touched } from "./touched.js";
import type { ChainChange, IpSetChange, NodeRulesChange, RulesSection } from "./types.js";

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const ruleText = (r: IptRule): string => `${r.match} ${r.action}`;
const PER_POD = /^(cali-[tf]w-|cali-(from|to)-wl-dispatch)/;
const FOLD_PREFIX = /^(cali-[tf]w-|cali-(from|to)-wl-dispatch)/;

/** Chain name → the policies and profiles it is the chain of. */
function chainOwners(models: readonly Model[]): Map<string, string> {
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

function nodeChange(before: DataplaneState, after: DataplaneState, owners: ReadonlyMap<string, string>): { chains: ChainChange[]; ipsets: IpSetChange[] } {
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
  /** Only these nodes (--node); default every node that holds a touched pod. */
  readonly nodes?: readonly string[];
  readonly progress?: (done: number, total: number) => void;
}

export function rulesChanges(input: RulesInput): RulesSection {
  const { base, head, touched } = input;
  const nodes = new Set<string>();
  const everywhere = [...base.policies, ...head.policies].some((p) => p.assumeNeededOnEveryNode && touched.policies.has(p.id));
  for (const m of [base, head]) {
    for (const e of m.endpoints) if (e.node !== undefined && (everywhere || touched.pods.has(e.key))) nodes.add(e.node);
    for (const h of m.hostEndpoints) if (everywhere) nodes.add(h.node);
  }
  const chosen = (input.nodes && input.nodes.length > 0 ? input.nodes.filter((n) => nodes.has(n)) : [...nodes]).sort(cmp);
  const owners = chainOwners([base, head]);
  const classes = new Map<string, { nodes: string[]; chains: ChainChange[]; ipsets: IpSetChange[] }>();
  let changed = 0;
  chosen.forEach((node, i) => {
    const before = compileWithOrigins(base, { node }).state;
    const after = compileWithOrigins(head, { node }).state;
    const c = nodeChange(before, after, owners);
    input.progress?.(i + 1, chosen.length);
    if (c.chains.length === 0 && c.ipsets.length === 0) return;
    changed++;
    const key = JSON.stringify(c);
    const k = classes.get(key);
    if (k) k.nodes.push(node);
    else classes.set(key, { nodes: [node], ...c });
  });
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
