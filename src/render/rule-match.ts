/**
 * The match part of one policy rule (Felix's `CalculateRuleMatch`, felix-dataplane.md §4.2,
 * felix-nftables.md §3.5) as IR terms: positive matches first, then negated ones, each group in
 * the fixed order protocol, source net, source ipsets, source ports, source named port,
 * destination net, destination ipsets, destination ports, destination named port, ICMP.
 */
import type { PortRange, ResolvedRule } from "../resolve/types.js";
import type { MatchTerm, Side } from "./ir.js";
import { safeToken } from "./safe-token.js";

export type { Side };

export const protocolTerm = (protocol: ResolvedRule["protocol"] & {}, negated = false): MatchTerm => ({ kind: "protocol", protocol, negated });
export const portsTerm = (side: Side, ports: readonly PortRange[], negated = false): MatchTerm => ({ kind: "ports", side, ports, negated });
// Tokens from input are checked where they enter the IR (so a refusal points at the resource
// being rendered), and again by each printer.
export const netTerm = (side: Side, cidr: string, negated = false): MatchTerm => ({ kind: "net", side, cidr: safeToken("network", cidr), negated });
export const ipSetTerm = (side: Side, set: string, negated = false): MatchTerm => ({ kind: "ipSet", side, set: safeToken("ipset name", set), negated });
export const ipPortSetTerm = (side: Side, set: string, negated = false): MatchTerm => ({ kind: "ipPortSet", side, set: safeToken("ipset name", set), negated });

/**
 * Splits a port list into multiport-sized groups: 15 slots, a range takes 2 (Felix's
 * `SplitPortList`; kept in nftables mode too, felix-nftables.md §3.5).
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

/** Match terms for what is left of a rule after match blocks took their part. */
export function ruleMatchTerms(r: ResolvedRule): MatchTerm[] {
  const m: MatchTerm[] = [];
  const v6 = r.ipVersion === 6;
  if (r.protocol !== undefined) m.push(protocolTerm(r.protocol));
  if (r.srcNets[0] !== undefined) m.push(netTerm("src", r.srcNets[0]));
  for (const s of r.srcIpSets) m.push(ipSetTerm("src", s));
  if (r.srcPorts.length > 0) m.push(portsTerm("src", r.srcPorts));
  for (const s of r.srcNamedPortIpSets) m.push(ipPortSetTerm("src", s));
  if (r.dstNets[0] !== undefined) m.push(netTerm("dst", r.dstNets[0]));
  for (const s of r.dstIpSets) m.push(ipSetTerm("dst", s));
  if (r.dstPorts.length > 0) m.push(portsTerm("dst", r.dstPorts));
  for (const s of r.dstNamedPortIpSets) m.push(ipPortSetTerm("dst", s));
  if (r.icmp) m.push({ kind: "icmp", icmp: r.icmp, v6 });

  if (r.notProtocol !== undefined) m.push(protocolTerm(r.notProtocol, true));
  if (r.notSrcNets[0] !== undefined) m.push(netTerm("src", r.notSrcNets[0], true));
  for (const s of r.notSrcIpSets) m.push(ipSetTerm("src", s, true));
  for (const split of splitPortList(r.notSrcPorts)) m.push(portsTerm("src", split, true));
  for (const s of r.notSrcNamedPortIpSets) m.push(ipPortSetTerm("src", s, true));
  if (r.notDstNets[0] !== undefined) m.push(netTerm("dst", r.notDstNets[0], true));
  for (const s of r.notDstIpSets) m.push(ipSetTerm("dst", s, true));
  for (const split of splitPortList(r.notDstPorts)) m.push(portsTerm("dst", split, true));
  for (const s of r.notDstNamedPortIpSets) m.push(ipPortSetTerm("dst", s, true));
  if (r.notICMP) m.push({ kind: "icmp", icmp: r.notICMP, v6, negated: true });
  return m;
}
