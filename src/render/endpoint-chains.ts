/**
 * Per-endpoint chains `cali-tw-<iface>` (ingress) and `cali-fw-<iface>` (egress), laid out as
 * Felix's `endpointIptablesChain` does for a normal (filter) chain (felix-dataplane.md §3):
 * conntrack, clear the verdict bits, [fw only: drop VXLAN/IPIP from workloads], one block per
 * tier with an end-of-tier drop unless the tier's default action is Pass (or it holds only
 * staged policies), then the profiles and the final drop.
 */
import type { EndpointTier, LocalEndpoint } from "../resolve/types.js";
import { ACCEPT, DROP, NOTRACK, RETURN, irChain, jump, rule, type IrChain, type IrRule } from "./chain.js";
import { INVALID, RELATED_ESTABLISHED, type MatchTerm } from "./ir.js";
import { Mark, clearMark, markClear, markSingleBitSet } from "./marks.js";
import { IR_NAME, endpointChainName, policyChainName, profileChainName } from "./names.js";
import { groupChains, tierJumps } from "./policy-groups.js";

/** Felix's default VXLANPort. */
const VXLAN_PORT = 4789;

/**
 * One block per tier that has a policy (staged or not) for the endpoint: `Start of tier`, then a
 * jump per inlined policy or policy group (policy-groups.ts), each followed by `Return if policy
 * accepted`. `untracked` (raw-table chains) adds a NOTRACK after each jump that accepted;
 * `endOfTierDrop` is false for untracked and pre-DNAT chains, whose tiers end in Pass so that the
 * filter table's normal policy still runs. The end-of-tier drop needs an enforced policy in the
 * tier (a tier of staged policies only must not drop: calico-332.md §4.3).
 * A staged member gets no jump (policy-groups.ts skips it) and no "Return if policy accepted":
 * a tier holding only staged policies is a start-of-tier rule and nothing else.
 */
export function tierRules(tiers: readonly EndpointTier[], direction: "ingress" | "egress", untracked = false, endOfTierDrop = true): IrRule[] {
  const out: IrRule[] = [];
  for (const tier of tiers) {
    if (tier.members.length === 0) continue;
    out.push(rule([], clearMark(Mark.pass), [`Start of tier ${tier.name}`]));
    for (const j of tierJumps(tier, direction)) {
      out.push(rule(markClear(Mark.pass), jump(j.kind === "group" ? j.chain : policyChainName(direction, j.id, IR_NAME))));
      if (untracked) out.push(rule(markSingleBitSet(Mark.accept), NOTRACK));
      out.push(rule(markSingleBitSet(Mark.accept), RETURN, ["Return if policy accepted"]));
    }
    if (endOfTierDrop && tier.defaultAction !== "Pass" && tier.policies.length > 0) {
      out.push(rule(markClear(Mark.pass), DROP, [`End of tier ${tier.name}. Drop if no policies passed packet`]));
    }
  }
  return out;
}

/** The policy-group chains a workload endpoint's two chains jump to. */
export function endpointGroupChains(ep: LocalEndpoint, into: Map<string, IrChain> = new Map()): Map<string, IrChain> {
  groupChains(ep.ingressTiers, "ingress", into);
  return groupChains(ep.egressTiers, "egress", into);
}

/** `-p 17 -m multiport --destination-ports 4789` / `meta l4proto 17 udp dport { 4789 }`. */
const VXLAN: readonly MatchTerm[] = [
  { kind: "protocol", protocol: 17 },
  { kind: "ports", side: "dst", ports: [{ first: VXLAN_PORT, last: VXLAN_PORT }] },
];

export function endpointChain(ep: LocalEndpoint, direction: "ingress" | "egress"): IrChain {
  const rules: IrRule[] = [
    rule(RELATED_ESTABLISHED, ACCEPT),
    rule(INVALID, DROP),
    rule([], clearMark(Mark.accept | Mark.pass)),
  ];
  if (direction === "egress") {
    rules.push(
      rule(VXLAN, DROP, ["Drop VXLAN encapped packets originating in workloads"]),
      rule({ kind: "protocol", protocol: 4 }, DROP, ["Drop IPinIP encapped packets originating in workloads"]),
    );
  }
  rules.push(...tierRules(direction === "ingress" ? ep.ingressTiers : ep.egressTiers, direction));
  for (const profile of ep.profiles) {
    rules.push(rule([], jump(profileChainName(direction, profile, IR_NAME))));
    rules.push(rule(markSingleBitSet(Mark.accept), RETURN, ["Return if profile accepted"]));
  }
  rules.push(rule([], DROP, ["Drop if no profiles matched"]));
  return irChain(endpointChainName(direction, ep.interfaceName, IR_NAME), rules);
}
