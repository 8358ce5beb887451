/**
 * KernelState: what the diff engine knows about a live kernel's filter table and ipsets — the
 * "current" side of `diff(current, desired)`.
 *
 * Unlike a DataplaneState (which only holds what policy-compile wants), a KernelState holds
 * *everything* that was read, including other programs' chains, rules and sets, because the diff
 * must know where its own rules sit among foreign ones and must be able to prove it leaves them
 * alone. Every rule keeps its saved text: iptables-save does not print rules the way they were
 * written (felix-dataplane.md §6.2), so the text is only used to delete a rule by value from a
 * shared kernel chain, never compared with rendered text. The hash (from the rule's first
 * `cali:` comment) is what identifies a rule.
 *
 * Ownership (DESIGN.md "Ownership", felix-dataplane.md §9.7):
 * - chains whose name starts with `cali-`;
 * - ipsets whose name starts with `cali4` (IPv4 state) or `cali6` (IPv6 state);
 * - in the kernel chains INPUT, FORWARD and OUTPUT, the rules whose first comment is `cali:<hash>`.
 * Nothing else is ever written, flushed or deleted.
 */
import type { DataplaneState, KernelChainHooks, KernelChainName, TableName } from "../render/types.js";
import { ruleText } from "./rule-text.js";
import { normalizeMembers } from "./members.js";

export interface KernelRule {
  /** The 16-character hash from the rule's first comment `cali:<hash>`, or null (a foreign rule). */
  readonly hash: string | null;
  /** The rule as saved, without the leading `-A <chain> `. */
  readonly text: string;
}

export interface KernelChain {
  readonly name: string;
  /** The policy of a built-in chain (`ACCEPT`, `DROP`); null for user-defined chains. */
  readonly policy: string | null;
  /** In kernel order. */
  readonly rules: readonly KernelRule[];
}

export interface KernelIpSet {
  readonly name: string;
  /** `hash:net`, `hash:ip,port`, or whatever another program created. */
  readonly type: string;
  readonly family: "inet" | "inet6" | null;
  readonly maxelem: number | null;
  /** The other `create` options as saved (hashsize, bucketsize, ...); kept for foreign sets. */
  readonly options: readonly string[];
  /** Sorted. Members of owned sets are canonical (`10.0.0.5/32`, `10.0.0.1,tcp:80`). */
  readonly members: readonly string[];
}

/** Every chain of one other table (mangle, raw), sorted by name; the same ownership rules as filter. */
export interface KernelTable {
  readonly table: Exclude<TableName, "filter">;
  readonly chains: readonly KernelChain[];
}

export interface KernelState {
  readonly kind: "KernelState";
  readonly ipVersion: 4 | 6;
  /** Every chain of the filter table, sorted by name. */
  readonly chains: readonly KernelChain[];
  /** Every ipset, sorted by name. */
  readonly ipsets: readonly KernelIpSet[];
  /**
   * The mangle and raw tables, when they were read (sorted by table name). Absent means "not
   * read": the diff then treats them as holding nothing of ours, so a reader that can meet
   * host endpoint state must read them (the Dataplane always does).
   */
  readonly tables?: readonly KernelTable[];
}

/** The kernel chains of each table (felix-dataplane.md §1.1). */
export const TABLE_KERNEL_CHAINS: Readonly<Record<TableName, readonly KernelChainName[]>> = {
  filter: ["FORWARD", "INPUT", "OUTPUT"],
  mangle: ["FORWARD", "INPUT", "OUTPUT", "POSTROUTING", "PREROUTING"],
  raw: ["OUTPUT", "PREROUTING"],
};

export const EXTRA_TABLES = ["mangle", "raw"] as const;

export function isTableKernelChain(table: TableName, name: string): boolean {
  return (TABLE_KERNEL_CHAINS[table] as readonly string[]).includes(name);
}

export type HookMode = "insert" | "append";

export const OWNED_CHAIN_PREFIX = "cali-";
export const KERNEL_CHAINS = ["FORWARD", "INPUT", "OUTPUT"] as const;

export function isOwnedChain(name: string): boolean {
  return name.startsWith(OWNED_CHAIN_PREFIX);
}

export function isKernelChain(name: string): boolean {
  return (KERNEL_CHAINS as readonly string[]).includes(name);
}

/** `cali4…` sets belong to the IPv4 state, `cali6…` sets to the IPv6 one. */
export function isOwnedIpSet(name: string, ipVersion: 4 | 6): boolean {
  return name.startsWith(ipVersion === 4 ? "cali4" : "cali6");
}

const byName = <T extends { readonly name: string }>(a: T, b: T): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * The kernel state a fresh network namespace would be in after `desired` was programmed into
 * it: owned chains, the three kernel chains holding only the hook rules (inserts then appends),
 * and the owned sets. Used for offline diffs (`diff --from --to`) and as a test oracle.
 */
export function kernelStateOf(desired: DataplaneState): KernelState {
  const chains = tableChainsOf("filter", desired.chains, desired.hooks);
  const ipsets: KernelIpSet[] = desired.ipsets.map((s) => ({
    name: s.name,
    type: s.type,
    family: s.family,
    maxelem: s.maxelem,
    options: [],
    members: normalizeMembers(s.type, s.members),
  }));
  const tables = desired.tables?.map((t): KernelTable => ({ table: t.table, chains: tableChainsOf(t.table, t.chains, t.hooks) }));
  return {
    kind: "KernelState",
    ipVersion: desired.ipVersion,
    chains,
    ipsets: ipsets.sort(byName),
    ...(tables && tables.length > 0 && { tables }),
  };
}

/** Owned chains plus the table's kernel chains holding only the hook rules (inserts then appends). */
function tableChainsOf(table: TableName, owned: DataplaneState["chains"], hooks: readonly KernelChainHooks[]): KernelChain[] {
  const chains: KernelChain[] = owned.map((c) => ({
    name: c.name,
    policy: null,
    rules: c.rules.map((r) => ({ hash: r.hash, text: ruleText(r) })),
  }));
  for (const name of TABLE_KERNEL_CHAINS[table]) {
    const h = hooks.find((x) => x.chain === name);
    const rules = h ? [...h.inserts, ...h.appends] : [];
    chains.push({ name, policy: "ACCEPT", rules: rules.map((r) => ({ hash: r.hash, text: ruleText(r) })) });
  }
  return chains.sort(byName);
}

/** A KernelState with nothing in it but the empty kernel chains (a fresh network namespace). */
export function emptyKernelState(ipVersion: 4 | 6 = 4): KernelState {
  return {
    kind: "KernelState",
    ipVersion,
    chains: KERNEL_CHAINS.map((name) => ({ name, policy: "ACCEPT", rules: [] })),
    ipsets: [],
  };
}

export { byName as compareByName };
