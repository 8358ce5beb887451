/**
 * NftKernelState: what was read back from one family's `calico` table (felix-nftables.md §8.3),
 * the "current" side of the nftables diff. The whole table is policy-compile's (§2.4): every
 * chain, set and map in it is either desired or deleted, so unlike the iptables KernelState
 * there is nothing foreign to keep. Nothing outside the table is ever read for writing.
 *
 * A rule is known by its hash (the text of its comment before the first `;`, minus `cali:`;
 * `""` when it has none) and its handle: nft prints rules normalised, so bodies are never
 * compared (§10 pitfall 3). A handle is null when the rule's handle is not known (a state
 * computed from a desired state, or a rule this process appended and has not read back since).
 */
import type { NftBaseChain, NftDataplaneState, NftMapElement, NftSet, NftSetType } from "../../render/nftables/types.js";
import { formatCidr, parseCidr } from "../../model/cidr.js";
import { normalizeMember } from "../members.js";

export interface NftKernelRule {
  readonly hash: string;
  readonly handle: number | null;
}

export interface NftKernelChain {
  readonly name: string;
  readonly base?: NftBaseChain;
  readonly rules: readonly NftKernelRule[];
}

export interface NftKernelSet {
  readonly name: string;
  /** The type as nft reports it, joined with ` . ` for concatenations (may be foreign to NftSetType). */
  readonly type: string;
  readonly interval: boolean;
  /** Canonical elements (nftElement), in the order read. */
  readonly elements: readonly string[];
}

export interface NftKernelMap {
  readonly name: string;
  /** `ifname : verdict`, or whatever else was found. */
  readonly type: string;
  readonly elements: readonly NftMapElement[];
}

export interface NftKernelState {
  readonly kind: "NftKernelState";
  readonly ipVersion: 4 | 6;
  readonly family: "ip" | "ip6";
  /** False when `<family> calico` does not exist (a missing table reads as empty, not as an error). */
  readonly exists: boolean;
  readonly chains: readonly NftKernelChain[];
  readonly sets: readonly NftKernelSet[];
  readonly maps: readonly NftKernelMap[];
  /** Objects of other kinds found in the table (`counter x`, `flowtable y`): never policy-compile's, so the table is rebuilt. */
  readonly others: readonly string[];
}

export function emptyNftKernelState(ipVersion: 4 | 6): NftKernelState {
  return { kind: "NftKernelState", ipVersion, family: ipVersion === 4 ? "ip" : "ip6", exists: false, chains: [], sets: [], maps: [], others: [] };
}

/** The kernel state a table loaded from `desired` (renderNftScript) would read back as, handles unknown. */
export function nftKernelStateOf(desired: NftDataplaneState): NftKernelState {
  return {
    kind: "NftKernelState",
    ipVersion: desired.ipVersion,
    family: desired.family,
    exists: true,
    chains: desired.chains.map((c) => ({ name: c.name, ...(c.base ? { base: c.base } : {}), rules: c.rules.map((r) => ({ hash: r.hash, handle: null })) })),
    sets: desired.sets.map((s) => ({ name: s.name, type: s.type, interval: s.interval, elements: s.elements.map((e) => nftElement(s, e)) })),
    maps: desired.maps.map((m) => ({ name: m.name, type: m.type, elements: m.elements })),
    others: [],
  };
}

/**
 * One set element in canonical form, so that what nft prints compares equal to what was
 * written (§5.3): in an interval set a bare address is a /32 (/128) and host bits are masked;
 * in a plain address set an address is bare; a concatenation is `addr . proto . port` with the
 * address canonical. Anything that does not parse is kept as it is (and so differs, and is
 * replaced).
 */
export function nftElement(set: { readonly type: string; readonly interval: boolean }, element: string): string {
  if (set.interval) return normalizeMember("hash:net", element);
  if (set.type === "ipv4_addr" || set.type === "ipv6_addr") return bareAddress(element.trim());
  const parts = element.split(" . ").map((p) => p.trim());
  if (parts.length === 3) return `${bareAddress(parts[0] as string)} . ${(parts[1] as string).toLowerCase()} . ${parts[2] as string}`;
  return element.trim();
}

function bareAddress(text: string): string {
  const c = parseCidr(text, true);
  if (!c || c.prefix !== (c.version === 4 ? 32 : 128)) return text;
  const s = formatCidr(c);
  return s.slice(0, s.lastIndexOf("/"));
}

/** The type of a desired set as nft reports it (for comparing against a read-back set). */
export function sameSetDefinition(a: Pick<NftSet, "type" | "interval">, b: { readonly type: string; readonly interval: boolean }): boolean {
  return a.type === b.type && a.interval === b.interval;
}

export type { NftSetType };
