/**
 * The nftables printer of the rule IR (Felix's `nftables` renderer, felix-nftables.md §3–§4):
 * match terms and actions → nft rule bodies, hashed and commented as Felix v3.32 does in
 * nftables mode, in one layer (`filter`, `mangle`, `raw`) of the family's `calico` table.
 *
 * Where Felix's text is not what nft accepts, this prints what nft accepts and means the same
 * (docs/compatibility.md, nftables section):
 * - ICMP type with code (§3.3, §10 pitfall 1): `icmp type 8 icmp code 0`; negated
 *   `icmp type . icmp code != { 8 . 0 }` ("not (type 8 and code 0)", as iptables means it).
 * - Names over 255 bytes with the layer prefix (§2.2, pitfall 2): hashed to fit (nftNameLimit).
 * - Interface names with characters nft's parser splits on (`.`, `:`, `@`) are quoted.
 */
import { createHash } from "node:crypto";
import type { Protocol } from "../../model/types.js";
import type { PortRange } from "../../resolve/types.js";
import type { Action, IrChain, IrRule, MatchTerm, Side } from "../ir.js";
import { goHex, hex } from "../marks.js";
import { limitChainName } from "../names.js";
import { UnsafeTokenError, safeToken } from "../safe-token.js";
import type { NftChain, NftRule } from "./types.js";

export type Layer = "filter" | "mangle" | "raw" | "nat";

/** nft's limit on a chain, set or map name, in bytes (tested: 256 is refused). */
export const NFT_MAX_NAME = 255;

/** The nft comment limit (knftables CommentLengthMax). */
export const NFT_MAX_COMMENT = 128;

/**
 * A layer's name for an IR chain (§2.1): `<layer>-<name>` unless the name already starts with
 * the layer string; per-object names hashed so the whole name fits 255 bytes (§2.2).
 */
export function nftChainName(layer: Layer, name: string): string {
  const prefix = name.startsWith(layer) ? "" : `${layer}-`;
  const full = prefix + limitChainName(name, NFT_MAX_NAME - Buffer.byteLength(prefix));
  // Names come from input (policy ids, profile and interface names): only what nft reads as one name.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./:*-]*$/.test(full)) throw new UnsafeTokenError("nft chain name", full, undefined, "a-z A-Z 0-9 _ . / : - only");
  return full;
}

/** An ipset name as an nft set name (§5.1): every `:` becomes `-`. */
export const nftSetName = (ipsetName: string): string => safeToken("ipset name", ipsetName).replaceAll(":", "-");

/**
 * The nft name each IR set has in the table (ipset name → nft set name). A set's name depends on
 * its layout (render.ts, nftSet: a selector set holding a CIDR is `cali41s-…`); a set not in the map has
 * Felix's name (nftSetName).
 */
export type NftSetNames = ReadonlyMap<string, string>;

const NO_SET_NAMES: NftSetNames = new Map();
const setRef = (names: NftSetNames, ipsetName: string): string => names.get(ipsetName) ?? nftSetName(ipsetName);

/** The transport word for port matches (§3.3): from the rule's protocol. */
const TRANSPORT: Readonly<Record<string, string>> = { tcp: "tcp", udp: "udp", sctp: "sctp", udplite: "udplite", "6": "tcp", "17": "udp", "132": "sctp", "136": "udplite" };

const portList = (ports: readonly PortRange[]): string =>
  `{ ${ports.map((p) => (p.first === p.last ? `${p.first}` : `${p.first}-${p.last}`)).join(", ")} }`;

/** An interface name as nft reads it: bare when it is one word to nft's lexer, quoted otherwise. */
function nftInterface(name: string, wildcard: boolean): string {
  const text = `${name}${wildcard ? "*" : ""}`;
  if (!/^[A-Za-z0-9_.:@-]+$/.test(name)) throw new UnsafeTokenError("interface name", name);
  return /^[A-Za-z0-9_-]+$/.test(name) ? text : `"${text}"`;
}

const neq = (negated: boolean | undefined): string => (negated ? "!= " : "");
const addr = (side: Side): string => (side === "src" ? "saddr" : "daddr");
const port = (side: Side): string => (side === "src" ? "sport" : "dport");

/** Prints the match terms of one rule (the ports terms need the rule's protocol). */
export function nftMatch(terms: readonly MatchTerm[], family: "ip" | "ip6", layer: Layer, sets: NftSetNames = NO_SET_NAMES): string[] {
  const protocol = terms.find((t): t is Extract<MatchTerm, { kind: "protocol" }> => t.kind === "protocol" && !t.negated)?.protocol;
  return terms.map((t) => nftMatchTerm(t, family, layer, protocol, sets));
}

