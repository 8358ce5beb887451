/**
 * The fixed part of the filter table (Felix's rules/static.go) for policy-compile's configuration
 * (IPv4 and IPv6 differ only in `cali-wl-to-host`'s ICMPv6 rules):
 * no IPIP/VXLAN/WireGuard/IPVS, workload interface prefix `cali`, no host endpoints. The
 * host-endpoint dispatch chains and `cali-cidr-block` are referenced by `cali-FORWARD`,
 * `cali-INPUT` and `cali-OUTPUT`, so they are emitted empty: packets fall through them.
 */
import { ACCEPT, DROP, RETURN, goto, irChain, jump, rule, type IrChain } from "./chain.js";
import { inInterface, outInterface, type Action, type MatchTerm } from "./ir.js";
import type { IrHooks } from "./iptables/print.js";
import { Mark, allCalicoMarkBits, clearMark, markClear, markSingleBitSet, setMark } from "./marks.js";
import { ChainName, WORKLOAD_INTERFACE_PREFIX } from "./names.js";

export type EndpointToHostAction = "DROP" | "ACCEPT" | "RETURN";

const fromWorkload = inInterface(WORKLOAD_INTERFACE_PREFIX, true);
const toWorkload = outInterface(WORKLOAD_INTERFACE_PREFIX, true);
const endpointToHost: Readonly<Record<EndpointToHostAction, Action>> = { DROP, ACCEPT, RETURN };

/**
 * ICMPv6 a workload needs from its router, accepted before workload egress policy in the IPv6
 * `cali-wl-to-host` (Felix's `ICMPv6Filter`): multicast listener query/report/done (130–132),
 * router solicitation (133), neighbour solicitation/advertisement (135, 136). Without them a
 * policy could cut a pod off from its gateway in ways nobody meant.
 */
const ICMPV6_TO_HOST = [130, 131, 132, 133, 135, 136] as const;

/** `-p 58 -m icmp6 --icmpv6-type T` / `meta l4proto 58 icmpv6 type T`. */
const icmpv6Type = (type: number): MatchTerm[] => [
  { kind: "protocol", protocol: 58 },
  { kind: "icmp", icmp: { type }, v6: true },
];

export function staticChains(endpointToHostAction: EndpointToHostAction, ipVersion: 4 | 6 = 4): IrChain[] {
  return [
    irChain(ChainName.filterForward, [
      rule([], clearMark(allCalicoMarkBits & ~Mark.accept)),
      rule(markClear(Mark.accept), jump(ChainName.fromHostEndpointForward)),
      rule(fromWorkload, jump(ChainName.fromWorkloadDispatch)),
      rule(toWorkload, jump(ChainName.toWorkloadDispatch)),
      rule([], jump(ChainName.toHostEndpointForward)),
      rule([], jump(ChainName.cidrBlock)),
    ]),
    irChain(ChainName.filterInput, [
      rule(fromWorkload, goto(ChainName.workloadToHost)),
      rule(markSingleBitSet(Mark.accept), ACCEPT),
      rule([], clearMark(allCalicoMarkBits)),
      rule([], jump(ChainName.fromHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT, ["Host endpoint policy accepted packet."]),
    ]),
    irChain(ChainName.filterOutput, [
      rule(markSingleBitSet(Mark.accept), ACCEPT),
      rule(toWorkload, RETURN),
      rule([], clearMark(allCalicoMarkBits)),
      rule({ kind: "ctDnat", negated: true }, jump(ChainName.toHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT, ["Host endpoint policy accepted packet."]),
    ]),
    irChain(ChainName.workloadToHost, [
      ...(ipVersion === 6 ? ICMPV6_TO_HOST.map((t) => rule(icmpv6Type(t), ACCEPT)) : []),
      rule([], jump(ChainName.fromWorkloadDispatch)),
      rule([], endpointToHost[endpointToHostAction], ["Configured DefaultEndpointToHostAction"]),
    ]),
    irChain(ChainName.fromHostEndpoint, []),
    irChain(ChainName.toHostEndpoint, []),
    irChain(ChainName.fromHostEndpointForward, []),
    irChain(ChainName.toHostEndpointForward, []),
    irChain(ChainName.cidrBlock, []),
  ];
}

/**
 * The rules policy-compile owns in the kernel's filter chains (Felix's `setUpIptablesNormal`):
 * one jump inserted at the top of each, plus two rules always appended to FORWARD that accept
 * what policy accepted and mark forwarded traffic for mangle POSTROUTING.
 */
export function filterHooks(): IrHooks[] {
  return [
    { chain: "INPUT", inserts: [rule([], jump(ChainName.filterInput))], appends: [] },
    {
      chain: "FORWARD",
      inserts: [rule([], jump(ChainName.filterForward))],
      appends: [rule(markSingleBitSet(Mark.accept), ACCEPT, ["Policy explicitly accepted packet."]), rule([], setMark(Mark.accept))],
    },
    { chain: "OUTPUT", inserts: [rule([], jump(ChainName.filterOutput))], appends: [] },
  ];
}
