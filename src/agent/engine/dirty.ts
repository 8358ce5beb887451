/**
 * Which chains, ipsets and hooks differ between two desired states, by content. Used by the
 * engine where it recomputed a piece and must tell whether it really changed, so the agent's
 * transaction names only what moved.
 */
import type { Chain, DataplaneState, IpSet, IptRule, KernelChainHooks } from "../../render/types.js";
import { canonicalMembers } from "../../diff/members.js";
import type { Dirty, MemberDelta } from "./types.js";

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i] as T, b[i] as T)) return false;
  return true;
}

const sameString = (a: string, b: string): boolean => a === b;

export function sameRule(a: IptRule, b: IptRule): boolean {
  return a === b || (a.hash === b.hash && a.match === b.match && a.action === b.action && sameList(a.comments, b.comments, sameString));
}

export function sameChain(a: Chain | undefined, b: Chain | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.name === b.name && sameList(a.rules, b.rules, sameRule);
}

export function sameIpSet(a: IpSet | undefined, b: IpSet | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.name === b.name && a.type === b.type && a.family === b.family && a.maxelem === b.maxelem && sameList(a.members, b.members, sameString);
}

export function sameHooks(a: readonly KernelChainHooks[], b: readonly KernelChainHooks[]): boolean {
  return sameList(a, b, (x, y) => x.chain === y.chain && sameList(x.inserts, y.inserts, sameRule) && sameList(x.appends, y.appends, sameRule));
}

/** Everything that differs between `before` and `after` (a full comparison). */
export function dirtyBetween(before: DataplaneState, after: DataplaneState): Dirty {
  const chains: string[] = [];
  const prevChains = new Map(before.chains.map((c) => [c.name, c]));
  for (const c of after.chains) {
    if (!sameChain(prevChains.get(c.name), c)) chains.push(c.name);
    prevChains.delete(c.name);
  }
  chains.push(...prevChains.keys());
  const ipsets: string[] = [];
  const members = new Map<string, MemberDelta>();
  const prevSets = new Map(before.ipsets.map((s) => [s.name, s]));
  for (const s of after.ipsets) {
    const prev = prevSets.get(s.name);
    if (!sameIpSet(prev, s)) {
      ipsets.push(s.name);
      if (prev !== undefined && prev.type === s.type && prev.family === s.family && prev.maxelem === s.maxelem) members.set(s.name, memberDelta(prev, s));
    }
    prevSets.delete(s.name);
  }
  ipsets.push(...prevSets.keys());
  const dirty = { chains: chains.sort(), ipsets: ipsets.sort(), hooks: !sameHooks(before.hooks, after.hooks) };
  return members.size > 0 ? { ...dirty, members: sortedMap(members) } : dirty;
}

/** The canonical members `after` has and `before` lacks, and the reverse. */
export function memberDelta(before: IpSet, after: IpSet): MemberDelta {
  const was = canonicalMembers(before.type, before.members);
  const now = canonicalMembers(after.type, after.members);
  return { added: now.list.filter((m) => !was.set.has(m)).sort(), removed: was.list.filter((m) => !now.set.has(m)).sort() };
}

/** A map in key order (deterministic, and equal maps print the same). */
export function sortedMap<V>(m: ReadonlyMap<string, V>): Map<string, V> {
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
