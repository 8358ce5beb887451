/**
 * Per host endpoint chains, laid out as Felix's `endpointIptablesChain` lays them out for each
 * chain type (felix-dataplane.md §3):
 *
 * | chain type | table  | conntrack | failsafe | tiers end in      | then                      |
 * |------------|--------|-----------|----------|-------------------|---------------------------|
 * | normal     | filter (allow ACCEPT), mangle egress (allow RETURN) | yes | yes | drop (unless Pass) | profiles, final drop |
 * | forward    | filter | yes       | no       | drop (unless Pass)| allow by default if no tiers at all |
 * | preDNAT    | mangle | yes       | yes      | pass              | nothing (filter decides)  |
 * | untracked  | raw    | no        | yes      | pass, NOTRACK on accept | nothing              |
 *
 * So a host endpoint with no policy and no profile drops everything but failsafe traffic to and
 * from the host, while forwarded traffic is allowed until some applyOnForward policy selects
 * the endpoint.
 */
import type { EndpointTier, LocalHostEndpoint } from "../resolve/types.js";
import { ACCEPT, DROP, RETURN, irChain, jump, rule, type IrChain, type IrRule } from "./chain.js";
import { RELATED_ESTABLISHED, INVALID } from "./ir.js";
import { tierRules } from "./endpoint-chains.js";
import { groupChains } from "./policy-groups.js";
import { Mark, clearMark, markSingleBitSet, setMark } from "./marks.js";
import { ChainName, IR_NAME, hostEndpointChainName, profileChainName } from "./names.js";

export type HostChainType = "normal" | "forward" | "preDNAT" | "untracked";
type Dir = "ingress" | "egress";

interface ChainSpec {
  readonly type: HostChainType;
  readonly direction: Dir;
  readonly tiers: readonly EndpointTier[];
  /** Forward chains: whether any forward tier exists, in either direction. */
  readonly anyTiers: boolean;
  readonly profiles: readonly string[];
  readonly allow: "ACCEPT" | "RETURN";
}

function conntrackRules(allow: ChainSpec["allow"]): IrRule[] {
  const out: IrRule[] = [];
  // Felix marks the packet accepted first when the allow action does not end processing.
  if (allow !== "ACCEPT") out.push(rule(RELATED_ESTABLISHED, setMark(Mark.accept)));
  out.push(rule(RELATED_ESTABLISHED, allow === "ACCEPT" ? ACCEPT : RETURN));
  out.push(rule(INVALID, DROP));
  return out;
}

function hostChain(iface: string, spec: ChainSpec): IrChain {
  const rules: IrRule[] = [];
  if (spec.type !== "untracked") rules.push(...conntrackRules(spec.allow));
  if (spec.type !== "forward") rules.push(rule([], jump(spec.direction === "ingress" ? ChainName.failsafeIn : ChainName.failsafeOut)));
  rules.push(rule([], clearMark(Mark.accept | Mark.pass)));
  rules.push(...tierRules(spec.tiers, spec.direction, spec.type === "untracked", spec.type === "normal" || spec.type === "forward"));
  if (spec.type === "forward" && !spec.anyTiers) {
    rules.push(rule([], setMark(Mark.accept), ["Allow forwarded traffic by default"]));
    rules.push(rule([], RETURN, ["Return for accepted forward traffic"]));
  }
  if (spec.type === "normal") {
    for (const profile of spec.profiles) {
      rules.push(rule([], jump(profileChainName(spec.direction, profile, IR_NAME))));
      rules.push(rule(markSingleBitSet(Mark.accept), RETURN, ["Return if profile accepted"]));
    }
    rules.push(rule([], DROP, ["Drop if no profiles matched"]));
  }
  return irChain(hostEndpointChainName(spec.direction, iface, spec.type === "forward", IR_NAME), rules);
}

/** `cali-th-`, `cali-fh-`, `cali-thfw-`, `cali-fhfw-` for the filter table. */
export function hostFilterChains(hep: LocalHostEndpoint): IrChain[] {
  const anyForward = hep.forward.ingress.length + hep.forward.egress.length > 0;
  const common = { profiles: hep.profiles, allow: "ACCEPT" as const, anyTiers: anyForward };
  return [
    hostChain(hep.interfaceName, { ...common, type: "normal", direction: "egress", tiers: hep.normal.egress }),
    hostChain(hep.interfaceName, { ...common, type: "normal", direction: "ingress", tiers: hep.normal.ingress }),
    hostChain(hep.interfaceName, { ...common, type: "forward", direction: "egress", tiers: hep.forward.egress }),
    hostChain(hep.interfaceName, { ...common, type: "forward", direction: "ingress", tiers: hep.forward.ingress }),
  ];
}

/** mangle `cali-th-<iface>`: normal egress policy for host traffic that was DNAT'd (allow = RETURN). */
export function hostMangleEgressChain(hep: LocalHostEndpoint): IrChain {
  return hostChain(hep.interfaceName, { type: "normal", direction: "egress", tiers: hep.normal.egress, anyTiers: true, profiles: hep.profiles, allow: "RETURN" });
}

/** mangle `cali-fh-<iface>`: pre-DNAT policy (Felix's IptablesMangleAllowAction, default ACCEPT). */
export function hostMangleIngressChain(hep: LocalHostEndpoint): IrChain {
  return hostChain(hep.interfaceName, { type: "preDNAT", direction: "ingress", tiers: hep.preDNAT, anyTiers: true, profiles: [], allow: "ACCEPT" });
}

/** raw `cali-th-<iface>` and `cali-fh-<iface>`: untracked policy. */
export function hostRawChains(hep: LocalHostEndpoint): IrChain[] {
  const common = { type: "untracked" as const, anyTiers: true, profiles: [], allow: "ACCEPT" as const };
  return [
    hostChain(hep.interfaceName, { ...common, direction: "egress", tiers: hep.untracked.egress }),
    hostChain(hep.interfaceName, { ...common, direction: "ingress", tiers: hep.untracked.ingress }),
  ];
}

/** The policy-group chains a host endpoint's chains jump to, in every table (filter, mangle, raw). */
export function hostGroupChains(hep: LocalHostEndpoint, into: Map<string, IrChain> = new Map()): Map<string, IrChain> {
  for (const tiers of [hep.normal, hep.forward, hep.untracked]) {
    groupChains(tiers.ingress, "ingress", into);
    groupChains(tiers.egress, "egress", into);
  }
  return groupChains(hep.preDNAT, "ingress", into);
}
