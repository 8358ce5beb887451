/**
 * fast-check generators of valid NftDataplaneStates: chains (a few base chains, regular chains
 * jumping only to desired regular chains), rules with hashes from a small pool (so two states
 * share heads and differ in tails), interval sets whose members never overlap within one state
 * but overlap across states (a /24 in one, /32s inside it in the other), plain and
 * concatenation sets, and a verdict map whose elements go to desired chains.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { NftChain, NftDataplaneState, NftMap, NftRule, NftSet } from "../../../src/render/nftables/types.js";
import { parseCidr, strictlyInside } from "../../../src/model/cidr.js";

const CHAIN_NAMES = ["filter-cali-tw-cali1", "filter-cali-fw-cali1", "filter-cali-tw-cali2", "filter-cali-pi-np/default/web", "filter-cali-pro-kns.default", "raw-cali-PREROUTING"];
const BASES: readonly NftChain[] = [
  { name: "filter-FORWARD", base: { type: "filter", hook: "forward", priority: 0 }, rules: [] },
  { name: "filter-INPUT", base: { type: "filter", hook: "input", priority: 0 }, rules: [] },
  { name: "raw-PREROUTING", base: { type: "filter", hook: "prerouting", priority: -300 }, rules: [] },
];
const INTERVAL_POOL = ["10.0.0.0/24", "10.0.0.1/32", "10.0.0.2/32", "10.0.1.0/24", "10.0.1.7/32", "10.1.0.0/16", "10.1.2.3/32", "192.168.0.0/30", "192.168.0.1/32"];
const PLAIN_POOL = ["10.0.0.5", "10.0.0.6", "172.16.0.1"];
const CONCAT_POOL = ["10.0.0.1 . tcp . 80", "10.0.0.1 . udp . 53", "10.0.0.2 . tcp . 8080"];
const SET_DEFS = [
  { name: "cali40s-A", type: "ipv4_addr", interval: true, pool: INTERVAL_POOL },
  { name: "cali40s-B", type: "ipv4_addr", interval: true, pool: INTERVAL_POOL },
  { name: "cali40this-host", type: "ipv4_addr", interval: false, pool: PLAIN_POOL },
  { name: "cali40n-C", type: "ipv4_addr . inet_proto . inet_service", interval: false, pool: CONCAT_POOL },
] as const;
function ruleHash(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 16);
}

/** Drop members strictly inside another chosen member (what the renderer's coalescing guarantees). */
function coalesce(members: readonly string[]): string[] {
  const cidrs = members.map((m) => parseCidr(m, true)!);
  return members.filter((_, i) => !cidrs.some((o, j) => j !== i && strictlyInside(cidrs[i]!, o))).sort();
}

const sets: fc.Arbitrary<NftSet[]> = fc
  .tuple(...SET_DEFS.map((d) => fc.option(fc.subarray([...d.pool]), { nil: undefined })))
  .map((chosen) =>
    SET_DEFS.flatMap((d, i) => {
      const members = chosen[i];
      if (members === undefined) return [];
      return [{ name: d.name, type: d.type, interval: d.interval, elements: d.interval ? coalesce(members) : [...members].sort() } as NftSet];
    }),
  );

export const nftState: fc.Arbitrary<NftDataplaneState> = fc
  .record({
    sets,
    chains: fc.subarray(CHAIN_NAMES),
    bases: fc.subarray([...BASES]),
    withMap: fc.boolean(),
    seeds: fc.array(fc.array(fc.nat(99), { maxLength: 5 }), { minLength: 12, maxLength: 12 }),
  })
  .map(({ sets, chains, bases, withMap, seeds }) => {
    const regular = [...chains].sort();
    const mapName = "filter-cali-to-wl-dispatch";
    const rulesFor = (name: string, seed: readonly number[], isBase: boolean): NftRule[] => {
      let prev = name;
      return seed.map((n, i) => {
        const choice = n % 4;
        let body = `tcp dport ${1000 + (n % 7)} counter accept`;
        if (choice === 1 && sets.length > 0) {
          const s = sets[n % sets.length]!;
          body = s.type.includes("inet_proto") ? `ip daddr . meta l4proto . th dport @${s.name} counter accept` : `ip saddr @${s.name} counter accept`;
        } else if (choice === 2 && regular.length > 0) {
          const target = regular[n % regular.length]!;
          if (target !== name || isBase) body = `counter jump ${target}`;
        } else if (choice === 3 && withMap && name === mapName) {
          body = `oifname vmap @${mapName}`;
        }
        // As Felix's: a function of the body and the hash before it (so of the position too).
        prev = ruleHash(`${prev}|${body}`);
        return { hash: prev, body, comments: n % 2 ? ["Policy x"] : [] };
      });
    };
    let s = 0;
    const chainList: NftChain[] = [...bases.map((b) => ({ ...b, rules: rulesFor(b.name, seeds[s++] ?? [], true) })), ...regular.map((name) => ({ name, rules: rulesFor(name, seeds[s++] ?? [], false) }))];
    if (withMap) chainList.push({ name: mapName, rules: [{ hash: "VMAPVMAPVMAP0000", body: `oifname vmap @${mapName}`, comments: [] }, { hash: "DROPDROPDROP0001", body: "counter drop", comments: ["Unknown interface"] }] });
    const maps: NftMap[] = withMap
      ? [{ name: mapName, type: "ifname : verdict", elements: regular.filter((c) => c.includes("-tw-")).map((c) => ({ key: c.slice(c.lastIndexOf("-") + 1), verdict: `goto ${c}` })) }]
      : [];
    return {
      kind: "NftDataplaneState",
      ipVersion: 4,
      family: "ip",
      chains: chainList.sort((a, b) => (a.name < b.name ? -1 : 1)),
      sets: [...sets].sort((a, b) => (a.name < b.name ? -1 : 1)),
      maps,
    } as NftDataplaneState;
  });
