/**
 * The agent's view of what it last wrote, kept without re-reading the kernel: after a successful
 * apply of diffDirty(view, desired, dirty), the owned chains, sets and hooks named dirty are now
 * as desired, and everything else is as it was. Only those are rebuilt (kernelStateOf does the
 * whole state, ~100k members at scale).
 */
import { KERNEL_CHAINS, isOwnedChain, isOwnedIpSet, type KernelChain, type KernelIpSet, type KernelState } from "../../diff/kernel-state.js";
import { normalizeMembers } from "../../diff/members.js";
import { ruleText } from "../../diff/rule-text.js";
import type { DataplaneState } from "../../render/types.js";
import type { Dirty } from "./types.js";

const byName = <T extends { readonly name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function advanceKernelView(view: KernelState, desired: DataplaneState, dirty: Dirty): KernelState {
  const chainNames = new Set(dirty.chains);
  const setNames = new Set(dirty.ipsets);
  const wanted = new Map(desired.chains.filter((c) => chainNames.has(c.name)).map((c) => [c.name, c]));
  const chains: KernelChain[] = view.chains.filter((c) => !(isOwnedChain(c.name) && chainNames.has(c.name)) && !(dirty.hooks && (KERNEL_CHAINS as readonly string[]).includes(c.name)));
  for (const c of wanted.values()) chains.push({ name: c.name, policy: null, rules: c.rules.map((r) => ({ hash: r.hash, text: ruleText(r) })) });
  if (dirty.hooks) {
    for (const name of KERNEL_CHAINS) {
      const old = view.chains.find((c) => c.name === name);
      const hooks = desired.hooks.find((h) => h.chain === name);
      const ours = hooks ? [...hooks.inserts, ...hooks.appends].map((r) => ({ hash: r.hash, text: ruleText(r) })) : [];
      chains.push({ name, policy: old?.policy ?? "ACCEPT", rules: [...ours, ...(old?.rules.filter((r) => r.hash === null) ?? [])] });
    }
  }
  const ipsets: KernelIpSet[] = view.ipsets.filter((s) => !(isOwnedIpSet(s.name, desired.ipVersion) && setNames.has(s.name)));
  for (const s of desired.ipsets) {
    if (!setNames.has(s.name)) continue;
    ipsets.push({ name: s.name, type: s.type, family: s.family, maxelem: s.maxelem, options: [], members: normalizeMembers(s.type, s.members) });
  }
  return { kind: "KernelState", ipVersion: view.ipVersion, chains: chains.sort(byName), ipsets: ipsets.sort(byName) };
}
