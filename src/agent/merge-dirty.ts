/**
 * mergeDirty: what two engine updates in a row marked dirty, as one Dirty against the state
 * before the first. The daemon feeds a large batch to the engine in slices (yielding between
 * them, so the kernel's running apply is not starved of the event loop) and plans one
 * transaction for the whole batch.
 *
 * A member delta composes when both updates give one, or only one of them touches the set:
 * net added = (a1 − r2) ∪ (a2 − r1), net removed = (r1 − a2) ∪ (r2 − a1). A set dirty in
 * either update without a delta (created, destroyed, retyped) has none: it is compared whole.
 */
import type { Dirty, MemberDelta } from "./engine/types.js";

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

function minus(a: readonly string[], b: readonly string[]): string[] {
  const drop = new Set(b);
  return a.filter((x) => !drop.has(x));
}

export function composeDelta(first: MemberDelta, second: MemberDelta): MemberDelta {
  return {
    added: sorted([...minus(first.added, second.removed), ...minus(second.added, first.removed)]),
    removed: sorted([...minus(first.removed, second.added), ...minus(second.removed, first.added)]),
  };
}

export function mergeDirty(first: Dirty, second: Dirty): Dirty {
  const ipsets = sorted([...first.ipsets, ...second.ipsets]);
  const in1 = new Set(first.ipsets);
  const in2 = new Set(second.ipsets);
  const members = new Map<string, MemberDelta>();
  for (const name of ipsets) {
    const d1 = first.members?.get(name);
    const d2 = second.members?.get(name);
    if (in1.has(name) && d1 === undefined) continue;
    if (in2.has(name) && d2 === undefined) continue;
    const d = d1 && d2 ? composeDelta(d1, d2) : (d1 ?? d2);
    if (d !== undefined) members.set(name, d);
  }
  const merged = { chains: sorted([...first.chains, ...second.chains]), ipsets, hooks: first.hooks || second.hooks };
  return members.size > 0 ? { ...merged, members } : merged;
}
