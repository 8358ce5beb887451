/**
 * Printing NftDataplaneStates as one `nft -f` script that creates Felix's tables in an empty
 * network namespace (felix-nftables.md §1, §5.6, §6.1, §8.4): the table, every set with its
 * elements, every chain (base chains with type, hook and priority), the verdict maps, then the
 * rules, then the map elements (which name chains that must exist by then). nft reads the file
 * as one transaction: it loads whole or not at all.
 *
 * The printed text is checked line by line before anyone can run it (assertNftText): every line
 * must be one of the command shapes printed here, with no `;`, `#`, `{`, `}` or quote that could
 * end a command, start a comment or open a block outside the places the printer puts them.
 */
import { UnsafeTokenError } from "../safe-token.js";
import type { NftChain, NftDataplaneState, NftMap, NftRule, NftSet } from "./types.js";

/** Elements per `add element` line: one line per element is slow to parse for 100k-element sets. */
export const ELEMENTS_PER_LINE = 1000;

/** `comment "cali:<hash>; <c1> <c2>"` as Felix writes it (§3.2). */
export function nftRuleComment(r: NftRule): string {
  const text = [`cali:${r.hash};`, ...r.comments].join(" ");
  return `comment "${text}"`;
}

/** The text after `add rule <family> calico <chain> `. */
export function nftRuleText(r: NftRule): string {
  return `${r.body} ${nftRuleComment(r)}`;
}

export function nftChainSpec(c: Pick<NftChain, "base">): string {
  return c.base === undefined ? "" : ` { type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority} ; }`;
}

export function nftSetSpec(s: NftSet): string {
  return ` { type ${s.type} ;${s.interval ? " flags interval ;" : ""} }`;
}

export function nftMapSpec(m: NftMap): string {
  return ` { type ${m.type} ; }`;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The lines that create one family's table from nothing. */
export function nftScriptLines(state: NftDataplaneState): string[] {
  const t = `${state.family} calico`;
  const lines = [`add table ${t}`];
  for (const s of state.sets) {
    lines.push(`add set ${t} ${s.name}${nftSetSpec(s)}`);
    for (const part of chunks(s.elements, ELEMENTS_PER_LINE)) lines.push(`add element ${t} ${s.name} { ${part.join(", ")} }`);
  }
  for (const c of state.chains) lines.push(`add chain ${t} ${c.name}${nftChainSpec(c)}`);
  for (const m of state.maps) lines.push(`add map ${t} ${m.name}${nftMapSpec(m)}`);
  for (const c of state.chains) for (const r of c.rules) lines.push(`add rule ${t} ${c.name} ${nftRuleText(r)}`);
  for (const m of state.maps) {
    for (const part of chunks(m.elements, ELEMENTS_PER_LINE)) {
      lines.push(`add element ${t} ${m.name} { ${part.map((e) => `${e.key} : ${e.verdict}`).join(", ")} }`);
    }
  }
  return lines;
}

/** One script for the given families (IPv4 first), checked before it is returned. */
export function renderNftScript(states: readonly NftDataplaneState[]): string {
  const ordered = [...states].sort((a, b) => a.ipVersion - b.ipVersion);
  const lines = ordered.flatMap(nftScriptLines);
  return assertNftText(lines.length === 0 ? "" : `${lines.join("\n")}\n`);
}

// The whole-text check.

/** A chain, set or map name: what Felix's names are made of; nft's limit is 255 bytes (§2.2). */
const NAME = "[A-Za-z0-9_][A-Za-z0-9_./:*-]{0,254}";
const FAMILY = "(ip|ip6) calico";
/** Inside `{ … }` of an element line: addresses, prefixes, concatenations, `ifname : goto chain`. */
const ELEMENT_LIST = "\\{ [A-Za-z0-9_.:/*, -]+( : (goto|jump) [A-Za-z0-9_./:-]+(, [A-Za-z0-9_.:/*-]+ : (goto|jump) [A-Za-z0-9_./:-]+)*)? \\}";
const NFT_LINE = new RegExp(
  [
    `^(add|delete|flush) table ${FAMILY}$`,
    `^add chain ${FAMILY} ${NAME}( \\{ type (filter|nat|route) hook (prerouting|input|forward|output|postrouting) priority -?\\d+ ; \\})?$`,
    `^(flush|delete) chain ${FAMILY} ${NAME}$`,
    `^add set ${FAMILY} ${NAME} \\{ type (ipv4_addr|ipv6_addr)( \\. inet_proto \\. inet_service)? ;( flags interval ;)? \\}$`,
    `^add map ${FAMILY} ${NAME} \\{ type ifname : verdict ; \\}$`,
    `^(flush|delete) (set|map) ${FAMILY} ${NAME}$`,
    `^(add|delete) element ${FAMILY} ${NAME} ${ELEMENT_LIST}$`,
    `^(add|insert) rule ${FAMILY} ${NAME} .+$`,
    `^replace rule ${FAMILY} ${NAME} handle \\d+ .+$`,
    `^delete rule ${FAMILY} ${NAME} handle \\d+$`,
  ].join("|"),
);

/**
 * The only double-quoted strings a line may hold: a comment or log prefix in escapeComment's
 * alphabet (plus `;`), or an interface name nft's lexer would split (`iifname "eth0.100"`, `*`
 * for a prefix).
 */
const QUOTED = /"[\w @%+=:;,./|*-]*"/g;

/** Whether `line` is one nft command of a shape policy-compile prints or plans. */
export function isSafeNftLine(line: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x1f\x7f]/.test(line) || line !== line.trim()) return false;
  if (!NFT_LINE.test(line)) return false;
  const unquoted = line.replace(QUOTED, '""');
  // Every line but a rule is fully spelled out by NFT_LINE; a rule's body is free text, so no
  // command separator, comment, escape or variable may appear outside its quoted strings.
  if (/^(add|insert|replace) rule /.test(line) && /[;#\\$`'{}]/.test(unquoted.replace(/ \{ [^{};#"]* \}/g, " ").replace(/@/g, ""))) return false;
  if ((unquoted.match(/"/g) ?? []).length % 2 !== 0) return false;
  // A quoted string is only ever a rule comment or a log prefix.
  for (const m of line.matchAll(QUOTED)) {
    const before = line.slice(0, m.index).trimEnd();
    if (!before.endsWith(" comment") && !before.endsWith(" prefix") && !/ [io]ifname( !=)?$/.test(before)) return false;
  }
  return true;
}

/** Refuses nft script text that is not a list of lines the printers generate. */
export function assertNftText(text: string): string {
  if (text === "") return text;
  if (!text.endsWith("\n")) throw new UnsafeTokenError("nft script text", text.slice(-80));
  text
    .slice(0, -1)
    .split("\n")
    .forEach((line, i) => {
      if (!isSafeNftLine(line)) throw new UnsafeTokenError(`nft script line ${i + 1}`, line);
    });
  return text;
}
