/**
 * The agent's view of what it last wrote, kept without re-reading the kernel: after a successful
 * apply of diffDirty(view, desired, dirty), the owned chains, sets and hooks named dirty are now
 * as desired, and everything else is as it was. Only those are rebuilt (kernelStateOf does the
 * whole state, ~100k members at scale); a set with a known member delta is patched from it
 * (one pass over its sorted members, no normalization of 100k strings).
 *
 * Hook rules sit where the hook mode puts them (as diff and kernelStateAfter place them):
 * `insert`: our inserts, the foreign rules, our appends; `append`: foreign rules first.
 */
import { KERNEL_CHAINS, isOwnedChain, isOwnedIpSet, type HookMode, type KernelChain, type KernelIpSet, type KernelState } from "../../diff/kernel-state.js";
import { normalizeMembers } from "../../diff/members.js";
import { ruleText } from "../../diff/rule-text.js";
import type { DataplaneState, IptRule } from "../../render/types.js";
import type { Dirty, MemberDelta } from "./types.js";

const byName = <T extends { readonly name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Whether mangle/raw (host endpoint) tables are wanted or still hold our chains in the view. The
 * dirty parts and advanceKernelView follow the filter table only, so then the agent plans the
 * whole diff against the view and derives the next view from the transaction.
 */
export function tablesInPlay(view: KernelState, desired: DataplaneState): boolean {
  return (desired.tables?.length ?? 0) > 0 || (view.tables ?? []).some((t) => t.chains.some((c) => isOwnedChain(c.name)));
}

export function advanceKernelView(view: KernelState, desired: DataplaneState, dirty: Dirty, hookMode: HookMode = "insert"): KernelState {
  const chainNames = new Set(dirty.chains);
  const setNames = new Set(dirty.ipsets);
  const wanted = new Map(desired.chains.filter((c) => chainNames.has(c.name)).map((c) => [c.name, c]));
  const chains: KernelChain[] = view.chains.filter((c) => !(isOwnedChain(c.name) && chainNames.has(c.name)) && !(dirty.hooks && (KERNEL_CHAINS as readonly string[]).includes(c.name)));
  for (const c of wanted.values()) chains.push({ name: c.name, policy: null, rules: c.rules.map((r) => ({ hash: r.hash, text: ruleText(r) })) });
  if (dirty.hooks) {
    for (const name of KERNEL_CHAINS) {
      const old = view.chains.find((c) => c.name === name);
      const hooks = desired.hooks.find((h) => h.chain === name);
      const rule = (r: IptRule) => ({ hash: r.hash, text: ruleText(r) });
      const inserts = (hooks?.inserts ?? []).map(rule);
      const appends = (hooks?.appends ?? []).map(rule);
      const foreign = old?.rules.filter((r) => r.hash === null) ?? [];
      const rules = hookMode === "insert" ? [...inserts, ...foreign, ...appends] : [...foreign, ...inserts, ...appends];
      chains.push({ name, policy: old?.policy ?? "ACCEPT", rules });
    }
  }
  const oldSets = new Map(view.ipsets.map((s) => [s.name, s]));
  const ipsets: KernelIpSet[] = view.ipsets.filter((s) => !(isOwnedIpSet(s.name, desired.ipVersion) && setNames.has(s.name)));
  for (const s of desired.ipsets) {
    if (!setNames.has(s.name)) continue;
    const old = oldSets.get(s.name);
    const delta = dirty.members?.get(s.name);
    const patch = old !== undefined && delta !== undefined && old.type === s.type && old.family === s.family && old.maxelem === s.maxelem;
    const members = patch ? patched(old.members, delta) : normalizeMembers(s.type, s.members);
    ipsets.push({ name: s.name, type: s.type, family: s.family, maxelem: s.maxelem, options: [], members });
  }
  return { kind: "KernelState", ipVersion: view.ipVersion, chains: chains.sort(byName), ipsets: ipsets.sort(byName), ...(view.tables && { tables: view.tables }) };
}

/** Sorted canonical members with a delta applied (both sorted), still sorted. */
function patched(members: readonly string[], delta: MemberDelta): string[] {
  if (delta.removed.length + delta.added.length > 64) return mergePatch(members, delta);
  // A few changes: copy (a memcpy) and splice at binary-searched places.
  const out = members.slice();
  for (const m of delta.removed) {
    const i = lowerBound(out, m);
    if (out[i] === m) out.splice(i, 1);
  }
  for (const m of delta.added) {
    const i = lowerBound(out, m);
    if (out[i] !== m) out.splice(i, 0, m);
  }
  return out;
}

function lowerBound(sorted: readonly string[], m: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < m) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function mergePatch(members: readonly string[], delta: MemberDelta): string[] {
  const gone = new Set(delta.removed);
  const kept = gone.size === 0 ? members : members.filter((m) => !gone.has(m));
  const add = delta.added;
  const out: string[] = [];
  let j = 0;
  for (const m of kept) {
    while (j < add.length && (add[j] as string) < m) out.push(add[j++] as string);
    if (j < add.length && add[j] === m) j++;
    out.push(m);
  }
  while (j < add.length) out.push(add[j++] as string);
  return out;
}
