/**
 * The fixed part of the filter table (Felix's rules/static.go) for policy-compile's configuration
 * (IPv4 and IPv6 differ only in `cali-wl-to-host`'s ICMPv6 rules):
 * no IPIP/VXLAN/WireGuard/IPVS, workload interface prefix `cali`, no host endpoints. The
 * host-endpoint dispatch chains and `cali-cidr-block` are referenced by `cali-FORWARD`,
 * `cali-INPUT` and `cali-OUTPUT`, so they are emitted empty: packets fall through them.
 */
import { ACCEPT, RETURN, goto, hashRules, hashedChain, jump, rule } from "./chain.js";
import { Mark, allCalicoMarkBits, clearMark, markClear, markSingleBitSet, setMark } from "./marks.js";
import { ChainName, WORKLOAD_INTERFACE_PREFIX } from "./names.js";
import type { Chain, KernelChainHooks } from "./types.js";

export type EndpointToHostAction = "DROP" | "ACCEPT" | "RETURN";

const wildcard = `${WORKLOAD_INTERFACE_PREFIX}+`;

/**
 * ICMPv6 a workload needs from its router, accepted before workload egress policy in the IPv6
 * `cali-wl-to-host` (Felix's `ICMPv6Filter`): multicast listener query/report/done (130–132),
 * router solicitation (133), neighbour solicitation/advertisement (135, 136). Without them a
 * policy could cut a pod off from its gateway in ways nobody meant.
 */
const ICMPV6_TO_HOST = [130, 131, 132, 133, 135, 136] as const;

export function staticChains(endpointToHostAction: EndpointToHostAction, ipVersion: 4 | 6 = 4): Chain[] {
  return [
    hashedChain(ChainName.filterForward, [
      rule("", clearMark(allCalicoMarkBits & ~Mark.accept)),
      rule(markClear(Mark.accept), jump(ChainName.fromHostEndpointForward)),
      rule(`--in-interface ${wildcard}`, jump(ChainName.fromWorkloadDispatch)),
      rule(`--out-interface ${wildcard}`, jump(ChainName.toWorkloadDispatch)),
      rule("", jump(ChainName.toHostEndpointForward)),
      rule("", jump(ChainName.cidrBlock)),
    ]),
    hashedChain(ChainName.filterInput, [
      rule(`--in-interface ${wildcard}`, goto(ChainName.workloadToHost)),
      rule(markSingleBitSet(Mark.accept), ACCEPT),
      rule("", clearMark(allCalicoMarkBits)),
      rule("", jump(ChainName.fromHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT, ["Host endpoint policy accepted packet."]),
    ]),
    hashedChain(ChainName.filterOutput, [
      rule(markSingleBitSet(Mark.accept), ACCEPT),
      rule(`--out-interface ${wildcard}`, RETURN),
      rule("", clearMark(allCalicoMarkBits)),
      rule("-m conntrack ! --ctstate DNAT", jump(ChainName.toHostEndpoint)),
      rule(markSingleBitSet(Mark.accept), ACCEPT, ["Host endpoint policy accepted packet."]),
    ]),
    hashedChain(ChainName.workloadToHost, [
      ...(ipVersion === 6 ? ICMPV6_TO_HOST.map((t) => rule(`-p 58 -m icmp6 --icmpv6-type ${t}`, ACCEPT)) : []),
      rule("", jump(ChainName.fromWorkloadDispatch)),
      rule("", `--jump ${endpointToHostAction}`, ["Configured DefaultEndpointToHostAction"]),
    ]),
    hashedChain(ChainName.fromHostEndpoint, []),
    hashedChain(ChainName.toHostEndpoint, []),
    hashedChain(ChainName.fromHostEndpointForward, []),
    hashedChain(ChainName.toHostEndpointForward, []),
    hashedChain(ChainName.cidrBlock, []),
  ];
}

/**
 * The rules policy-compile owns in the kernel's filter chains (Felix's `setUpIptablesNormal`):
 * one jump inserted at the top of each, plus two rules always appended to FORWARD that accept
 * what policy accepted and mark forwarded traffic for mangle POSTROUTING.
 */
export function filterHooks(): KernelChainHooks[] {
  return [
    { chain: "INPUT", inserts: hashRules("INPUT", [rule("", jump(ChainName.filterInput))]), appends: [] },
    {
      chain: "FORWARD",
      inserts: hashRules("FORWARD", [rule("", jump(ChainName.filterForward))]),
      appends: hashRules("FORWARD*appends*", [
        rule(markSingleBitSet(Mark.accept), ACCEPT, ["Policy explicitly accepted packet."]),
        rule("", setMark(Mark.accept)),
      ]),
    },
    { chain: "OUTPUT", inserts: hashRules("OUTPUT", [rule("", jump(ChainName.filterOutput))]), appends: [] },
  ];
}
