/**
 * Hand-built nftables desired states for the kernel tests and the benchmark, in Felix's layout
 * (felix-nftables.md §3.6, §6.1): filter-FORWARD → filter-cali-FORWARD → the to-workload
 * dispatch chain (a verdict map, then "Unknown interface" drop) → one filter-cali-tw-<iface>
 * chain per local pod (conntrack, mark clear, policy jump, return if accepted, end-of-tier drop)
 * → a policy chain allowing TCP to the given ports from one selector set. Written as calico.nft
 * text and read with parseNftScript, as `apply --dataplane nftables` reads a script. Hashes are
 * a digest of the chain, the previous hash and the body (Felix's chaining, not its exact bytes).
 */
import { createHash } from "node:crypto";
import { parseNftScript } from "../../../src/diff/nftables/parse-script.js";
import type { NftDataplaneState } from "../../../src/render/nftables/types.js";

export interface PodPolicy {
  readonly iface: string;
  /** TCP ports the policy allows. */
  readonly ports: readonly number[];
}

export interface TableSpec {
  readonly pods: readonly PodPolicy[];
  /** Members of the allowed-sources set (CIDRs). */
  readonly sources: readonly string[];
  /** Extra regular chains of `rulesPerChain` rules each (benchmark size). */
  readonly fillerChains?: number;
  readonly rulesPerChain?: number;
}

const SET = "cali40s-allowed-sources";

export function calicoScript(spec: TableSpec): string {
  const lines: string[] = ["add table ip calico", `add set ip calico ${SET} { type ipv4_addr ; flags interval ; }`];
  for (let i = 0; i < spec.sources.length; i += 1000) lines.push(`add element ip calico ${SET} { ${spec.sources.slice(i, i + 1000).join(", ")} }`);
  const chains = new Map<string, string[]>();
  const chain = (name: string, bodies: string[]) => chains.set(name, bodies);
  chain("filter-FORWARD", ["counter jump filter-cali-FORWARD"]);
  chain("filter-cali-FORWARD", ["oifname cali* counter jump filter-cali-to-wl-dispatch"]);
  chain("filter-cali-to-wl-dispatch", ["oifname vmap @filter-cali-to-wl-dispatch", "counter drop"]);
  for (const p of spec.pods) {
    const policy = `filter-cali-pi-np/default/allow-${p.iface}`;
    chain(policy, p.ports.length ? [`meta l4proto tcp ip saddr @${SET} tcp dport { ${p.ports.join(", ")} } counter meta mark set mark or 0x10000`] : ["continue"]);
    chain(`filter-cali-tw-${p.iface}`, [
      "ct state related,established counter accept",
      "ct state invalid counter drop",
      "counter meta mark set mark & 0xfffcffff",
      `meta mark & 0x20000 == 0 counter jump ${policy}`,
      "meta mark & 0x10000 == 0x10000 counter return",
      "meta mark & 0x20000 == 0 counter drop",
    ]);
  }
  const rules = spec.rulesPerChain ?? 20;
  for (let c = 0; c < (spec.fillerChains ?? 0); c++) chain(`filter-cali-pi-np/bench/filler-${c}`, Array.from({ length: rules }, (_, r) => `meta l4proto tcp ip saddr @${SET} tcp dport ${1000 + r} counter meta mark set mark or 0x10000`));
  for (const name of chains.keys()) lines.push(`add chain ip calico ${name}${name === "filter-FORWARD" ? " { type filter hook forward priority 0 ; }" : ""}`);
  lines.push("add map ip calico filter-cali-to-wl-dispatch { type ifname : verdict ; }");
  for (const [name, bodies] of chains) {
    let prev = name;
    for (const body of bodies) {
      prev = createHash("sha256").update(`${prev}|${body}`).digest("base64url").slice(0, 16);
      lines.push(`add rule ip calico ${name} ${body} comment "cali:${prev};"`);
    }
  }
  const elements = spec.pods.map((p) => `${p.iface} : goto filter-cali-tw-${p.iface}`);
  for (let i = 0; i < elements.length; i += 1000) lines.push(`add element ip calico filter-cali-to-wl-dispatch { ${elements.slice(i, i + 1000).join(", ")} }`);
  return `${lines.join("\n")}\n`;
}

export function calicoTable(spec: TableSpec): NftDataplaneState {
  return parseNftScript(calicoScript(spec))[0] as NftDataplaneState;
}

export const EMPTY_TABLE: NftDataplaneState = { kind: "NftDataplaneState", ipVersion: 4, family: "ip", chains: [], sets: [], maps: [] };
