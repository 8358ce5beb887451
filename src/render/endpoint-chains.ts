/**
 * Per-endpoint chains `cali-tw-<iface>` (ingress) and `cali-fw-<iface>` (egress), laid out as
 * Felix's `endpointIptablesChain` does for a normal (filter) chain (felix-dataplane.md §3):
 * conntrack, clear the verdict bits, [fw only: drop VXLAN/IPIP from workloads], one block per
 * tier with an end-of-tier drop unless the tier's default action is Pass (or it holds only
 * staged policies), then the profiles and the final drop.
 */
import type { EndpointTier, LocalEndpoint } from "../resolve/types.js";
import { ACCEPT, DROP, RETURN, hashedChain, jump, rule, type RuleBody } from "./chain.js";
import { Mark, clearMark, markClear, markSingleBitSet } from "./marks.js";
import { endpointChainName, policyChainName, profileChainName } from "./names.js";
import type { Chain } from "./types.js";

/** Felix's default VXLANPort. */
const VXLAN_PORT = 4789;

/**
 * One block per tier. `untracked` (raw-table chains) adds a NOTRACK after each policy that
 * accepted; `endOfTierDrop` is false for untracked and pre-DNAT chains, whose tiers end in Pass
 * so that the filter table's normal policy still runs.
 *
 * Staged policies (calico-332.md §4.3, Felix v3.32): a tier with any member, staged or not,
 * gets its "Start of tier" rule; a staged member gets no jump and no "Return if policy
 * accepted"; the end-of-tier drop needs at least one enforced policy. A tier holding only staged
 * policies is therefore a start-of-tier rule and nothing else: the packet goes on to the next
 * tier or the profiles.
 */
export function tierRules(tiers: readonly EndpointTier[], direction: "ingress" | "egress", untracked = false, endOfTierDrop = true): RuleBody[] {
  const out: RuleBody[] = [];
  for (const tier of tiers) {
    if (tier.members.length === 0) continue;
    out.push(rule("", clearMark(Mark.pass), [`Start of tier ${tier.name}`]));
    for (const id of tier.policies) {
      out.push(rule(markClear(Mark.pass), jump(policyChainName(direction, id))));
      if (untracked) out.push(rule(markSingleBitSet(Mark.accept), "--jump NOTRACK"));
      out.push(rule(markSingleBitSet(Mark.accept), RETURN, ["Return if policy accepted"]));
    }
    if (endOfTierDrop && tier.defaultAction !== "Pass" && tier.policies.length > 0) {
      out.push(rule(markClear(Mark.pass), DROP, [`End of tier ${tier.name}. Drop if no policies passed packet`]));
    }
  }
  return out;
}

export function endpointChain(ep: LocalEndpoint, direction: "ingress" | "egress"): Chain {
  const rules: RuleBody[] = [
    rule("-m conntrack --ctstate RELATED,ESTABLISHED", ACCEPT),
    rule("-m conntrack --ctstate INVALID", DROP),
    rule("", clearMark(Mark.accept | Mark.pass)),
  ];
  if (direction === "egress") {
    rules.push(
      rule(`-p 17 -m multiport --destination-ports ${VXLAN_PORT}`, DROP, ["Drop VXLAN encapped packets originating in workloads"]),
      rule("-p 4", DROP, ["Drop IPinIP encapped packets originating in workloads"]),
    );
  }
  rules.push(...tierRules(direction === "ingress" ? ep.ingressTiers : ep.egressTiers, direction));
  for (const profile of ep.profiles) {
    rules.push(rule("", jump(profileChainName(direction, profile))));
    rules.push(rule(markSingleBitSet(Mark.accept), RETURN, ["Return if profile accepted"]));
  }
  rules.push(rule("", DROP, ["Drop if no profiles matched"]));
  return hashedChain(endpointChainName(direction, ep.interfaceName), rules);
}
