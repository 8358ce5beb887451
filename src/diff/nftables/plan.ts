/**
 * diffNft(current, desired): one `nft -f` transaction that turns one family's `calico` table
 * into the desired NftDataplaneState (felix-nftables.md §8.4-§8.6). Pure and deterministic:
 * every pass is in name order.
 *
 * Designed around what nft does cheaply (measured at 100k pods, docs/nftables-reconcile.md):
 * `replace rule … handle N` makes nft load its whole cache (~1 s), while appending a rule,
 * deleting one by handle, and `flush chain` plus re-adding a chain's rules each cost one
 * process start and milliseconds. So a changed chain is never patched with `replace`:
 * - desired = current + more rules at the end: the new rules are appended;
 * - otherwise, from the first rule whose hash differs on: when the handles of the current
 *   rules from there on are known, they are deleted by handle and the desired rules from
 *   there on appended (the unchanged head keeps its counters, as with Felix's replace), as
 *   long as that is no more lines than a flush (deleting a long tail to keep a short head is
 *   not: Felix's hash chaining changes every rule after the first changed one);
 * - when the first rule differs, handles are unknown, or the tail is longer than the head plus
 *   one: `flush chain` and add every rule.
 *
 * Order inside the transaction (nft checks references as each command runs, §10 pitfall 7):
 * table; new sets, then per set element deletes before adds (so /32s swapped for a covering
 * /24 never overlap); new maps; element deletes of kept maps and flushes of dropped maps; new
 * chains; flushes of dropped chains; rule changes; map element adds (their chains exist now);
 * chain deletes; map deletes; set deletes (no rule uses them by then).
 *
 * A set, map or base chain whose definition changed cannot be altered in place (§10 pitfalls
 * 12, 16), and objects of kinds policy-compile never creates are not its own: then the table is
 * deleted and written whole, in the same atomic transaction.
 */
import type { NftChain, NftDataplaneState, NftMap, NftSet } from "../../render/nftables/types.js";
import { ELEMENTS_PER_LINE, chunks, nftChainSpec, nftMapSpec, nftRuleText, nftScriptLines, nftSetSpec } from "../../render/nftables/script.js";
import { DiffError } from "../errors.js";
import type { NftKernelChain, NftKernelMap, NftKernelSet, NftKernelState } from "./kernel-state.js";
import { nftElement, nftKernelStateOf, sameSetDefinition } from "./kernel-state.js";
import { nftRuleChains, nftRuleSets, verdictChain } from "./refs.js";
import type { NftTransaction } from "./transaction.js";

export function diffNft(current: NftKernelState | NftDataplaneState, wanted: NftDataplaneState): NftTransaction {
  const read = current.kind === "NftKernelState" ? current : nftKernelStateOf(current);
  if (read.ipVersion !== wanted.ipVersion) {
    throw new DiffError(`cannot diff an IPv${read.ipVersion} nftables table against an IPv${wanted.ipVersion} desired state`);
  }
  checkNftDesired(wanted);
  return planNft(read, wanted, []);
}

/**
 * The transaction from `read` to `wanted` (both possibly restricted to some names: the agent's
 * dirty parts), with `deltaLines` (element deltas of kept sets, written as they are) after the
 * sets' own lines. A definition change rebuilds the table from `full`, the whole desired state.
 */
