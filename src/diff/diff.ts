/**
 * diff(current, desired): the smallest transaction that turns the current kernel state into the
 * desired one, touching nothing policy-compile does not own. Pure: the same two states always
 * give the same bytes.
 *
 * The design goals, in priority order:
 * 1. Correct and safe: the transaction never references a chain or set before it exists, never
 *    deletes one that is still referenced, and never modifies a foreign rule, chain or set.
 * 2. Minimal: unchanged rules are not rewritten (their counters survive), unchanged chains and
 *    sets are not mentioned; `diff(s, s)` is empty.
 * 3. Atomic where the kernel allows: all iptables changes are one `iptables-restore` input.
 * 4. Deterministic: chains, sets and members in sorted order in each pass.
 */
import type { DataplaneState } from "../render/types.js";
import type { HookMode, KernelChain, KernelState } from "./kernel-state.js";
import { KERNEL_CHAINS, isKernelChain, isOwnedChain, isOwnedIpSet, kernelStateOf } from "./kernel-state.js";
import type { Backend, Transaction } from "./transaction.js";
import { DiffError } from "./errors.js";
import { ruleSets, ruleTarget, ruleText } from "./rule-text.js";
import { planChains, type ChainPlan } from "./plan-chains.js";
import { planHooks } from "./plan-hooks.js";
import { planIpsets, type IpsetPlan } from "./plan-ipsets.js";

export interface DiffOptions {
  /** How the iptables part is written (default `legacy`; see plan-chains.ts). */
  readonly backend?: Backend;
  /** Hook rules at the top of the kernel chains (`insert`, the default) or after foreign rules. */
  readonly hookMode?: HookMode;
}

export function diff(current: KernelState | DataplaneState, desired: DataplaneState, options: DiffOptions = {}): Transaction {
  const backend = options.backend ?? "legacy";
  const mode = options.hookMode ?? "insert";
  const cur = current.kind === "KernelState" ? current : kernelStateOf(current);
  if (cur.ipVersion !== desired.ipVersion) {
    throw new DiffError(`cannot diff an IPv${cur.ipVersion} kernel state against an IPv${desired.ipVersion} desired state`);
  }
  checkDesired(desired);

  const chains = new Map(cur.chains.map((c) => [c.name, c]));
  const foreign = foreignReferences(cur, new Set(desired.chains.map((c) => c.name)));
  const chainPlan = planChains(chains, desired, foreign.keptChains, backend);
  const hookLines = KERNEL_CHAINS.flatMap((name) =>
    planHooks(name, chains.get(name), desired.hooks.find((h) => h.chain === name), mode),
  );
  const ipsetPlan = planIpsets(cur, desired, setsInUse(cur.chains), foreign.sets);

  return assembleTransaction(desired.ipVersion, backend, chainPlan, hookLines, ipsetPlan, foreign.keptChains);
}

/**
 * The transaction from its planned parts, in the order the kernel needs: forward references,
 * chain updates and hooks, then (nft: in a second block) chain deletes. Shared with the agent
 * engine's diff of dirty parts, so both write the same bytes for the same plan.
 */
export function assembleTransaction(
  ipVersion: 4 | 6,
  backend: Backend,
  chainPlan: ChainPlan,
  hookLines: readonly string[],
  ipsetPlan: IpsetPlan,
  keptChains: ReadonlySet<string>,
): Transaction {
  const main = [...chainPlan.forwardRefs, ...chainPlan.updates, ...hookLines];
  let iptables: string[];
  if (backend === "nft" && chainPlan.deletes.length > 0) {
    iptables = ["*filter", ...main, "COMMIT", "*filter", ...chainPlan.deletes, "COMMIT"];
  } else {
    const body = [...main, ...chainPlan.deletes];
    iptables = body.length ? ["*filter", ...body, "COMMIT"] : [];
  }
  const notes = [
    ...[...keptChains].sort().map((n) => `chain ${n} is not desired but a rule policy-compile does not own jumps to it; left in place`),
    ...ipsetPlan.notes,
  ];
  return { kind: "Transaction", ipVersion, backend, ipsetsBefore: ipsetPlan.before, iptables, ipsetsAfter: ipsetPlan.after, notes };
}

/** Refuse desired states the kernel would reject, before anything is written (§9.8). */
function checkDesired(desired: DataplaneState): void {
  const names = new Set<string>();
  for (const c of desired.chains) {
    if (!isOwnedChain(c.name)) throw new DiffError(`desired chain ${c.name} does not start with cali-, so policy-compile may not own it`);
    if (names.has(c.name)) throw new DiffError(`desired chain ${c.name} appears twice`);
    names.add(c.name);
  }
  const sets = new Set(desired.ipsets.map((s) => s.name));
  const check = (chain: string, index: number, text: string): void => {
    const target = ruleTarget(text);
    if (target !== null && isOwnedChain(target) && !names.has(target)) {
      throw new DiffError(`rule ${index + 1} of chain ${chain} jumps to ${target}, which is not in the desired state`);
    }
    for (const set of ruleSets(text)) {
      if (isOwnedIpSet(set, desired.ipVersion) && !sets.has(set)) {
        throw new DiffError(`rule ${index + 1} of chain ${chain} matches ipset ${set}, which is not in the desired state`);
      }
    }
  };
  for (const c of desired.chains) c.rules.forEach((r, i) => check(c.name, i, ruleText(r)));
  for (const h of desired.hooks) {
    if (!isKernelChain(h.chain)) throw new DiffError(`hook rules for ${String(h.chain)}, which is not a kernel chain of the filter table`);
    [...h.inserts, ...h.appends].forEach((r, i) => check(h.chain, i, ruleText(r)));
  }
}

/**
 * What rules policy-compile does not own refer to: owned chains that must therefore be kept even
 * if not desired (and, transitively, the owned chains those jump to), and the sets they use.
 */
export function foreignReferences(cur: KernelState, desiredChains: { has(name: string): boolean }): { keptChains: Set<string>; sets: Set<string> } {
  const byName = new Map(cur.chains.map((c) => [c.name, c]));
  const keptChains = new Set<string>();
  const sets = new Set<string>();
  const queue: KernelChain[] = [];
  const visit = (text: string): void => {
    for (const s of ruleSets(text)) sets.add(s);
    const target = ruleTarget(text);
    if (target === null || !isOwnedChain(target) || desiredChains.has(target) || keptChains.has(target)) return;
    const chain = byName.get(target);
    if (!chain) return;
    keptChains.add(target);
    queue.push(chain);
  };
  for (const c of cur.chains) {
    if (isOwnedChain(c.name)) continue;
    for (const r of c.rules) if (!isKernelChain(c.name) || r.hash === null) visit(r.text);
  }
  for (let c = queue.shift(); c; c = queue.shift()) for (const r of c.rules) visit(r.text);
  return { keptChains, sets };
}

export function setsInUse(chains: readonly KernelChain[]): Set<string> {
  return new Set(chains.flatMap((c) => c.rules.flatMap((r) => ruleSets(r.text))));
}
