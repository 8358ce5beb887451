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
import type { DataplaneState, TableState } from "../render/types.js";
import type { HookMode, KernelChain, KernelState, KernelTable } from "./kernel-state.js";
import { EXTRA_TABLES, KERNEL_CHAINS, TABLE_KERNEL_CHAINS, isKernelChain, isOwnedChain, isOwnedIpSet, isTableKernelChain, kernelStateOf } from "./kernel-state.js";
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
  const tables = EXTRA_TABLES.map((t) => planTable(t, cur.tables?.find((x) => x.table === t), desired, backend, mode));
  const foreignSets = new Set([...foreign.sets, ...tables.flatMap((t) => [...t.foreignSets])]);
  const inUse = setsInUse([...cur.chains, ...(cur.tables ?? []).flatMap((t) => t.chains)]);
  const ipsetPlan = planIpsets(cur, desired, inUse, foreignSets);

  return assembleTransaction(desired.ipVersion, backend, chainPlan, hookLines, ipsetPlan, foreign.keptChains, tables);
}

/** The plan for one table other than filter: its own `*<table> … COMMIT` block(s). */
export interface TablePlan {
  readonly table: (typeof EXTRA_TABLES)[number];
  readonly chainPlan: ChainPlan;
  readonly hookLines: readonly string[];
  readonly keptChains: ReadonlySet<string>;
  readonly foreignSets: ReadonlySet<string>;
}

/** The same owned-chain and hook planning as filter, over one other table's chains. */
function planTable(table: TablePlan["table"], cur: KernelTable | undefined, desired: DataplaneState, backend: Backend, mode: HookMode): TablePlan {
  const want: TableState = desired.tables?.find((t) => t.table === table) ?? { table, chains: [], hooks: [] };
  const curState: KernelState = { kind: "KernelState", ipVersion: desired.ipVersion, chains: cur?.chains ?? [], ipsets: [] };
  const chains = new Map(curState.chains.map((c) => [c.name, c]));
  const foreign = foreignReferences(curState, new Set(want.chains.map((c) => c.name)), table);
  const chainPlan = planChains(chains, { ...desired, chains: want.chains, hooks: want.hooks }, foreign.keptChains, backend);
  const hookLines = TABLE_KERNEL_CHAINS[table].flatMap((name) => planHooks(name, chains.get(name), want.hooks.find((h) => h.chain === name), mode));
  return { table, chainPlan, hookLines, keptChains: foreign.keptChains, foreignSets: foreign.sets };
}

/** `*<table> … COMMIT` lines for one table's plan (nft: chain deletes in a second block). */
function tableBlocks(table: string, backend: Backend, chainPlan: ChainPlan, hookLines: readonly string[]): string[] {
  const main = [...chainPlan.forwardRefs, ...chainPlan.updates, ...hookLines];
  if (backend === "nft" && chainPlan.deletes.length > 0) {
    return [...(main.length ? [`*${table}`, ...main, "COMMIT"] : []), `*${table}`, ...chainPlan.deletes, "COMMIT"];
  }
  const body = [...main, ...chainPlan.deletes];
  return body.length ? [`*${table}`, ...body, "COMMIT"] : [];
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
  tables: readonly TablePlan[] = [],
): Transaction {
  const main = [...chainPlan.forwardRefs, ...chainPlan.updates, ...hookLines];
  let iptables: string[];
  if (backend === "nft" && chainPlan.deletes.length > 0) {
    iptables = ["*filter", ...main, "COMMIT", "*filter", ...chainPlan.deletes, "COMMIT"];
  } else {
    const body = [...main, ...chainPlan.deletes];
    iptables = body.length ? ["*filter", ...body, "COMMIT"] : [];
  }
  for (const t of tables) iptables.push(...tableBlocks(t.table, backend, t.chainPlan, t.hookLines));
  const kept = [
    ...[...keptChains].sort().map((n) => `chain ${n}`),
    ...tables.flatMap((t) => [...t.keptChains].sort().map((n) => `${t.table} chain ${n}`)),
  ];
  const notes = [
    ...kept.map((n) => `${n} is not desired but a rule policy-compile does not own jumps to it; left in place`),
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
      throw new DiffError(`rule #${index} of chain ${chain} jumps to ${target}, which is not in the desired state`);
    }
    for (const set of ruleSets(text)) {
      if (isOwnedIpSet(set, desired.ipVersion) && !sets.has(set)) {
        throw new DiffError(`rule #${index} of chain ${chain} matches ipset ${set}, which is not in the desired state`);
      }
    }
  };
  for (const c of desired.chains) c.rules.forEach((r, i) => check(c.name, i, ruleText(r)));
  for (const h of desired.hooks) {
    if (!isKernelChain(h.chain)) throw new DiffError(`hook rules for ${String(h.chain)}, which is not a kernel chain of the filter table`);
    [...h.inserts, ...h.appends].forEach((r, i) => check(h.chain, i, ruleText(r)));
  }
  // Other tables: a jump resolves within its own table only.
  for (const t of desired.tables ?? []) {
    const own = new Set<string>();
    for (const c of t.chains) {
      if (!isOwnedChain(c.name)) throw new DiffError(`desired ${t.table} chain ${c.name} does not start with cali-, so policy-compile may not own it`);
      if (own.has(c.name)) throw new DiffError(`desired ${t.table} chain ${c.name} appears twice`);
      own.add(c.name);
    }
    const checkIn = (chain: string, index: number, text: string): void => {
      const target = ruleTarget(text);
      if (target !== null && isOwnedChain(target) && !own.has(target)) {
        throw new DiffError(`rule #${index} of ${t.table} chain ${chain} jumps to ${target}, which is not in the desired ${t.table} table`);
      }
      for (const set of ruleSets(text)) {
        if (isOwnedIpSet(set, desired.ipVersion) && !sets.has(set)) throw new DiffError(`rule #${index} of ${t.table} chain ${chain} matches ipset ${set}, which is not in the desired state`);
      }
    };
    for (const c of t.chains) c.rules.forEach((r, i) => checkIn(c.name, i, ruleText(r)));
    for (const h of t.hooks) {
      if (!isTableKernelChain(t.table, h.chain)) throw new DiffError(`hook rules for ${String(h.chain)}, which is not a kernel chain of the ${t.table} table`);
      [...h.inserts, ...h.appends].forEach((r, i) => checkIn(h.chain, i, ruleText(r)));
    }
  }
}

/**
 * What rules policy-compile does not own refer to: owned chains that must therefore be kept even
 * if not desired (and, transitively, the owned chains those jump to), and the sets they use.
 */
export function foreignReferences(
  cur: KernelState,
  desiredChains: { has(name: string): boolean },
  table: TablePlan["table"] | "filter" = "filter",
): { keptChains: Set<string>; sets: Set<string> } {
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
    for (const r of c.rules) if (!isTableKernelChain(table, c.name) || r.hash === null) visit(r.text);
  }
  for (let c = queue.shift(); c; c = queue.shift()) for (const r of c.rules) visit(r.text);
  return { keptChains, sets };
}

export function setsInUse(chains: readonly KernelChain[]): Set<string> {
  return new Set(chains.flatMap((c) => c.rules.flatMap((r) => ruleSets(r.text))));
}
