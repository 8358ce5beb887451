/**
 * NodeView: everything the renderer needs to program one node, already reduced to what Felix's
 * calculation graph hands its dataplane (felix-dataplane.md §0):
 *
 * - the local workload endpoints, each with its tiers of policy ids per direction and its
 *   profiles, in Calico's evaluation order;
 * - the active policies and profiles with their rules converted the way Calico's update
 *   processors and rule scanner convert them (selectors combined and replaced by ipset names,
 *   named ports split out into `hash:ip,port` sets, rules filtered to one IP version);
 * - the ipsets those rules reference, with their members (of the view's IP family) from the
 *   whole cluster.
 *
 * It is plain readonly data and sorted, so the renderer is a pure function of it.
 */
import type { Action, IcmpMatch, Labels, PolicyKind, Protocol } from "../model/types.js";
import type { Span } from "../diagnostics/types.js";
import type { IpSet } from "../render/types.js";

/** An inclusive numeric port range (a single port has first === last). */
export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/**
 * One rule as Felix's renderer receives it (`proto.Rule` after `FilterRuleToIPVersion`):
 * selectors are already ipset names; nets are of the rendered IP version only.
 */
export interface ResolvedRule {
  readonly kind: "ResolvedRule";
  readonly action: Action;
  readonly protocol?: Protocol;
  readonly notProtocol?: Protocol;
  readonly icmp?: IcmpMatch;
  readonly notICMP?: IcmpMatch;
  readonly srcNets: readonly string[];
  readonly notSrcNets: readonly string[];
  readonly dstNets: readonly string[];
  readonly notDstNets: readonly string[];
  readonly srcPorts: readonly PortRange[];
  readonly notSrcPorts: readonly PortRange[];
  readonly dstPorts: readonly PortRange[];
  readonly notDstPorts: readonly PortRange[];
  /** `hash:net` selector sets (ipset names). */
  readonly srcIpSets: readonly string[];
  readonly notSrcIpSets: readonly string[];
  readonly dstIpSets: readonly string[];
  readonly notDstIpSets: readonly string[];
  /** `hash:ip,port` named-port sets (ipset names). */
  readonly srcNamedPortIpSets: readonly string[];
  readonly notSrcNamedPortIpSets: readonly string[];
  readonly dstNamedPortIpSets: readonly string[];
  readonly notDstNamedPortIpSets: readonly string[];
  /** Rule metadata annotations, rendered as `key=value` comments sorted by key. */
  readonly annotations: Labels;
  /** Present (6) only on rules of the IPv6 dataplane: ICMP matches render as `-m icmp6`. */
  readonly ipVersion?: 6;
}

/** Chain-naming identity of a policy: `<kind>/[<ns>/]<name>`. */
export interface ResolvedPolicy {
  readonly kind: "ResolvedPolicy";
  readonly id: string;
  readonly policyKind: PolicyKind;
  readonly name: string;
  readonly namespace?: string;
  /**
   * Present only for the directions some local endpoint uses (otherwise no chain is emitted),
   * and for both directions of a forced policy.
   */
  readonly ingress?: readonly ResolvedRule[];
  readonly egress?: readonly ResolvedRule[];
  /**
   * `AssumeNeededOnEveryNode`: the filter-table chains are programmed whether or not anything
   * jumps to them (Felix's ForceProgramming; mangle and raw copies are not forced).
   */
  readonly forced?: true;
  /** Where the policy was written, for diagnostics the renderer raises (src/render/safe-token.ts). */
  readonly span?: Span;
}

export interface ResolvedProfile {
  readonly kind: "ResolvedProfile";
  readonly name: string;
  readonly ingress: readonly ResolvedRule[];
  readonly egress: readonly ResolvedRule[];
  readonly span?: Span;
}

/** One policy of an endpoint's tier, as Felix's endpoint renderer receives it. */
export interface TierMember {
  readonly id: string;
  /**
   * The policy's selector exactly as Felix keys it (policySelectorText: namespace-scoped,
   * `pcns.`/`pcsa.` prefixed). Policy groups (felix-dataplane.md §1.4) are runs of equal
   * selectors.
   */
  readonly selector: string;
  /** A staged policy: no chain and no jump, but it keeps its tier's block and counts in group UIDs. */
  readonly staged: boolean;
}

/** A tier as seen by one endpoint in one direction. */
export interface EndpointTier {
  readonly name: string;
  readonly defaultAction: "Deny" | "Pass";
  /** The enforced (non-staged) policy ids that apply, in order. */
  readonly policies: readonly string[];
  /** Every policy that applies, staged ones included, in order. */
  readonly members: readonly TierMember[];
}

export interface LocalEndpoint {
  readonly kind: "LocalEndpoint";
  /** `<namespace>/<name>`. */
  readonly key: string;
  readonly interfaceName: string;
  /** Tiers (in tier order) that have at least one ingress policy for this endpoint. */
  readonly ingressTiers: readonly EndpointTier[];
  readonly egressTiers: readonly EndpointTier[];
  readonly profiles: readonly string[];
  readonly span?: Span;
}

/** Tiers for one host endpoint chain set, per direction (only tiers with policies in that direction). */
export interface HostEndpointTiers {
  readonly ingress: readonly EndpointTier[];
  readonly egress: readonly EndpointTier[];
}

/**
 * A host endpoint of this node, with its policies split the way Felix's calculation graph
 * splits them (felix-dataplane.md §3): untracked (doNotTrack, raw table), pre-DNAT (preDNAT,
 * mangle table, ingress only), normal (everything else, filter table; egress also in mangle for
 * DNAT'd host traffic) and forward (the normal policies with applyOnForward, filter table).
 */
export interface LocalHostEndpoint {
  readonly kind: "LocalHostEndpoint";
  readonly name: string;
  /** The interface, or Felix's key `any-interface-at-all` for the `interfaceName: *` endpoint. */
  readonly interfaceName: string;
  readonly wildcard: boolean;
  readonly normal: HostEndpointTiers;
  readonly forward: HostEndpointTiers;
  /** Ingress only: pre-DNAT policy never applies to egress. */
  readonly preDNAT: readonly EndpointTier[];
  readonly untracked: HostEndpointTiers;
  readonly profiles: readonly string[];
  readonly span?: Span;
}

export interface NodeView {
  readonly kind: "NodeView";
  readonly node: string;
  readonly ipVersion: 4 | 6;
  /** Sorted by interface name. */
  readonly endpoints: readonly LocalEndpoint[];
  /** Host endpoints of this node, sorted by interface name (absent or empty when there are none). */
  readonly hostEndpoints?: readonly LocalHostEndpoint[];
  /** Active policies, sorted by id. */
  readonly policies: readonly ResolvedPolicy[];
  /** Profiles referenced by local endpoints, sorted by name. */
  readonly profiles: readonly ResolvedProfile[];
  /** Every ipset a resolved rule references, with members; sorted by name. */
  readonly ipsets: readonly IpSet[];
}
