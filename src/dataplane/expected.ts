/**
 * The kernel state a successful transaction leaves behind, computed instead of read back.
 *
 * A node agent keeps its own view of what it last wrote and plans the next transaction against
 * that view, so an event costs no `iptables-save` / `ipset save` (at 100k pods a full read is
 * most of an apply). That is sound because `diff` has one postcondition: after its transaction
 * ran without error, every owned chain and set is exactly as desired, our hook rules sit where
 * the hook mode puts them, and everything foreign is as it was. So the state after is:
 * the foreign chains, rules and sets of the state before, plus the desired owned state.
 *
 * When the diff had to leave something owned in place (a chain or set a foreign rule still
 * refers to; it says so in `notes`), the state after is not this simple; callers read the
 * kernel instead (`kernelStateAfter` returns null).
 */
import type { DataplaneState } from "../render/types.js";
import type { HookMode, KernelChain, KernelRule, KernelState } from "../diff/kernel-state.js";
import { compareByName, isKernelChain, isOwnedChain, isOwnedIpSet, kernelStateOf } from "../diff/kernel-state.js";
import type { Transaction } from "../diff/transaction.js";

export function kernelStateAfter(before: KernelState, tx: Transaction, desired: DataplaneState, hookMode: HookMode): KernelState | null {
  if (tx.notes.length > 0) return null;
  const ours = kernelStateOf(desired);
  const ownedChains = ours.chains.filter((c) => !isKernelChain(c.name));
  const foreignChains = before.chains.filter((c) => !isOwnedChain(c.name) && !isKernelChain(c.name));
  const kernelChains = before.chains
    .filter((c) => isKernelChain(c.name))
    .map((c): KernelChain => {
      const hooks = desired.hooks.find((h) => h.chain === c.name);
      const inserts = kernelRules(ours, c.name).slice(0, hooks?.inserts.length ?? 0);
      const appends = kernelRules(ours, c.name).slice(hooks?.inserts.length ?? 0);
      const foreign = c.rules.filter((r) => r.hash === null);
      const rules = hookMode === "insert" ? [...inserts, ...foreign, ...appends] : [...foreign, ...inserts, ...appends];
      return { name: c.name, policy: c.policy, rules };
    });
  const foreignSets = before.ipsets.filter((s) => !isOwnedIpSet(s.name, before.ipVersion));
  return {
    kind: "KernelState",
    ipVersion: before.ipVersion,
    chains: [...foreignChains, ...kernelChains, ...ownedChains].sort(compareByName),
    ipsets: [...foreignSets, ...ours.ipsets].sort(compareByName),
  };
}

function kernelRules(state: KernelState, chain: string): readonly KernelRule[] {
  return state.chains.find((c) => c.name === chain)?.rules ?? [];
}
