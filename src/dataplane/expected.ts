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
import type { DataplaneState, KernelChainHooks, TableName } from "../render/types.js";
import type { HookMode, KernelChain, KernelState, KernelTable } from "../diff/kernel-state.js";
import { compareByName, isOwnedChain, isOwnedIpSet, isTableKernelChain, kernelStateOf } from "../diff/kernel-state.js";
import type { Transaction } from "../diff/transaction.js";

export function kernelStateAfter(before: KernelState, tx: Transaction, desired: DataplaneState, hookMode: HookMode): KernelState | null {
  if (tx.notes.length > 0) return null;
  // Tables the caller never read cannot be predicted.
  if (before.tables === undefined && (desired.tables?.length ?? 0) > 0) return null;
  const ours = kernelStateOf(desired);
  const chains = tableAfter("filter", before.chains, ours.chains, desired.hooks, hookMode);
  const foreignSets = before.ipsets.filter((s) => !isOwnedIpSet(s.name, before.ipVersion));
  const tables = before.tables?.map((t): KernelTable => {
    const want = desired.tables?.find((x) => x.table === t.table);
    const owned = ours.tables?.find((x) => x.table === t.table)?.chains ?? [];
    return { table: t.table, chains: tableAfter(t.table, t.chains, owned, want?.hooks ?? [], hookMode) };
  });
  return {
    kind: "KernelState",
    ipVersion: before.ipVersion,
    chains,
    ipsets: [...foreignSets, ...ours.ipsets].sort(compareByName),
    ...(tables && { tables }),
  };
}

/** One table after the write: its foreign chains, its kernel chains with our hooks in place, our chains. */
function tableAfter(table: TableName, before: readonly KernelChain[], ours: readonly KernelChain[], hooks: readonly KernelChainHooks[], hookMode: HookMode): KernelChain[] {
  const ownedChains = ours.filter((c) => !isTableKernelChain(table, c.name));
  const foreignChains = before.filter((c) => !isOwnedChain(c.name) && !isTableKernelChain(table, c.name));
  const kernelChains = before
    .filter((c) => isTableKernelChain(table, c.name))
    .map((c): KernelChain => {
      const h = hooks.find((x) => x.chain === c.name);
      const mine = ours.find((x) => x.name === c.name)?.rules ?? [];
      const inserts = mine.slice(0, h?.inserts.length ?? 0);
      const appends = mine.slice(h?.inserts.length ?? 0);
      const foreign = c.rules.filter((r) => r.hash === null);
      const rules = hookMode === "insert" ? [...inserts, ...foreign, ...appends] : [...foreign, ...inserts, ...appends];
      return { name: c.name, policy: c.policy, rules };
    });
  return [...foreignChains, ...kernelChains, ...ownedChains].sort(compareByName);
}