export function planNft(read: NftKernelState, wanted: NftDataplaneState, deltaLines: readonly string[], full: NftDataplaneState = wanted): NftTransaction {
  // Every pass in name order, whatever order the states came in.
  const cur = { ...read, chains: byName(read.chains), sets: byName(read.sets), maps: byName(read.maps) };
  const desired = { ...wanted, chains: byName(wanted.chains), sets: byName(wanted.sets), maps: byName(wanted.maps) };
  const t = `${desired.family} calico`;
  const tx = (lines: string[], notes: string[] = []): NftTransaction => ({ kind: "NftTransaction", ipVersion: desired.ipVersion, family: desired.family, lines, notes });

  const rebuild = rebuildReasons(cur, desired);
  if (rebuild.length > 0) return tx(["delete table " + t, ...nftScriptLines(full)], rebuild.map((r) => `the table is rebuilt: ${r}`));

  const curChains = new Map(cur.chains.map((c) => [c.name, c]));
  const curSets = new Map(cur.sets.map((s) => [s.name, s]));
  const curMaps = new Map(cur.maps.map((m) => [m.name, m]));
  const wantChains = new Set(desired.chains.map((c) => c.name));
  const wantSets = new Set(desired.sets.map((s) => s.name));
  const wantMaps = new Set(desired.maps.map((m) => m.name));
  const droppedChains = cur.chains.filter((c) => !wantChains.has(c.name));
  const droppedMaps = cur.maps.filter((m) => !wantMaps.has(m.name));

  const lines: string[] = [];
  if (!cur.exists) lines.push(`add table ${t}`);
  for (const s of desired.sets) lines.push(...setLines(t, curSets.get(s.name), s));
  lines.push(...deltaLines);
  for (const m of desired.maps) if (!curMaps.has(m.name)) lines.push(`add map ${t} ${m.name}${nftMapSpec(m)}`);
  const mapAdds: string[] = [];
  for (const m of desired.maps) {
    const delta = mapDelta(curMaps.get(m.name), m);
    if (delta.deletes.length) for (const part of chunks(delta.deletes, ELEMENTS_PER_LINE)) lines.push(`delete element ${t} ${m.name} { ${part.join(", ")} }`);
    for (const part of chunks(delta.adds, ELEMENTS_PER_LINE)) mapAdds.push(`add element ${t} ${m.name} { ${part.map((e) => `${e.key} : ${e.verdict}`).join(", ")} }`);
  }
  for (const m of droppedMaps) if (m.elements.length) lines.push(`flush map ${t} ${m.name}`);
  for (const c of desired.chains) if (!curChains.has(c.name)) lines.push(`add chain ${t} ${c.name}${nftChainSpec(c)}`);
  for (const c of droppedChains) if (c.rules.length) lines.push(`flush chain ${t} ${c.name}`);
  for (const c of desired.chains) lines.push(...chainLines(t, curChains.get(c.name), c));
  lines.push(...mapAdds);
  for (const c of droppedChains) lines.push(`delete chain ${t} ${c.name}`);
  for (const m of droppedMaps) lines.push(`delete map ${t} ${m.name}`);
  for (const s of cur.sets) if (!wantSets.has(s.name)) lines.push(`delete set ${t} ${s.name}`);
  return tx(lines);
}

/** Element lines of one kept set: deletes, then adds (§5.6). */
export function elementLines(t: string, set: string, deletes: readonly string[], adds: readonly string[]): string[] {
  const lines: string[] = [];
  for (const part of chunks(deletes, ELEMENTS_PER_LINE)) lines.push(`delete element ${t} ${set} { ${part.join(", ")} }`);
  for (const part of chunks(adds, ELEMENTS_PER_LINE)) lines.push(`add element ${t} ${set} { ${part.join(", ")} }`);
  return lines;
}

