/**
 * The match part of one policy rule (Felix's `CalculateRuleMatch`, felix-dataplane.md §4.2):
 * positive matches first, then negated ones, each group in the fixed order protocol, source net,
 * source ipsets, source ports, source named port, destination net, destination ipsets,
 * destination ports, destination named port, ICMP.
 */
import type { IcmpMatch, Protocol } from "../model/types.js";
import type { PortRange, ResolvedRule } from "../resolve/types.js";
import { safeToken } from "./safe-token.js";

export const protocolMatch = (p: Protocol): string => `-p ${p}`;
const notProtocolMatch = (p: Protocol): string => `! -p ${p}`;

/** `80`, `8080:8090`, joined by commas (multiport syntax). */
export function multiportList(ports: readonly PortRange[]): string {
  return ports.map((p) => (p.first === p.last ? `${p.first}` : `${p.first}:${p.last}`)).join(",");
}

export type Side = "src" | "dst";

export const portsMatch = (side: Side, ports: readonly PortRange[], negated = false): string =>
  `-m multiport ${negated ? "! " : ""}--${side === "src" ? "source" : "destination"}-ports ${multiportList(ports)}`;

export const netMatch = (side: Side, cidr: string, negated = false): string =>
  `${negated ? "! " : ""}--${side === "src" ? "source" : "destination"} ${safeToken("network", cidr)}`;

export const ipSetMatch = (side: Side, name: string, negated = false): string =>
  `-m set ${negated ? "! " : ""}--match-set ${safeToken("ipset name", name)} ${side}`;

export const ipPortSetMatch = (side: Side, name: string, negated = false): string =>
  `-m set ${negated ? "! " : ""}--match-set ${safeToken("ipset name", name)} ${side},${side}`;

/** `-m icmp --icmp-type T[/C]`, or in the IPv6 dataplane `-m icmp6 --icmpv6-type T[/C]`. */
const icmpMatch = (icmp: IcmpMatch, negated: boolean, v6: boolean): string =>
  `-m ${v6 ? "icmp6" : "icmp"} ${negated ? "! " : ""}--${v6 ? "icmpv6" : "icmp"}-type ${icmp.code === undefined ? icmp.type : `${icmp.type}/${icmp.code}`}`;

/**
 * Splits a port list into multiport-sized groups: 15 slots, a range takes 2 (Felix's
 * `SplitPortList`).
 */
export function splitPortList(ports: readonly PortRange[]): PortRange[][] {
  const splits: PortRange[][] = [];
  let current: PortRange[] = [];
  let free = 15;
  for (const p of ports) {
    const need = p.first === p.last ? 1 : 2;
    if (free < need) {
      splits.push(current);
      current = [];
      free = 15;
    }
    current.push(p);
    free -= need;
  }
  if (current.length > 0) splits.push(current);
  return splits;
}

/** Match fragments for what is left of a rule after match blocks took their part. */
export function ruleMatchFragments(r: ResolvedRule): string[] {
  const m: string[] = [];
  if (r.protocol !== undefined) m.push(protocolMatch(r.protocol));
  if (r.srcNets[0] !== undefined) m.push(netMatch("src", r.srcNets[0]));
  for (const s of r.srcIpSets) m.push(ipSetMatch("src", s));
  if (r.srcPorts.length > 0) m.push(portsMatch("src", r.srcPorts));
  for (const s of r.srcNamedPortIpSets) m.push(ipPortSetMatch("src", s));
  if (r.dstNets[0] !== undefined) m.push(netMatch("dst", r.dstNets[0]));
  for (const s of r.dstIpSets) m.push(ipSetMatch("dst", s));
  if (r.dstPorts.length > 0) m.push(portsMatch("dst", r.dstPorts));
  for (const s of r.dstNamedPortIpSets) m.push(ipPortSetMatch("dst", s));
  if (r.icmp) m.push(icmpMatch(r.icmp, false, r.ipVersion === 6));

  if (r.notProtocol !== undefined) m.push(notProtocolMatch(r.notProtocol));
  if (r.notSrcNets[0] !== undefined) m.push(netMatch("src", r.notSrcNets[0], true));
  for (const s of r.notSrcIpSets) m.push(ipSetMatch("src", s, true));
  for (const split of splitPortList(r.notSrcPorts)) m.push(portsMatch("src", split, true));
  for (const s of r.notSrcNamedPortIpSets) m.push(ipPortSetMatch("src", s, true));
  if (r.notDstNets[0] !== undefined) m.push(netMatch("dst", r.notDstNets[0], true));
  for (const s of r.notDstIpSets) m.push(ipSetMatch("dst", s, true));
  for (const split of splitPortList(r.notDstPorts)) m.push(portsMatch("dst", split, true));
  for (const s of r.notDstNamedPortIpSets) m.push(ipPortSetMatch("dst", s, true));
  if (r.notICMP) m.push(icmpMatch(r.notICMP, true, r.ipVersion === 6));
  return m;
}