function nftMatchTerm(m: MatchTerm, family: "ip" | "ip6", layer: Layer, protocol: Protocol | undefined, sets: NftSetNames): string {
  switch (m.kind) {
    case "protocol":
      return `meta l4proto ${neq(m.negated)}${m.protocol}`;
    case "net":
      return `${family} ${addr(m.side)} ${neq(m.negated)}${safeToken("network", m.cidr)}`;
    case "ipSet":
      return `${family} ${addr(m.side)} ${neq(m.negated)}@${setRef(sets, m.set)}`;
    case "ipPortSet":
      return `${family} ${addr(m.side)} . meta l4proto . th ${port(m.side)} ${neq(m.negated)}@${setRef(sets, m.set)}`;
    case "ports": {
      const word = protocol === undefined ? undefined : TRANSPORT[String(protocol)];
      if (word === undefined) throw new Error(`port match without a port protocol (${String(protocol)})`);
      return `${word} ${port(m.side)} ${neq(m.negated)}${portList(m.ports)}`;
    }
    case "icmp": {
      const proto = m.v6 ? "icmpv6" : "icmp";
      if (m.icmp.code === undefined) return `${proto} type ${neq(m.negated)}${m.icmp.type}`;
      // nft rejects Felix's `icmp type 8 code 0` (§3.3): the same meaning in nft's syntax.
      if (!m.negated) return `${proto} type ${m.icmp.type} ${proto} code ${m.icmp.code}`;
      return `${proto} type . ${proto} code != { ${m.icmp.type} . ${m.icmp.code} }`;
    }
    case "mark":
      if (m.test === "bitSet") return `meta mark & ${hex(m.mask)} == ${hex(m.mask)}`;
      return `meta mark & ${hex(m.mask)} ${m.test === "clear" ? "==" : "!="} 0`;
    case "interface":
      return `${m.dir === "in" ? "iifname" : "oifname"} ${nftInterface(m.name, m.wildcard === true)}`;
    case "ctState":
      return `ct state ${m.states.map((s) => s.toLowerCase()).join(",")}`;
    case "ctDnat":
      return `ct status ${neq(m.negated)}dnat`;
    case "rpfFailed":
      return "fib saddr . mark . iif oif 0";
    case "interfaceVmap":
      return `${m.dir === "in" ? "iifname" : "oifname"} vmap @${nftChainName(layer, m.map)}`;
  }
}

/** `m XOR 0xffffffff` as an unsigned 32-bit number. */
const inverted = (m: number): number => (~m >>> 0);

export function nftAction(a: Action, layer: Layer): string {
  switch (a.kind) {
    case "accept":
    case "drop":
    case "return":
    case "notrack":
      return a.kind;
    case "jump":
    case "goto":
      return `${a.kind} ${nftChainName(layer, a.target)}`;
    case "setMark":
      return `meta mark set mark or ${hex(a.bit)}`;
    case "clearMark":
      return `meta mark set mark & ${hex(inverted(a.mask))}`;
    case "setMaskedMark":
      return `meta mark set mark & ${goHex(inverted(a.mask))} ^ ${goHex(a.mark)}`;
    case "log":
      return 'log prefix "calico-packet: " level info';
  }
}

/** The rule body (§3.1): match clauses, `counter` when there is an action, the action; `continue` when empty. */
export function nftBody(r: IrRule, family: "ip" | "ip6", layer: Layer, sets: NftSetNames = NO_SET_NAMES): string {
  const parts = nftMatch(r.match, family, layer, sets);
  if (r.action !== undefined) parts.push("counter", nftAction(r.action, layer));
  return parts.length === 0 ? "continue" : parts.join(" ");
}

/** Felix's nft rule hashes (§4): SHA-224 chained from the chain name over each body, base64url, 16 characters. */
export function nftRuleHashes(hashChainName: string, bodies: readonly string[]): string[] {
  let digest = createHash("sha224").update(hashChainName).digest();
  return bodies.map((body) => {
    digest = createHash("sha224").update(digest).update(body).digest();
    return digest.toString("base64url").slice(0, 16);
  });
}

/**
 * Comment pieces after `cali:<hash>;` (§3.2): each of n cut to ⌊(128 − len("cali:<hash>;"))/n⌋
 * characters (⌊106/n⌋ with a real hash), then the whole comment cut to 128. The pieces are
 * already escaped (escapeComment: ASCII only). `hashLength` is for the reference's test vector.
 */
export function nftComments(comments: readonly string[], hashLength = 16): string[] {
  if (comments.length === 0) return [];
  const prefix = hashLength + 6;
  const each = Math.floor((NFT_MAX_COMMENT - prefix) / comments.length);
  let room = NFT_MAX_COMMENT - prefix;
  const out: string[] = [];
  for (const c of comments) {
    if (room - 1 <= 0) break;
    const piece = c.slice(0, Math.min(each, room - 1));
    out.push(piece);
    room -= piece.length + 1;
  }
  return out;
}

export function nftRules(hashChainName: string, rules: readonly IrRule[], family: "ip" | "ip6", layer: Layer, sets: NftSetNames = NO_SET_NAMES): NftRule[] {
  const bodies = rules.map((r) => nftBody(r, family, layer, sets));
  const hashes = nftRuleHashes(hashChainName, bodies);
  return bodies.map((body, i) => ({ hash: hashes[i] ?? "", body, comments: nftComments(rules[i]?.comments ?? []) }));
}

/** An IR chain in one layer of the table. */
export function nftChain(c: IrChain, family: "ip" | "ip6", layer: Layer, sets: NftSetNames = NO_SET_NAMES): NftChain {
  const name = nftChainName(layer, c.name);
  return { name, rules: nftRules(name, c.rules, family, layer, sets) };
}
