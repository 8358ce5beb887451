/**
 * compile(model, { node }): the filter-table chains, hooks and ipsets that enforce every policy
 * on one node's workloads and host endpoints, Felix v3.32 compatible; with host endpoints also
 * the mangle and raw tables. Felix keeps one set of tables and ipsets per IP family; so does
 * compile: `ipVersion` (default 4) picks the family, and `compileBoth` gives both, the IPv6 state
 * only when IPv6 is in play. Pure: same model, same bytes.
 */
import type { Model, Rule } from "../model/types.js";
import { isIpv6 } from "../resolve/nets.js";
import { resolveNode } from "../resolve/resolve.js";
import type { HostInterface } from "../resolve/host-interfaces.js";

export type { HostInterface };
import { renderNodeIr, renderNodeView } from "./node-view.js";
import { renderNft } from "./nftables/render.js";
import type { NftDataplaneState } from "./nftables/types.js";
import type { FailsafeOptions } from "./failsafe.js";
import type { EndpointToHostAction } from "./static-chains.js";
import type { DataplaneState } from "./types.js";

export interface CompileOptions {
  /** The node whose workloads are programmed (Pod spec.nodeName / WorkloadEndpoint spec.node). */
  readonly node: string;
  /**
   * What happens to workload → host traffic after the workload's egress policy allowed it
   * (Felix's DefaultEndpointToHostAction). Default ACCEPT, as Calico's Kubernetes manifests set it
   * (Felix's own default is DROP).
   */
  readonly endpointToHostAction?: EndpointToHostAction;
  /** The IP family of the state: 4 (default) gives iptables + `cali40` sets, 6 ip6tables + `cali60`. */
  readonly ipVersion?: 4 | 6;
  /**
   * Host endpoint failsafe ports, which no policy can block (Felix's FailsafeInboundHostPorts /
   * FailsafeOutboundHostPorts). Default: Felix's lists (DEFAULT_FAILSAFE_INBOUND/OUTBOUND).
   * An empty list turns that direction's failsafe rules off.
   */
  readonly failsafe?: FailsafeOptions;
  /**
   * The node's interfaces and their addresses, which place host endpoints that give only
   * expectedIPs (resolve/host-interfaces.ts, Felix's rules). Without it such an endpoint of
   * the node is refused (PC3040).
   */
  readonly hostInterfaces?: readonly HostInterface[];
}

export function compile(model: Model, options: CompileOptions): DataplaneState {
  return renderNodeView(resolveNode(model, options.node, options.ipVersion ?? 4, options.hostInterfaces), options);
}

/** Both families' states; `v6` is present exactly when `usesIpv6(model)`. */
export interface CompiledFamilies {
  readonly v4: DataplaneState;
  readonly v6?: DataplaneState;
}

export function compileBoth(model: Model, options: Omit<CompileOptions, "ipVersion">): CompiledFamilies {
  const v4 = compile(model, { ...options, ipVersion: 4 });
  return usesIpv6(model) ? { v4, v6: compile(model, { ...options, ipVersion: 6 }) } : { v4 };
}

/**
 * compileNft: the same node in Felix's nftables mode: one family's `calico` table (`ip calico`,
 * or with `ipVersion` 6 `ip6 calico`), from the same rule IR as compile (felix-nftables.md).
 */
export function compileNft(model: Model, options: CompileOptions): NftDataplaneState {
  return renderNft(renderNodeIr(resolveNode(model, options.node, options.ipVersion ?? 4, options.hostInterfaces), options));
}

/** Both families' nft tables; `v6` (`ip6 calico`) is present exactly when `usesIpv6(model)`. */
export interface CompiledNftFamilies {
  readonly v4: NftDataplaneState;
  readonly v6?: NftDataplaneState;
}

export function compileNftBoth(model: Model, options: Omit<CompileOptions, "ipVersion">): CompiledNftFamilies {
  const v4 = compileNft(model, { ...options, ipVersion: 4 });
  return usesIpv6(model) ? { v4, v6: compileNft(model, { ...options, ipVersion: 6 }) } : { v4 };
}

/** Whether a rule is IPv6-specific (usesIpv6 below; the agent engine asks it per changed policy). */
export const ruleUsesIpv6 = (r: Rule): boolean =>
  r.ipVersion === 6 ||
  r.protocol === "icmpv6" ||
  [r.source, r.destination].some((e) => e.nets.some(isIpv6) || e.notNets.some(isIpv6));

/**
 * Whether IPv6 is in play: some endpoint, host endpoint or network set has an IPv6 address, or
 * some policy or profile rule is IPv6-specific (IPv6 nets, `ipVersion: 6`, ICMPv6). An IPv4-only
 * cluster then gets exactly the IPv4 output it always got, with no ip6tables file.
 */
export function usesIpv6(model: Model): boolean {
  return (
    model.endpoints.some((e) => e.ipNetworks.some(isIpv6)) ||
    model.hostEndpoints.some((h) => h.expectedIPs.some(isIpv6)) ||
    model.networkSets.some((n) => n.nets.some(isIpv6)) ||
    model.policies.some((p) => p.ingress.some(ruleUsesIpv6) || p.egress.some(ruleUsesIpv6)) ||
    model.profiles.some((p) => p.ingress.some(ruleUsesIpv6) || p.egress.some(ruleUsesIpv6))
  );
}
