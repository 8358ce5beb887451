/**
 * NftTransaction: what `nft -f -` must run to move one family's `calico` table from its current
 * state to the desired one. nft applies the whole input as one kernel transaction (all or
 * nothing, felix-nftables.md §8.1), so unlike the iptables path there is one part, not three.
 * An empty transaction (no lines) means the table already is in the desired state.
 */
import { assertNftText } from "../../render/nftables/script.js";

export interface NftTransaction {
  readonly kind: "NftTransaction";
  readonly ipVersion: 4 | 6;
  readonly family: "ip" | "ip6";
  readonly lines: readonly string[];
  /** Why the table is rebuilt, when it is (a set or base chain whose definition changed, a foreign object). */
  readonly notes: readonly string[];
}

export function isEmptyNftTransaction(tx: NftTransaction): boolean {
  return tx.lines.length === 0;
}

/** The stdin of `nft -f -`, checked line by line by the shared guard. */
export function nftTransactionInput(tx: NftTransaction): string {
  return assertNftText(tx.lines.length ? `${tx.lines.join("\n")}\n` : "");
}

/** The transaction for people, under a `#` header naming the program and table. */
export function formatNftTransaction(tx: NftTransaction): string {
  const notes = tx.notes.map((n) => `# note: ${n}`);
  if (isEmptyNftTransaction(tx)) return `${["# no changes", ...notes].join("\n")}\n`;
  return `${[`# nft -f - (${tx.family} calico)`, ...nftTransactionInput(tx).slice(0, -1).split("\n"), ...notes].join("\n")}\n`;
}
