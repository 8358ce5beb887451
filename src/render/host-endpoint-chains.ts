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
import { DROP, RETURN, hashedChain, jump, rule, type RuleBody } from "./chain.js";
import { tierRules } from "./endpoint-chains.js";
import { groupChains } from "./policy-groups.js";
import { Mark, clearMark, markSingleBitSet, setMark } from "./marks.js";
import { ChainName, hostEndpointChainName, profileChainName } from "./names.js";
import type { Chain } from "./types.js";

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

function conntrackRules(allow: ChainSpec["allow"]): RuleBody[] {
  const out: RuleBody[] = [];
  // Felix marks the packet accepted first when the allow action does not end processing.
  if (allow !== "ACCEPT") out.push(rule("-m conntrack --ctstate RELATED,ESTABLISHED", setMark(Mark.accept)));
  out.push(rule("-m conntrack --ctstate RELATED,ESTABLISHED", `--jump ${allow}`));
  out.push(rule("-m conntrack --ctstate INVALID", DROP));
  return out;
}

function hostChain(iface: string, spec: ChainSpec): Chain {
  const rules: RuleBody[] = [];
  if (spec.type !== "untracked") rules.push(...conntrackRules(spec.allow));
  if (spec.type !== "forward") rules.push(rule("", jump(spec.direction === "ingress" ? ChainName.failsafeIn : ChainName.failsafeOut)));
  rules.push(rule("", clearMark(Mark.accept | Mark.pass)));
  rules.push(...tierRules(spec.tiers, spec.direction, spec.type === "untracked", spec.type === "normal" || spec.type === "forward"));
  if (spec.type === "forward" && !spec.anyTiers) {
    rules.push(rule("", setMark(Mark.accept), ["Allow forwarded traffic by default"]));
    rules.push(rule("", RETURN, ["Return for accepted forward traffic"]));
  }
  if (spec.type === "normal") {
    for (const profile of spec.profiles) {
      rules.push(rule("", jump(profileChainName(spec.direction, profile))));
      rules.push(rule(markSingleBitSet(Mark.accept), RETURN, ["Return if profile accepted"]));
    }
    rules.push(rule("", DROP, ["Drop if no profiles matched"]));
  }
  return hashedChain(hostEndpointChainName(spec.direction, iface, spec.type === "forward"), rules);
}

/** `cali-th-`, `cali-fh-`, `cali-thfw-`, `cali-fhfw-` for the filter table. */
export function hostFilterChains(hep: LocalHostEndpoint): Chain[] {
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
export function hostMangleEgressChain(hep: LocalHostEndpoint): Chain {
  return hostChain(hep.interfaceName, { type: "normal", direction: "egress", tiers: hep.normal.egress, anyTiers: true, profiles: hep.profiles, allow: "RETURN" });
}

/** mangle `cali-fh-<iface>`: pre-DNAT policy (Felix's IptablesMangleAllowAction, default ACCEPT). */
export function hostMangleIngressChain(hep: LocalHostEndpoint): Chain {
  return hostChain(hep.interfaceName, { type: "preDNAT", direction: "ingress", tiers: hep.preDNAT, anyTiers: true, profiles: [], allow: "ACCEPT" });
}

/** raw `cali-th-<iface>` and `cali-fh-<iface>`: untracked policy. */
export function hostRawChains(hep: LocalHostEndpoint): Chain[] {
  const common = { type: "untracked" as const, anyTiers: true, profiles: [], allow: "ACCEPT" as const };
  return [
    hostChain(hep.interfaceName, { ...common, direction: "egress", tiers: hep.untracked.egress }),
    hostChain(hep.interfaceName, { ...common, direction: "ingress", tiers: hep.untracked.ingress }),
  ];
}

/** The policy-group chains a host endpoint's chains jump to, in every table (filter, mangle, raw). */
export function hostGroupChains(hep: LocalHostEndpoint, into: Map<string, Chain> = new Map()): Map<string, Chain> {
  for (const tiers of [hep.normal, hep.forward, hep.untracked]) {
    groupChains(tiers.ingress, "ingress", into);
    groupChains(tiers.egress, "egress", into);
  }
  return groupChains(hep.preDNAT, "ingress", into);
}
