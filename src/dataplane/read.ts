/**
 * Reading the kernel's filter table and ipsets, in two sizes.
 *
 * - `readKernel`: everything (`iptables-save -t filter|mangle|raw`, `ipset save`). Every apply starts from
 *   one, so a transaction is never planned from a stale picture (felix-dataplane.md §9.27).
 * - `readAfterWrite`: the read that verifies a write. The filter table is read whole (it is
 *   small and other writers clobber it), but of the ipsets only those the transaction wrote are
 *   read back, one `ipset save <set>` each; the others are taken from the read the transaction
 *   was planned from, which found them as desired moments ago. At 100k pods `ipset save` of every
 *   set costs more than the rest of an apply together, while a new pod touches a handful of sets.
 *   When the written sets hold most members anyway (a first apply), one `ipset save` is cheaper
 *   than many calls, and the read is a full one.
 * - `readWithCache` (opt-in, `DataplaneOptions.ipsetRefreshMs`): the filter table whole, and for
 *   the ipsets only `ipset list -t` (names, types, headers, entry counts; no members), checked
 *   against the sets this Dataplane last read. A set whose header or entry count differs, or
 *   that is new, is read in full; the others are taken as they were. Felix keeps its ipsets the
 *   same way (§5.4: a cache, `add` without `--exist` failing on a stale one, a periodic resync).
 *   What it cannot see: another program swapping a member for another in a set this apply does
 *   not write, until the next full read.
 */
import type { DataplaneState } from "../render/types.js";
import type { KernelIpSet, KernelState, KernelTable } from "../diff/kernel-state.js";
import { EXTRA_TABLES, compareByName, isOwnedIpSet } from "../diff/kernel-state.js";
import { parseIptablesSave } from "../diff/parse-iptables-save.js";
import { parseIpsetListTerse, parseIpsetSave } from "../diff/parse-ipset-save.js";
import { SaveParseError } from "../diff/errors.js";
import { transactionIpsets, type Transaction } from "../diff/transaction.js";
import type { Binaries } from "./binaries.js";
import type { CommandResult, CommandRunner } from "./runner.js";
import { StepError, toolFailure } from "./errors.js";
import { existingLegacyTables } from "./backend.js";

export interface ReadContext {
  readonly runner: CommandRunner;
  readonly bins: Binaries;
  readonly ipVersion: 4 | 6;
  /**
   * Legacy iptables, where reading a table creates it (`iptables-legacy-save -t raw` loads
   * iptable_raw): only the tables /proc/net/ip{,6}_tables_names lists are read, the others are
   * empty. A `diff --live` must leave the kernel as it found it.
   */
  readonly legacy?: boolean;
}

export interface KernelRead {
  readonly state: KernelState;
  /** False when some ipsets were carried over from an earlier read instead of read again. */
  readonly complete: boolean;
}

/**
 * What one extra `ipset save <set>` call costs, in members of a full `ipset save`: starting a
 * process (through `ip netns exec` in tests) is ~10 ms, about what printing and parsing 4,000
 * members takes (120k members: ~350 ms of `ipset save` plus ~120 ms of parsing).
 */
const CALL_COST_IN_MEMBERS = 4000;

/**
 * The filter table and the mangle and raw tables (host endpoint state lives there), one
 * `iptables-save -t <table>` each, run together. The other tables are always read, not only when
 * the desired state uses them, so that chains left by an earlier run are found and removed.
 */
async function readTables(ctx: ReadContext): Promise<Pick<KernelState, "chains" | "tables">> {
  const existing = ctx.legacy ? await existingLegacyTables(ctx.runner, ctx.ipVersion) : undefined;
  // No file (or no answer): the tables are unknown, so all are read as before.
  const absent = (t: string): boolean => existing !== undefined && existing !== null && t !== "filter" && !existing.includes(t);
  const empty: CommandResult = { exitCode: 0, stdout: "", stderr: "" };
  const saves = await Promise.all(["filter", ...EXTRA_TABLES].map((t) => (absent(t) ? empty : ctx.runner(ctx.bins.iptablesSave, ["-t", t]))));
  const [filter, ...others] = saves.map((r, i) => parsed(() => parseIptablesSave(checked(r, ctx.bins.iptablesSave).stdout, i === 0 ? "filter" : EXTRA_TABLES[i - 1])));
  const tables: KernelTable[] = EXTRA_TABLES.map((table, i) => ({ table, chains: others[i] ?? [] }));
  return { chains: filter ?? [], tables };
}

export async function readKernel(ctx: ReadContext): Promise<KernelRead> {
  // Independent reads, so run them together.
  const [iptables, ipsets] = await Promise.all([readTables(ctx), readAllSets(ctx)]);
  return { state: { kind: "KernelState", ipVersion: ctx.ipVersion, ...iptables, ipsets }, complete: true };
}

async function readAllSets(ctx: ReadContext): Promise<KernelIpSet[]> {
  const sets = await ctx.runner(ctx.bins.ipset, ["save"]);
  return parsed(() => parseIpsetSave(checked(sets, `${ctx.bins.ipset} save`).stdout, (name) => isOwnedIpSet(name, ctx.ipVersion)));
}

