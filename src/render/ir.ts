/**
 * The rule IR (Felix's `generictables`): what every chain builder in src/render produces, and
 * what each dataplane's printer turns into its own text. A rule is a list of match terms (all
 * must hold), an optional action and its comments; a chain is a name and its rules.
 *
 * The builders (rule-render.ts, static-chains.ts, endpoint-chains.ts, …) say *what* a rule
 * matches and does; iptables/print.ts says it as `-m mark --mark 0x10000/0x10000 --jump ACCEPT`,
 * nftables/print.ts as `meta mark & 0x10000 == 0x10000 counter accept`. Policy semantics, the
 * match-block expansion, the 15-slot port splits and the mark protocol are therefore written
 * once. Hashes are computed by each printer over its own text (felix-dataplane.md §6.1,
 * felix-nftables.md §4), so the IR carries none.
 *
 * Chain names in the IR are the iptables-mode names (`cali-tw-…`); the nftables printer adds
 * its layer prefix (`filter-`, `mangle-`, `raw-`) to chain names and jump/goto targets.
 */
import type { IcmpMatch, Protocol } from "../model/types.js";
import type { PortRange } from "../resolve/types.js";

export type Side = "src" | "dst";

/** One match criterion. `negated` inverts it (iptables `!`, nft `!=`). */
export type MatchTerm =
  | { readonly kind: "protocol"; readonly protocol: Protocol; readonly negated?: boolean }
  | { readonly kind: "net"; readonly side: Side; readonly cidr: string; readonly negated?: boolean }
  /** A `hash:net` set (selector, network set): `-m set --match-set X src` / `ip saddr @X`. */
  | { readonly kind: "ipSet"; readonly side: Side; readonly set: string; readonly negated?: boolean }
  /** A `hash:ip,port` set (named port): `--match-set X dst,dst` / `ip daddr . meta l4proto . th dport @X`. */
  | { readonly kind: "ipPortSet"; readonly side: Side; readonly set: string; readonly negated?: boolean }
  /** Port ranges of the rule's protocol (≤ 15 multiport slots). */
  | { readonly kind: "ports"; readonly side: Side; readonly ports: readonly PortRange[]; readonly negated?: boolean }
  /** ICMP (or, with `v6`, ICMPv6) type and optional code. */
  | { readonly kind: "icmp"; readonly icmp: IcmpMatch; readonly v6: boolean; readonly negated?: boolean }
  /** Mark tests: `bitSet` (mark & m == m), `clear` (mark & m == 0), `notClear` (mark & m != 0). */
  | { readonly kind: "mark"; readonly test: "bitSet" | "clear" | "notClear"; readonly mask: number }
  /** Interface by name; `wildcard` makes it a prefix (iptables `+`, nft `*`). */
  | { readonly kind: "interface"; readonly dir: "in" | "out"; readonly name: string; readonly wildcard?: boolean }
  | { readonly kind: "ctState"; readonly states: readonly ("RELATED" | "ESTABLISHED" | "INVALID")[] }
  /** Whether the connection was DNAT'd (iptables ctstate DNAT, nft `ct status dnat`). */
  | { readonly kind: "ctDnat"; readonly negated?: boolean }
  /** Reverse-path check failed (iptables `-m rpfilter --invert --validmark`). */
  | { readonly kind: "rpfFailed" }
  /** nftables only: dispatch through a verdict map keyed by interface name. */
  | { readonly kind: "interfaceVmap"; readonly dir: "in" | "out"; readonly map: string };

export type Action =
  | { readonly kind: "accept" }
  | { readonly kind: "drop" }
  | { readonly kind: "return" }
  | { readonly kind: "jump"; readonly target: string }
  | { readonly kind: "goto"; readonly target: string }
  | { readonly kind: "setMark"; readonly bit: number }
  | { readonly kind: "clearMark"; readonly mask: number }
  | { readonly kind: "setMaskedMark"; readonly mark: number; readonly mask: number }
  /** Felix's LOG action with the default LogPrefix `calico-packet`. */
  | { readonly kind: "log" }
  | { readonly kind: "notrack" };

export interface IrRule {
  readonly match: readonly MatchTerm[];
  /** Absent for a rule that only counts (a comment-only iptables rule, nft `continue`) or dispatches through a vmap. */
  readonly action?: Action;
  /** Comment strings, escaped as Felix escapes them (hash.ts escapeComment). */
  readonly comments: readonly string[];
}

export interface IrChain {
  /** The iptables-mode name, e.g. `cali-tw-cali1234`. */
  readonly name: string;
  readonly rules: readonly IrRule[];
}

export const ACCEPT: Action = { kind: "accept" };
export const DROP: Action = { kind: "drop" };
export const RETURN: Action = { kind: "return" };
export const NOTRACK: Action = { kind: "notrack" };
export const LOG: Action = { kind: "log" };
export const jump = (target: string): Action => ({ kind: "jump", target });
export const goto = (target: string): Action => ({ kind: "goto", target });
export const setMark = (bit: number): Action => ({ kind: "setMark", bit });
export const clearMark = (mask: number): Action => ({ kind: "clearMark", mask });
export const setMaskedMark = (mark: number, mask: number): Action => ({ kind: "setMaskedMark", mark, mask });

export const protocolIs = (protocol: Protocol): MatchTerm => ({ kind: "protocol", protocol });
export const markSingleBitSet = (bit: number): MatchTerm => ({ kind: "mark", test: "bitSet", mask: bit });
export const markClear = (mask: number): MatchTerm => ({ kind: "mark", test: "clear", mask });
export const markNotClear = (mask: number): MatchTerm => ({ kind: "mark", test: "notClear", mask });
export const inInterface = (name: string, wildcard = false): MatchTerm => ({ kind: "interface", dir: "in", name, wildcard });
export const outInterface = (name: string, wildcard = false): MatchTerm => ({ kind: "interface", dir: "out", name, wildcard });
export const RELATED_ESTABLISHED: MatchTerm = { kind: "ctState", states: ["RELATED", "ESTABLISHED"] };
export const INVALID: MatchTerm = { kind: "ctState", states: ["INVALID"] };

/** The chain a jump/goto action names, if any. */
export const actionTarget = (a: Action | undefined): string | undefined => (a?.kind === "jump" || a?.kind === "goto" ? a.target : undefined);
