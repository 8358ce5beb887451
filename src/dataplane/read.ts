/**
 * Reading the kernel's filter table and ipsets, in two sizes.
 *
 * - `readKernel`: everything (`iptables-save -t filter`, `ipset save`). Every apply starts from
 *   one, so a transaction is never planned from a stale picture (felix-dataplane.md §9.27).
 * - `readAfterWrite`: the read that verifies a write. The filter table is read whole (it is
 *   small and other writers clobber it), but of the ipsets only those the transaction wrote are
 *   read back, one `ipset save <set>` each; the others are taken from the read the transaction
 *   was planned from, which found them as desired moments ago. At 100k pods `ipset save` of every
 *   set costs more than the rest of an apply together, while a new pod touches a handful of sets.
 *   When the written sets hold most members anyway (a first apply), one `ipset save` is cheaper
 *   than many calls, and the read is a full one.
 */
import type { DataplaneState } from "../render/types.js";
import type { KernelIpSet, KernelState } from "../diff/kernel-state.js";
import { compareByName, isOwnedIpSet } from "../diff/kernel-state.js";
import { parseIptablesSave } from "../diff/parse-iptables-save.js";
import { parseIpsetSave } from "../diff/parse-ipset-save.js";
import { SaveParseError } from "../diff/errors.js";
import { transactionIpsets, type Transaction } from "../diff/transaction.js";
import type { Binaries } from "./binaries.js";
import type { CommandResult, CommandRunner } from "./runner.js";
import { StepError, toolFailure } from "./errors.js";

export interface ReadContext {
  readonly runner: CommandRunner;
  readonly bins: Binaries;
  readonly ipVersion: 4 | 6;
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

export async function readKernel(ctx: ReadContext): Promise<KernelRead> {
  const { runner, bins } = ctx;
  // Independent reads, so run them together.
  const [save, sets] = await Promise.all([runner(bins.iptablesSave, ["-t", "filter"]), runner(bins.ipset, ["save"])]);
  const chains = parsed(() => parseIptablesSave(checked(save, bins.iptablesSave).stdout));
  const ipsets = parsed(() => parseIpsetSave(checked(sets, `${bins.ipset} save`).stdout, (name) => isOwnedIpSet(name, ctx.ipVersion)));
  return { state: { kind: "KernelState", ipVersion: ctx.ipVersion, chains, ipsets }, complete: true };
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

  const [save, ...sets] = await Promise.all([
    runner(bins.iptablesSave, ["-t", "filter"]),
    ...reread.map((name) => runner(bins.ipset, ["save", name])),
  ]);
  const chains = parsed(() => parseIptablesSave(checked(save, bins.iptablesSave).stdout));
  // A set that cannot be read alone (gone, renamed by someone): settle it with a full read.
  if (sets.some((r) => r.exitCode !== 0)) return readKernel(ctx);
  const fresh: KernelIpSet[] = [];
  sets.forEach((r, i) => {
    const name = reread[i] as string;
    const set = parsed(() => parseIpsetSave(r.stdout, (n) => isOwnedIpSet(n, ipVersion))).find((s) => s.name === name);
    if (set) fresh.push(set);
  });
  const replaced = new Set(written);
  const ipsets = [...before.ipsets.filter((s) => !replaced.has(s.name)), ...fresh].sort(compareByName);
  return { state: { kind: "KernelState", ipVersion, chains, ipsets }, complete: false };
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
