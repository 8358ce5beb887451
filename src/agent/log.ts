/**
 * JSON-lines logs: one object per line, `{"ts":…,"level":…,"event":…,…}`, so `jq` and log
 * shippers read them as they are. `summarizeTransaction` says what an apply changed in terms a
 * reader cares about (which chains were written, which sets gained or lost members) instead of
 * the raw restore lines, which at 100k pods can be many thousands.
 */
import type { Transaction } from "../diff/transaction.js";
import type { NftTransaction } from "../diff/nftables/transaction.js";

export type LogLevel = "info" | "warn" | "error";
export type LogEntry = { readonly level: LogLevel; readonly event: string } & Readonly<Record<string, unknown>>;
export type Logger = (entry: LogEntry) => void;

/**
 * The longest string field a log line carries; longer ones keep their start and say their
 * length. Diagnostics are capped and clipped before they get here (a `diagnostics` line is
 * ~100 KB at most); this bounds whatever else a field may hold (a tool's stderr, an error that
 * quotes its input), so no single event can write a line of hundreds of megabytes again.
 */
export const MAX_LOG_FIELD = 256 * 1024;

function bounded(value: unknown): unknown {
  return typeof value === "string" && value.length > MAX_LOG_FIELD ? `${value.slice(0, MAX_LOG_FIELD)}… (${value.length} characters)` : value;
}

export function jsonLinesLogger(write: (line: string) => void, now: () => Date = () => new Date()): Logger {
  return (entry) => {
    const fields = Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, bounded(v)]));
    write(`${JSON.stringify({ ts: now().toISOString(), ...fields })}\n`);
  };
}

export interface TransactionSummary {
  /** Lines per tool: ipset and iptables restore lines, or (native nftables) `nft -f` lines. */
  readonly lines: { readonly ipset: number; readonly iptables: number; readonly nft?: number };
  /** Owned chains created, rewritten or deleted, and kernel chains whose hook rules moved. */
  readonly chains: { readonly written: readonly string[]; readonly deleted: readonly string[] };
  readonly ipsets: {
    readonly created: readonly string[];
    readonly destroyed: readonly string[];
    readonly membersAdded: number;
    readonly membersRemoved: number;
  };
}

const LIST_LIMIT = 20;

/** At most LIST_LIMIT names, then `…and N more`, so one log line stays readable. */
function capped(names: Iterable<string>): string[] {
  const all = [...new Set(names)].sort();
  return all.length <= LIST_LIMIT ? all : [...all.slice(0, LIST_LIMIT), `…and ${all.length - LIST_LIMIT} more`];
}

export function summarizeTransaction(txs: readonly Transaction[]): TransactionSummary {
  const written: string[] = [];
  const deleted: string[] = [];
  const created: string[] = [];
  const destroyed: string[] = [];
  let added = 0;
  let removed = 0;
  let ipset = 0;
  let iptables = 0;
  for (const tx of txs) {
    ipset += tx.ipsetsBefore.length + tx.ipsetsAfter.length;
    iptables += tx.iptables.length;
    for (const line of tx.iptables) {
      const m = /^(?:-[ARDI]|:) ?(\S+)/.exec(line);
      if (m?.[1]) written.push(m[1]);
      const d = /^--delete-chain (\S+)/.exec(line);
      if (d?.[1]) deleted.push(d[1]);
    }
    for (const line of [...tx.ipsetsBefore, ...tx.ipsetsAfter]) {
      const [cmd, name] = line.split(" ");
      if (cmd === "create" && name && !/^cali[46]t\d/.test(name)) created.push(name);
      else if (cmd === "destroy" && name && !/^cali[46]t\d/.test(name)) destroyed.push(name);
      else if (cmd === "add") added++;
      else if (cmd === "del") removed++;
    }
  }
  return summary({ ipset, iptables }, { written, deleted, created, destroyed, added, removed });
}

interface Tally {
  readonly written: readonly string[];
  readonly deleted: readonly string[];
  readonly created: readonly string[];
  readonly destroyed: readonly string[];
  readonly added: number;
  readonly removed: number;
}

/** A chain written and deleted in one step counts as deleted. */
function summary(lines: TransactionSummary["lines"], t: Tally): TransactionSummary {
  const gone = new Set(t.deleted);
  return {
    lines,
    chains: { written: capped(t.written.filter((c) => !gone.has(c))), deleted: capped(t.deleted) },
    ipsets: { created: capped(t.created), destroyed: capped(t.destroyed), membersAdded: t.added, membersRemoved: t.removed },
  };
}

/**
 * The same summary for `nft -f` transactions: chains whose rules were written (`add rule`,
 * `flush chain`, `delete rule`) or that were deleted, sets created or deleted, and set or map
 * elements added and removed (counted per element, as ipset members are).
 */
export function summarizeNftTransactions(txs: readonly NftTransaction[]): TransactionSummary {
  const t = { written: [] as string[], deleted: [] as string[], created: [] as string[], destroyed: [] as string[], added: 0, removed: 0 };
  const lines = txs.flatMap((tx) => tx.lines);
  for (const line of lines) {
    const m = /^(add rule|flush chain|delete rule|delete chain|add set|delete set|add element|delete element) \S+ calico (\S+)(?: \{ (.*) \})?/.exec(line);
    if (m === null) continue;
    const [, op, name, elements] = m as unknown as [string, string, string, string | undefined];
    const count = elements === undefined ? 0 : elements.split(", ").length;
    if (op === "add rule" || op === "flush chain" || op === "delete rule") t.written.push(name);
    else if (op === "delete chain") t.deleted.push(name);
    else if (op === "add set") t.created.push(name);
    else if (op === "delete set") t.destroyed.push(name);
    else if (op === "add element") t.added += count;
    else t.removed += count;
  }
  return summary({ ipset: 0, iptables: 0, nft: lines.length }, t);
}
