/**
 * NftDataplaneState: the neutral description of what policy-compile wants in (or found in) one
 * family's `calico` nftables table (felix-nftables.md §1, §5, §6). The nftables renderer
 * produces it, `renderNftScript` prints it as one `nft -f` script, the nftables diff compares
 * two of them, and the trace walks it. Plain readonly data, sorted, so equal states are
 * byte-identical when serialized.
 *
 * Like the iptables DataplaneState, a rule keeps its body and its comments apart: Felix hashes
 * the body only (§4), so a comment-only change is never written.
 */

/** One rule as Felix writes it: `add rule <family> calico <chain> <body> comment "cali:<hash>; <comments>"`. */
export interface NftRule {
  /** 16-character Felix-compatible rule hash over `body` (§4), without `cali:` and `;`. */
  readonly hash: string;
  /**
   * The rule body as written (§3.1): match clauses joined by one space, then `counter` when the
   * rule has an action, then the action; `continue` for an empty rule.
   */
  readonly body: string;
  /** Comment strings after `cali:<hash>;`, already escaped and cut (§3.2). */
  readonly comments: readonly string[];
}

export type NftHook = "prerouting" | "input" | "forward" | "output" | "postrouting";

/** The `{ type … hook … priority … ; }` of a base chain (§1.2); the policy is always accept. */
export interface NftBaseChain {
  readonly type: "filter" | "nat" | "route";
  readonly hook: NftHook;
  /** The number written (`0`, `-100`, `110`, `-150`, `-300`). */
  readonly priority: number;
}

export interface NftChain {
  /** Final, layer-prefixed name, e.g. `filter-cali-tw-cali1234`, `filter-FORWARD`. */
  readonly name: string;
  /** Present for the 14 base chains only. */
  readonly base?: NftBaseChain;
  readonly rules: readonly NftRule[];
}

export type NftSetType =
  | "ipv4_addr"
  | "ipv6_addr"
  | "ipv4_addr . inet_proto . inet_service"
  | "ipv6_addr . inet_proto . inet_service";

export interface NftSet {
  /** e.g. `cali40s-5y5I3VdRZfDU01O--xXAPx2` (§5.1). */
  readonly name: string;
  readonly type: NftSetType;
  /**
   * `flags interval`: a selector set holding a real CIDR, named `cali41s-…` (render.ts nftSet); such
   * a set never holds overlapping members (§5.5). A selector set of host addresses only is a plain
   * set under Felix's name.
   */
  readonly interval: boolean;
  /** Elements as written, sorted: `10.65.1.0/26` (interval), `10.65.0.7`, `fd00::1` (plain), `10.65.0.7 . tcp . 8080`. */
  readonly elements: readonly string[];
}

export interface NftMapElement {
  /** An exact interface name. */
  readonly key: string;
  /** `goto <chain>` or `return`. */
  readonly verdict: string;
}

/** A verdict map (§6): `type ifname : verdict`. */
export interface NftMap {
  readonly name: string;
  readonly type: "ifname : verdict";
  /** Sorted by key. */
  readonly elements: readonly NftMapElement[];
}

export interface NftDataplaneState {
  readonly kind: "NftDataplaneState";
  readonly ipVersion: 4 | 6;
  /** `ip` for IPv4, `ip6` for IPv6; the table is always named `calico`. */
  readonly family: "ip" | "ip6";
  /** Every chain, base chains included, sorted by name. */
  readonly chains: readonly NftChain[];
  /** Sorted by name. */
  readonly sets: readonly NftSet[];
  /** Sorted by name. */
  readonly maps: readonly NftMap[];
}