function byName<T extends { readonly name: string }>(xs: readonly T[]): T[] {
  return [...xs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Why the table cannot be changed in place (empty: it can). */
function rebuildReasons(cur: NftKernelState, desired: NftDataplaneState): string[] {
  const reasons = cur.others.map((o) => `it holds ${o}, which policy-compile never creates`);
  const sets = new Map(cur.sets.map((s) => [s.name, s]));
  for (const s of desired.sets) {
    const c = sets.get(s.name);
    if (c && !sameSetDefinition(s, c)) reasons.push(`set ${s.name} is ${describeSet(c)}, wanted ${describeSet(s)}`);
  }
  const maps = new Map(cur.maps.map((m) => [m.name, m]));
  for (const m of desired.maps) {
    const c = maps.get(m.name);
    if (c && c.type !== m.type) reasons.push(`map ${m.name} is ${c.type}, wanted ${m.type}`);
  }
  const chains = new Map(cur.chains.map((c) => [c.name, c]));
  for (const d of desired.chains) {
    const c = chains.get(d.name);
    if (c && nftChainSpec(c) !== nftChainSpec(d)) reasons.push(`chain ${d.name} is${nftChainSpec(c) || " a regular chain"}, wanted${nftChainSpec(d) || " a regular chain"}`);
  }
  return reasons;
}

const describeSet = (s: { readonly type: string; readonly interval: boolean }): string => `${s.type}${s.interval ? " (interval)" : ""}`;

/** A set's lines: created if new; element deletes, then adds (§5.6). */
function setLines(t: string, cur: NftKernelSet | undefined, want: NftSet): string[] {
  const elements = want.elements.map((e) => nftElement(want, e));
  if (!cur) return [`add set ${t} ${want.name}${nftSetSpec(want)}`, ...elementLines(t, want.name, [], [...new Set(elements)].sort())];
  const have = new Set(cur.elements);
  const wanted = new Set(elements);
  const deletes = [...new Set(cur.elements.filter((e) => !wanted.has(e)))].sort();
  return elementLines(t, want.name, deletes, [...wanted].filter((e) => !have.has(e)).sort());
}

/** Keys to delete (gone, or pointing elsewhere) and elements to add. */
function mapDelta(cur: NftKernelMap | undefined, want: NftMap): { deletes: string[]; adds: NftMap["elements"][number][] } {
  const have = new Map((cur?.elements ?? []).map((e) => [e.key, e.verdict]));
  const wanted = new Map(want.elements.map((e) => [e.key, e.verdict]));
  const deletes = [...have].filter(([k, v]) => wanted.get(k) !== v).map(([k]) => k).sort();
  const adds = [...wanted].filter(([k, v]) => have.get(k) !== v).map(([key, verdict]) => ({ key, verdict })).sort((a, b) => (a.key < b.key ? -1 : 1));
  return { deletes, adds };
}

/** The rule lines of one desired chain (the chain itself exists by now). */
function chainLines(t: string, cur: NftKernelChain | undefined, want: NftChain): string[] {
  const have = cur?.rules ?? [];
  const same = sameHead(have, want.rules);
  if (same === have.length && same === want.rules.length) return [];
  const add = (from: number): string[] => want.rules.slice(from).map((r) => `add rule ${t} ${want.name} ${nftRuleText(r)}`);
  if (same === have.length) return add(same);
  if (flushes(have, same)) return [`flush chain ${t} ${want.name}`, ...add(0)];
  return [...have.slice(same).map((r) => `delete rule ${t} ${want.name} handle ${r.handle as number}`), ...add(same)];
}

/** Length of the common head of two rule lists, by hash. */
function sameHead(have: readonly { readonly hash: string }[], want: readonly { readonly hash: string }[]): number {
  let same = 0;
  while (same < have.length && same < want.length && have[same]?.hash === want[same]?.hash) same++;
  return same;
}

/**
 * Whether a chain whose current rules `have` differ from the desired ones after the first
 * `same` (some current rules go) is flushed rather than cut by handle: when the head is empty,
 * a handle of the tail is unknown, or deleting the tail (one line per rule) takes more lines
 * than the flush and re-adding the head would (1 + same). Both ways add the desired rules
 * from `same` on, so the line counts differ by exactly that.
 */
function flushes(have: readonly NftKernelChain["rules"][number][], same: number): boolean {
  if (same === 0 || have.length - same > same + 1) return true;
  for (let i = same; i < have.length; i++) if (have[i]?.handle === null) return true;
  return false;
}

/**
 * Refuse desired states nft would reject (§10 pitfall 8): duplicate names, a jump, goto or map
 * element naming a chain that is not desired, an `@name` that is no desired set or map. `only`:
 * the chains and maps to check (the agent's dirty ones), against every name of `desired`.
 */
export function checkNftDesired(desired: NftDataplaneState, only: Pick<NftDataplaneState, "chains" | "maps"> = desired): void {
  const unique = (what: string, names: readonly string[]): Set<string> => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) throw new DiffError(`desired nftables ${what} ${n} appears twice`);
      seen.add(n);
    }
    return seen;
  };
  const chains = unique("chain", desired.chains.map((c) => c.name));
  const sets = unique("set", desired.sets.map((s) => s.name));
  const maps = unique("map", desired.maps.map((m) => m.name));
  for (const c of only.chains) {
    c.rules.forEach((r, i) => {
      for (const target of nftRuleChains(r.body)) {
        if (!chains.has(target)) throw new DiffError(`rule ${i + 1} of nftables chain ${c.name} jumps to ${target}, which is not in the desired state`);
      }
      for (const s of nftRuleSets(r.body)) {
        if (!sets.has(s) && !maps.has(s)) throw new DiffError(`rule ${i + 1} of nftables chain ${c.name} uses @${s}, which is not a desired set or map`);
      }
    });
  }
  for (const m of only.maps) {
    for (const e of m.elements) {
      const target = verdictChain(e.verdict);
      if (target !== null && !chains.has(target)) throw new DiffError(`element ${e.key} of map ${m.name} goes to ${target}, which is not in the desired state`);
    }
  }
}

/**
 * The table after `diffNft(current, desired)` ran: the desired state, with the handles of the
 * rules the transaction kept (the unchanged head of each chain); appended rules' handles are
 * unknown until the next read, so a later change of that chain flushes it instead.
 */
export function nftStateAfter(current: NftKernelState, desired: NftDataplaneState, tx: NftTransaction): NftKernelState {
  const after = nftKernelStateOf(desired);
  if (tx.notes.length > 0) return after; // rebuilt: every handle is new
  const curChains = new Map(current.chains.map((c) => [c.name, c]));
  return {
    ...after,
    chains: after.chains.map((c) => {
      const have = curChains.get(c.name)?.rules ?? [];
      const same = sameHead(have, c.rules);
      // A flushed chain (chainLines' choice) keeps nothing.
      if (same < have.length && flushes(have, same)) return c;
      return same === 0 ? c : { ...c, rules: c.rules.map((r, i) => (i < same ? (have[i] as typeof r) : r)) };
    }),
  };
}
