/**
 * DataplaneState: the neutral description of what policy-compile wants in (or found in) one
 * kernel's filter table and ipsets. The renderer produces it, `renderRestore` prints it, the
 * diff engine compares two of them. Plain readonly data, sorted, so equal states are
 * byte-identical when serialized.
 *
 * A rule is kept in fragments rather than as one string because Felix's rule hash is computed
 * over the *append rendering* `-A <chain> HASH [-m comment --comment "<c>"]... <match> <action>`
 * and the hash comment is always the first match (felix-dataplane.md §4.5, §6.1).
 */

export interface IptRule {
  /** 16-character Felix-compatible rule hash (without the `cali:` prefix). */
  readonly hash: string;
  /** User comments after the hash comment, already escaped and truncated. */
  readonly comments: readonly string[];
  /** Match fragment, e.g. `-p tcp -m multiport --destination-ports 80`; "" for none. */
  readonly match: string;
  /** Action fragment, e.g. `--jump ACCEPT`, `--goto cali-tw-x`; "" for a comment-only rule. */
  readonly action: string;
}

export interface Chain {
  readonly name: string;
  readonly rules: readonly IptRule[];
}

/** Kernel chains policy-compile hooks into: the filter table's three, and PREROUTING/POSTROUTING of mangle and raw. */
export type KernelChainName = "INPUT" | "FORWARD" | "OUTPUT" | "PREROUTING" | "POSTROUTING";

/** The iptables tables policy-compile writes. A DataplaneState's own chains/hooks are the filter table. */
export type TableName = "filter" | "mangle" | "raw";

/**
 * A table other than filter: mangle (pre-DNAT host endpoint policy, and host endpoint egress
 * policy for DNAT'd host traffic) or raw (untracked policy). Same ownership rules as filter:
 * owned chains are `cali-` chains, hooks are hash-marked rules in the kernel chains.
 */
export interface TableState {
  readonly table: Exclude<TableName, "filter">;
  /** Owned chains (prefix `cali-`), sorted by name. */
  readonly chains: readonly Chain[];
  /** Hook rules in that table's kernel chains. */
  readonly hooks: readonly KernelChainHooks[];
}

/**
 * Rules policy-compile owns inside a kernel chain. `inserts` go at the top (or after foreign
 * rules in append mode); `appends` always go at the end. Hashes of appends are computed with the
 * chain name `<chain>*appends*`.
 */
export interface KernelChainHooks {
  readonly chain: KernelChainName;
  readonly inserts: readonly IptRule[];
  readonly appends: readonly IptRule[];
}

export type IpSetType = "hash:net" | "hash:ip,port";

export interface IpSet {
  /** e.g. `cali40s:5y5I3VdRZfDU01O--xXAPx2`. */
  readonly name: string;
  readonly type: IpSetType;
  readonly family: "inet" | "inet6";
  readonly maxelem: number;
  /** Canonical member strings, sorted: `10.0.0.5/32` (hash:net), `10.0.0.5,tcp:80` (hash:ip,port). */
  readonly members: readonly string[];
}

export interface DataplaneState {
  readonly kind: "DataplaneState";
  readonly ipVersion: 4 | 6;
  /** Owned chains (prefix `cali-`), sorted by name. */
  readonly chains: readonly Chain[];
  /** Hook rules in kernel chains, in the order INPUT, FORWARD, OUTPUT (only chains with hooks). */
  readonly hooks: readonly KernelChainHooks[];
  /** Owned ipsets, sorted by name. */
  readonly ipsets: readonly IpSet[];
  /** mangle/raw tables, only when something is rendered into them, sorted by table name. */
  readonly tables?: readonly TableState[];
}