/** The kernel, trusting `known` ipsets whose `ipset list -t` header is unchanged (see above). */
export async function readWithCache(ctx: ReadContext, known: readonly KernelIpSet[]): Promise<KernelRead> {
  const { runner, bins, ipVersion } = ctx;
  const [iptables, list] = await Promise.all([readTables(ctx), runner(bins.ipset, ["list", "-t"])]);
  if (list.exitCode !== 0) return readKernel(ctx);
  const byName = new Map(known.map((s) => [s.name, s]));
  const headers = parsed(() => parseIpsetListTerse(list.stdout));
  const kept: KernelIpSet[] = [];
  const stale: { readonly name: string; readonly entries: number }[] = [];
  for (const h of headers) {
    const k = byName.get(h.name);
    if (k && k.type === h.type && k.family === h.family && k.maxelem === h.maxelem && k.members.length === h.entries) kept.push(k);
    else if (isOwnedIpSet(h.name, ipVersion)) stale.push(h);
    // Only the name, type and header of other programs' sets matter to the diff.
    else kept.push({ name: h.name, type: h.type, family: h.family, maxelem: h.maxelem, options: h.options, members: [] });
  }
  const total = headers.reduce((n, h) => n + h.entries, 0);
  const cost = stale.reduce((n, s) => n + CALL_COST_IN_MEMBERS + s.entries, 0);
  if (stale.length > 0 && cost >= total) return { state: { kind: "KernelState", ipVersion, ...iptables, ipsets: await readAllSets(ctx) }, complete: true };
  const fresh = await readSets(ctx, stale.map((s) => s.name));
  if (fresh === null) return readKernel(ctx);
  return { state: { kind: "KernelState", ipVersion, ...iptables, ipsets: [...kept, ...fresh].sort(compareByName) }, complete: false };
}

/** The named sets, one `ipset save <set>` each, concurrently; null if one could not be read. */
async function readSets(ctx: ReadContext, names: readonly string[]): Promise<KernelIpSet[] | null> {
  const results = await Promise.all(names.map((name) => ctx.runner(ctx.bins.ipset, ["save", name])));
  // A set that cannot be read alone (gone, renamed by someone): the caller settles it with a full read.
  if (results.some((r) => r.exitCode !== 0)) return null;
  const sets: KernelIpSet[] = [];
  results.forEach((r, i) => {
    const set = parsed(() => parseIpsetSave(r.stdout, (n) => isOwnedIpSet(n, ctx.ipVersion))).find((s) => s.name === names[i]);
    if (set) sets.push(set);
  });
  return sets;
}

/** The kernel after `tx`, planned from `before`, was written successfully (see above). */
export async function readAfterWrite(ctx: ReadContext, before: KernelState, tx: Transaction, desired: DataplaneState): Promise<KernelRead> {
  const { runner, bins, ipVersion } = ctx;
  const written = [...transactionIpsets(tx)].filter((name) => isOwnedIpSet(name, ipVersion));
  const wanted = new Map(desired.ipsets.map((s) => [s.name, s.members.length]));
  // Written sets that should exist now; the others were destroyed (or are spent temp sets).
  const reread = written.filter((name) => wanted.has(name)).sort();
  const total = [...wanted.values()].reduce((n, m) => n + m, 0);
  const cost = reread.reduce((n, name) => n + CALL_COST_IN_MEMBERS + (wanted.get(name) ?? 0), 0);
  if (cost >= total) return readKernel(ctx);

  const [iptables, fresh] = await Promise.all([readTables(ctx), readSets(ctx, reread)]);
  if (fresh === null) return readKernel(ctx);
  const replaced = new Set(written);
  const ipsets = [...before.ipsets.filter((s) => !replaced.has(s.name)), ...fresh].sort(compareByName);
  return { state: { kind: "KernelState", ipVersion, ...iptables, ipsets }, complete: false };
}

function checked(r: CommandResult, tool: string): CommandResult {
  if (r.exitCode !== 0) throw new StepError(toolFailure("read", tool, r.exitCode, r.stderr, ""));
  return r;
}

function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof SaveParseError) throw new StepError(toolFailure("read", e.source, 0, e.message, ""));
    throw e;
  }
}

/** An owned chain (`:cali-...`) or an owned rule (first comment `cali:<hash>`) in iptables-save output. */
const OWNED_LINE = /^:cali-|^-A \S+ .*-m comment --comment "?cali:[A-Za-z0-9_-]{16}/m;

/**
 * Whether the kernel holds anything of ours in this family (an owned ipset, chain or hook rule
 * in any table), as cheaply as it can be told: `ipset list -n` (names only) beside, on the legacy
 * backend, the kernel's list of instantiated tables (no table, nothing of ours, and iptables-save
 * is not even started, so it cannot load the ip6_tables module; only when there are tables, one
 * `iptables-save` of every table) or, on nft, one `iptables-save` of every table. For `apply` of an input without IPv6: stale IPv6 state of an
 * earlier run is found and removed, and an IPv4-only user pays two cheap calls, not a full read.
 */
export async function holdsOwned(ctx: ReadContext, backend: "legacy" | "nft"): Promise<boolean> {
  // The set names and the table list (legacy) or the save (nft) are independent: run them together.
  const tablesFile = ctx.ipVersion === 6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names";
  const [names, second] = await Promise.all([
    ctx.runner(ctx.bins.ipset, ["list", "-n"]),
    backend === "legacy" ? ctx.runner("cat", [tablesFile]) : ctx.runner(ctx.bins.iptablesSave, []),
  ]);
  const setNames = checked(names, `${ctx.bins.ipset} list -n`).stdout.split("\n");
  if (setNames.some((n) => isOwnedIpSet(n.trim(), ctx.ipVersion))) return true;
  if (backend === "nft") return OWNED_LINE.test(checked(second, ctx.bins.iptablesSave).stdout);
  // A missing file means the module is not loaded: no table exists in any namespace.
  if (second.exitCode !== 0 || second.stdout.trim() === "") return false;
  return OWNED_LINE.test(checked(await ctx.runner(ctx.bins.iptablesSave, []), ctx.bins.iptablesSave).stdout);
}
