/**
 * Transaction: what must run, in order, to move a kernel from its current state to the desired
 * one. Three parts, because ipsets and iptables are separate kernel subsystems with a dependency
 * between them (felix-dataplane.md §5.4, §9.20):
 *
 * 1. `ipsetsBefore` — `ipset restore` input: creates, member adds/dels, temp-set swaps. Runs
 *    first so every set a new rule matches on exists.
 * 2. `iptables` — `iptables-restore --noflush` input (`*filter … COMMIT`, one or two blocks).
 *    Atomic per block, so the filter table is either old or new, never half written.
 * 3. `ipsetsAfter` — `ipset restore` input: destroys, once no rule references the sets.
 *
 * An empty transaction (all three empty) means the kernel is already in the desired state.
 */
import { assertRestoreLines } from "../render/safe-token.js";

export type Backend = "legacy" | "nft";

export interface Transaction {
  readonly kind: "Transaction";
  readonly ipVersion: 4 | 6;
  readonly backend: Backend;
  readonly ipsetsBefore: readonly string[];
  readonly iptables: readonly string[];
  readonly ipsetsAfter: readonly string[];
  /** Things the diff deliberately left alone (e.g. a stale owned chain a foreign rule jumps to). */
  readonly notes: readonly string[];
}

export function isEmptyTransaction(tx: Transaction): boolean {
  return tx.ipsetsBefore.length === 0 && tx.iptables.length === 0 && tx.ipsetsAfter.length === 0;
}

/** Line counts, the benchmark's measure of a transaction's size. */
export function transactionSize(tx: Transaction): { readonly ipset: number; readonly iptables: number } {
  return { ipset: tx.ipsetsBefore.length + tx.ipsetsAfter.length, iptables: tx.iptables.length };
}

const text = (lines: readonly string[]): string => (lines.length ? `${lines.join("\n")}\n` : "");

/** The stdin of each of the three programs ("" when that step is skipped). */
export function transactionInputs(tx: Transaction): { ipsetsBefore: string; iptables: string; ipsetsAfter: string } {
  // The dataplane runs these: every line must be one the planners generate (render/safe-token.ts).
  assertRestoreLines("ipset", tx.ipsetsBefore);
  assertRestoreLines("iptables", tx.iptables);
  assertRestoreLines("ipset", tx.ipsetsAfter);
  return { ipsetsBefore: text(tx.ipsetsBefore), iptables: text(tx.iptables), ipsetsAfter: text(tx.ipsetsAfter) };
}

/** The transaction for people: each non-empty part under a `#` header naming the program. */
export function formatTransaction(tx: Transaction): string {
  if (isEmptyTransaction(tx)) return `# no changes\n${tx.notes.map((n) => `# note: ${n}\n`).join("")}`;
  const out: string[] = [];
  if (tx.ipsetsBefore.length) out.push("# ipset restore (before iptables)", ...tx.ipsetsBefore);
  if (tx.iptables.length) out.push(`# ${tx.ipVersion === 6 ? "ip6tables" : "iptables"}-restore --noflush (${tx.backend})`, ...tx.iptables);
  if (tx.ipsetsAfter.length) out.push("# ipset restore (after iptables)", ...tx.ipsetsAfter);
  for (const n of tx.notes) out.push(`# note: ${n}`);
  return `${out.join("\n")}\n`;
}

/** Names of the ipsets a transaction writes (creates, changes, swaps or destroys). */
export function transactionIpsets(tx: Transaction): Set<string> {
  const names = new Set<string>();
  for (const line of [...tx.ipsetsBefore, ...tx.ipsetsAfter]) {
    // `<command> <set> …`; only `swap <set> <set>` names two.
    const start = line.indexOf(" ") + 1;
    if (start === 0) continue;
    const end = line.indexOf(" ", start);
    names.add(end < 0 ? line.slice(start) : line.slice(start, end));
    if (line.startsWith("swap ") && end > 0) names.add(line.slice(end + 1).split(" ")[0] as string);
  }
  return names;
}
