/**
 * diffDirty: diff() restricted to the chains and ipsets an engine update marked dirty. The agent
 * keeps its own view of what it last wrote (a KernelState that agrees with the previous desired
 * state), so everything outside `dirty` is already in place and need not be compared: at 100k
 * pods a full diff compares ~120k ipset members and every chain per event.
 *
 * The law (test/agent/engine/diff-dirty.test.ts): when `current` agrees with `desired` on every
 * owned chain and ipset not named in `dirty` (foreign content anywhere), and with the previous
 * desired state on the sets `dirty.members` gives a delta for, the result is exactly
 * diff(current, desired). A delta is written as given: a dirty 100k-member set that gained a
 * pod costs one line, not a comparison of 100k members. Hooks (three small kernel chains) are always planned: cheap, and it
 * keeps the law true even when another program moved rules around ours.
 */
import { assembleTransaction, foreignReferences, setsInUse, type DiffOptions } from "../../diff/diff.js";
import { DiffError } from "../../diff/errors.js";
import { KERNEL_CHAINS, isKernelChain, isOwnedChain, isOwnedIpSet, type KernelChain, type KernelState } from "../../diff/kernel-state.js";
import { planChains } from "../../diff/plan-chains.js";
import { planHooks } from "../../diff/plan-hooks.js";
import { planIpsets } from "../../diff/plan-ipsets.js";
import { ruleSets, ruleTarget, ruleText } from "../../diff/rule-text.js";
import type { Transaction } from "../../diff/transaction.js";
import type { DataplaneState } from "../../render/types.js";
import type { Dirty } from "./types.js";

/** Binary search in a list sorted by name (DataplaneState and KernelState lists are). */
function finder<T extends { readonly name: string }>(list: readonly T[]): (name: string) => T | undefined {
  let sorted = true;
  for (let i = 1; i < list.length && sorted; i++) sorted = (list[i - 1] as T).name < (list[i] as T).name;
  if (!sorted) {
    const map = new Map(list.map((x) => [x.name, x]));
    return (name) => map.get(name);
  }
  return (name) => {
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const item = list[mid] as T;
      if (item.name === name) return item;
      if (item.name < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  };
}

export function diffDirty(current: KernelState, desired: DataplaneState, dirty: Dirty, options: DiffOptions = {}): Transaction {
  const backend = options.backend ?? "legacy";
  const mode = options.hookMode ?? "insert";
  if (current.ipVersion !== desired.ipVersion) {
    throw new DiffError(`cannot diff an IPv${current.ipVersion} kernel state against an IPv${desired.ipVersion} desired state`);
  }
  const desiredChain = finder(desired.chains);
  const desiredSet = finder(desired.ipsets);
  const currentChain = finder(current.chains);
  const dirtyChainNames = [...new Set(dirty.chains)].sort();
  const dirtySetNames = [...new Set(dirty.ipsets)].sort();

  const sub: DataplaneState = {
    ...desired,
    chains: dirtyChainNames.flatMap((n) => desiredChain(n) ?? []),
    ipsets: dirtySetNames.flatMap((n) => desiredSet(n) ?? []),
  };
  checkDirty(sub, desired, desiredChain, desiredSet);

  const chains = new Map<string, KernelChain>();
  for (const n of dirtyChainNames) {
    const c = currentChain(n);
    if (c !== undefined && isOwnedChain(n)) chains.set(n, c);
  }
  const foreign = foreignReferences(current, { has: (n) => desiredChain(n) !== undefined });
  const chainPlan = planChains(chains, sub, foreign.keptChains, backend);
  const hookLines = KERNEL_CHAINS.flatMap((name) => planHooks(name, currentChain(name), desired.hooks.find((h) => h.chain === name), mode));

  // Only the dirty owned sets, every foreign one, and leftover temp sets (a full diff destroys
  // those, and their names decide which temp name the next swap takes).
  const dirtySets = new Set(dirtySetNames);
  const tempPrefix = desired.ipVersion === 4 ? "cali4t" : "cali6t";
  const curSets = current.ipsets.filter((s) => !isOwnedIpSet(s.name, desired.ipVersion) || dirtySets.has(s.name) || s.name.startsWith(tempPrefix));
  const currentSet = finder(curSets);
  // Which sets the current rules use matters only for a type change; find them only then.
  const typeChange = sub.ipsets.some((s) => {
    const c = currentSet(s.name);
    return c !== undefined && c.type !== s.type;
  });
  const ipsetPlan = planIpsets({ ...current, ipsets: curSets }, sub, typeChange ? setsInUse(current.chains) : new Set(), foreign.sets, dirty.members);

  return assembleTransaction(desired.ipVersion, backend, chainPlan, hookLines, ipsetPlan, foreign.keptChains);
}

/** diff()'s refusal of unloadable desired states, for the dirty chains and the hooks. */
function checkDirty(
  sub: DataplaneState,
  desired: DataplaneState,
  chain: (n: string) => unknown,
  set: (n: string) => unknown,
): void {
  const check = (name: string, index: number, text: string): void => {
    const target = ruleTarget(text);
    if (target !== null && isOwnedChain(target) && chain(target) === undefined) {
      throw new DiffError(`rule #${index} of chain ${name} jumps to ${target}, which is not in the desired state`);
    }
    for (const s of ruleSets(text)) {
      if (isOwnedIpSet(s, desired.ipVersion) && set(s) === undefined) {
        throw new DiffError(`rule #${index} of chain ${name} matches ipset ${s}, which is not in the desired state`);
      }
    }
  };
  for (const c of sub.chains) {
    if (!isOwnedChain(c.name)) throw new DiffError(`desired chain ${c.name} does not start with cali-, so policy-compile may not own it`);
    c.rules.forEach((r, i) => check(c.name, i, ruleText(r)));
  }
  for (const h of desired.hooks) {
    if (!isKernelChain(h.chain)) throw new DiffError(`hook rules for ${String(h.chain)}, which is not a kernel chain of the filter table`);
    [...h.inserts, ...h.appends].forEach((r, i) => check(h.chain, i, ruleText(r)));
  }
}
