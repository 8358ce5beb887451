/**
 * The nftables planner of a long-running caller (the agent): what changed between two desired
 * tables, the transaction for just that against the caller's own view of the kernel (handles
 * included), and the view after it, without reading the kernel and without comparing the parts
 * that did not change (at 100k pods: 800 chains, 85 sets, 120,000 elements).
 *
 * - nftDirtyBetween compares by reference first (the agent's projection hands out the same
 *   chain and set objects for unchanged parts), then by content; a set whose new value was
 *   patched from the old one by an element delta carries that delta.
 * - planNftDirty runs diffNft's planner (planNft) over the dirty names only, so a changed chain
 *   is written with the same cheap operations (append; delete by handle and append; flush and
 *   re-add; never `replace rule`), chains are created before rules that jump to them and deleted
 *   after, and a kept set's delta becomes element lines without a pass over its elements. A
 *   definition change (the table must be rebuilt) falls back to the whole diff.
 * - The view after keeps every handle the transaction did not touch; appended rules have
 *   unknown handles (null) until the next read (a resync), so a later change of such a chain
 *   flushes it, which costs what a delete by handle does.
 */
import type { NftDataplaneState, NftSet } from "../../render/nftables/types.js";
import { nftChainSpec } from "../../render/nftables/script.js";
import type { NftKernelSet, NftKernelState } from "./kernel-state.js";
import { nftElement } from "./kernel-state.js";
import { checkNftDesired, diffNft, elementLines, nftStateAfter, planNft } from "./plan.js";
import type { NftTransaction } from "./transaction.js";

/** Elements as written (nftSet's form), sorted. */
export interface NftElementDelta {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** The chains, sets and maps (by nft name) whose desired content may differ, and known set deltas. */
export interface NftDirty {
  readonly chains: readonly string[];
  readonly sets: readonly string[];
  readonly maps: readonly string[];
  /** Dirty sets kept with the same definition whose change is exactly this. */
  readonly elements: ReadonlyMap<string, NftElementDelta>;
}

const sameList = <T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean => a === b || (a.length === b.length && a.every((x, i) => same(x, b[i] as T)));

/**
 * What differs from `before` to `after`. `patchedFrom`: for a set made from another by an element
 * delta, that set and the delta (the agent's projection knows).
 */
export function nftDirtyBetween(before: NftDataplaneState, after: NftDataplaneState, patchedFrom: (s: NftSet) => { readonly from: NftSet; readonly delta: NftElementDelta } | undefined = () => undefined): NftDirty {
  const changed = <T extends { readonly name: string }>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): string[] => {
    const was = new Map(a.map((x) => [x.name, x]));
    const out: string[] = [];
    for (const x of b) {
      const y = was.get(x.name);
      if (y === undefined || (x !== y && !same(y, x))) out.push(x.name);
      was.delete(x.name);
    }
    return [...out, ...was.keys()].sort();
  };
  const elements = new Map<string, NftElementDelta>();
  const sets = changed(before.sets, after.sets, (a, b) => {
    const p = patchedFrom(b);
    if (p !== undefined && p.from === a) {
      if (p.delta.added.length + p.delta.removed.length === 0) return true;
      elements.set(b.name, p.delta);
      return false;
    }
    return a.type === b.type && a.interval === b.interval && sameList(a.elements, b.elements, (x, y) => x === y);
  });
  return {
    chains: changed(before.chains, after.chains, (a, b) => nftChainSpec(a) === nftChainSpec(b) && sameList(a.rules, b.rules, (x, y) => x.hash === y.hash)),
    sets,
    maps: changed(before.maps, after.maps, (a, b) => a.type === b.type && sameList(a.elements, b.elements, (x, y) => x.key === y.key && x.verdict === y.verdict)),
    elements,
  };
}

export interface NftStepPlan {
  readonly tx: NftTransaction;
  /** The kernel's table once `tx` ran. */
  readonly after: NftKernelState;
}

/** The transaction for the dirty parts against `view`, and the view after it. */
export function planNftDirty(view: NftKernelState, desired: NftDataplaneState, dirty: NftDirty): NftStepPlan {
  if (view.others.length > 0 || !view.exists) return whole(view, desired);
  const chains = new Set(dirty.chains);
  const maps = new Set(dirty.maps);
  const viewSets = new Map(view.sets.map((s) => [s.name, s]));
  // A delta applies to the set the view holds with the definition the desired one has.
  const deltas = new Map<string, { readonly set: NftSet; readonly kept: NftKernelSet; readonly delta: NftElementDelta }>();
  const wantSets = new Map(desired.sets.map((s) => [s.name, s]));
  for (const [name, delta] of dirty.elements) {
    const set = wantSets.get(name);
    const kept = viewSets.get(name);
    if (set !== undefined && kept !== undefined && kept.type === set.type && kept.interval === set.interval) deltas.set(name, { set, kept, delta });
  }
  const sets = new Set(dirty.sets.filter((n) => !deltas.has(n)));
  const pick = <T extends { readonly name: string }>(xs: readonly T[], names: ReadonlySet<string>): T[] => xs.filter((x) => names.has(x.name));
  const cur: NftKernelState = { ...view, chains: pick(view.chains, chains), sets: pick(view.sets, sets), maps: pick(view.maps, maps) };
  const want: NftDataplaneState = { ...desired, chains: pick(desired.chains, chains), sets: pick(desired.sets, sets), maps: pick(desired.maps, maps) };
  checkNftDesired(desired, want);
  const t = `${desired.family} calico`;
  const lines = [...deltas].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([name, d]) => elementLines(t, name, d.delta.removed, d.delta.added));
  const tx = planNft(cur, want, lines, desired);
  if (tx.notes.length > 0) return { tx, after: nftStateAfter(view, desired, tx) };
  const part = nftStateAfter(cur, want, tx);
  const patched = new Map(
    [...deltas].map(([name, d]) => {
      const removed = new Set(d.delta.removed.map((e) => nftElement(d.set, e)));
      const elements = d.kept.elements.filter((e) => !removed.has(e));
      for (const e of d.delta.added) elements.push(nftElement(d.set, e));
      return [name, { ...d.kept, elements }];
    }),
  );
  const keep = <T extends { readonly name: string }>(xs: readonly T[], names: ReadonlySet<string>, fresh: readonly T[]): T[] => [...xs.filter((x) => !names.has(x.name)), ...fresh];
  const after: NftKernelState = {
    ...view,
    chains: keep(view.chains, chains, part.chains),
    sets: keep(view.sets, sets, part.sets).map((s) => patched.get(s.name) ?? s),
    maps: keep(view.maps, maps, part.maps),
  };
  return { tx, after };
}

/** The whole diff and the state after it (a view that is not ours to patch). */
function whole(view: NftKernelState, desired: NftDataplaneState): NftStepPlan {
  const tx = diffNft(view, desired);
  return { tx, after: nftStateAfter(view, desired, tx) };
}
