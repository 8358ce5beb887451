/**
 * Failsafe rules (Felix's FailsafeInboundHostPorts / FailsafeOutboundHostPorts): ports that
 * host endpoint policy can never block, so a bad policy cannot cut a node off from SSH, BGP,
 * etcd, the API server or DHCP/DNS. Every host endpoint chain (not the forward ones) jumps to
 * `cali-failsafe-in` / `cali-failsafe-out` right after its conntrack rules.
 *
 * The raw-table copies also accept the *reverse* direction (the other list's ports as source
 * ports): raw runs before conntrack, so without them the replies of a failsafe connection could
 * fall into untracked policy and leave the connection half tracked (felix-dataplane.md §9.24).
 */
import { ACCEPT, irChain, rule, type IrChain, type IrRule } from "./chain.js";
import { ChainName } from "./names.js";
import { netTerm, portsTerm, protocolTerm } from "./rule-match.js";
import type { TableName } from "./types.js";

export interface FailsafePort {
  readonly protocol: "tcp" | "udp" | "sctp";
  readonly port: number;
  /** Optional CIDR: the remote side (source for inbound, destination for outbound). */
  readonly net?: string;
}

const p = (protocol: FailsafePort["protocol"], port: number): FailsafePort => ({ protocol, port });

/** Felix's default FailsafeInboundHostPorts: SSH, DHCP, BGP, etcd, Typha, the API server, kube-apiserver proxies. */
export const DEFAULT_FAILSAFE_INBOUND: readonly FailsafePort[] = [
  p("tcp", 22), p("udp", 68), p("tcp", 179), p("tcp", 2379), p("tcp", 2380), p("tcp", 5473), p("tcp", 6443), p("tcp", 6666), p("tcp", 6667),
];

/** Felix's default FailsafeOutboundHostPorts: DNS, DHCP, BGP, etcd, Typha, the API server. */
export const DEFAULT_FAILSAFE_OUTBOUND: readonly FailsafePort[] = [
  p("udp", 53), p("udp", 67), p("tcp", 179), p("tcp", 2379), p("tcp", 2380), p("tcp", 5473), p("tcp", 6443), p("tcp", 6666), p("tcp", 6667),
];

export interface FailsafeOptions {
  readonly inbound?: readonly FailsafePort[];
  readonly outbound?: readonly FailsafePort[];
}

const isV6 = (net: string): boolean => net.includes(":");

/** One ACCEPT per port; entries whose net is of the other IP family are left out, as Felix does. */
function portRules(ports: readonly FailsafePort[], portSide: "src" | "dst", netSide: "src" | "dst", ipVersion: 4 | 6): IrRule[] {
  return ports
    .filter((fp) => fp.net === undefined || isV6(fp.net) === (ipVersion === 6))
    .map((fp) =>
      rule(
        [protocolTerm(fp.protocol), portsTerm(portSide, [{ first: fp.port, last: fp.port }]), ...(fp.net === undefined ? [] : [netTerm(netSide, fp.net)])],
        ACCEPT,
      ),
    );
}

export function failsafeChains(table: TableName, options: FailsafeOptions = {}, ipVersion: 4 | 6 = 4): IrChain[] {
  const inbound = options.inbound ?? DEFAULT_FAILSAFE_INBOUND;
  const outbound = options.outbound ?? DEFAULT_FAILSAFE_OUTBOUND;
  const raw = table === "raw";
  return [
    irChain(ChainName.failsafeIn, [...portRules(inbound, "dst", "src", ipVersion), ...(raw ? portRules(outbound, "src", "src", ipVersion) : [])]),
    irChain(ChainName.failsafeOut, [...portRules(outbound, "dst", "dst", ipVersion), ...(raw ? portRules(inbound, "src", "dst", ipVersion) : [])]),
  ];
}
