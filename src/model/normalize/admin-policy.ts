/**
 * AdminNetworkPolicy / BaselineAdminNetworkPolicy → global policies in Calico's admin tiers.
 *
 * As Calico does: every ANP becomes a global policy `kanp.adminnetworkpolicy.<name>` in tier
 * `adminnetworkpolicy` (order 1,000, default action Pass) with order = priority; the BANP becomes
 * `kbanp.baselineadminnetworkpolicy.default` in tier `baselineadminnetworkpolicy` (order
 * 10,000,000, default action Pass), so both are evaluated around the `default` tier (1,000,000)
 * where NetworkPolicies live. A Pass (rule or end of tier) continues with the next tier.
 *
 * Policies of equal priority are ordered by resolve like every other tie: by name (the
 * upstream API leaves this undefined; any fixed order is allowed, ours is by name).
 *
 * Peers and ports follow libcalico-go's ANP conversion: a `namespaces` peer is a namespaceSelector
 * alone (no pod selector, so no orchestrator term), a `pods` peer both selectors, and a `networks`
 * peer ONE rule whose nets are all its CIDRs in the order written (Calico does not split them into
 * a rule per CIDR; Felix renders several nets as one mark block). portNumber/portRange/namedPort
 * are ports, TCP when no protocol is given (a namedPort has none, so it joins the TCP rule, as in
 * Calico). Rules are protocol-major, then one per peer, with the rule's action and, when the
 * rule has a name, the annotation `name: <rule name>`.
 */
import type { AdminEgressPeerInput, AdminIngressPeerInput, AdminPortInput, AdminSpecInput, BaselineSpecInput } from "../schema/admin.js";
import { formatCidr } from "../cidr.js";
import type { LabelSelectorInput, NetworkPolicyPortInput } from "../schema/k8s.js";
import type { Action, Direction, Origin, Policy, Rule, Tier } from "../types.js";
import { k8sSelectorToCalico, peerRulesToCalico, type PeerFields } from "./k8s-policy.js";

export const ADMIN_TIER = "adminnetworkpolicy";
export const BASELINE_TIER = "baselineadminnetworkpolicy";

/** The two tiers Calico creates for the admin kinds (fixed; a user Tier cannot change them). */
export const adminTiers: readonly Tier[] = [
  { kind: "Tier", name: ADMIN_TIER, order: 1_000, defaultAction: "Pass" },
  { kind: "Tier", name: BASELINE_TIER, order: 10_000_000, defaultAction: "Pass" },
];

function portOf(p: AdminPortInput): NetworkPolicyPortInput {
  if (p.portNumber) return { protocol: p.portNumber.protocol ?? "TCP", port: p.portNumber.port };
  if (p.portRange) return { protocol: p.portRange.protocol ?? "TCP", port: p.portRange.start, endPort: p.portRange.end };
  return { protocol: "TCP", port: p.namedPort as string };
}

function peerOf(p: AdminIngressPeerInput | AdminEgressPeerInput): PeerFields {
  if (p.namespaces) return { namespaceSelector: k8sSelectorToCalico(p.namespaces, "namespace") as string, nets: [], notNets: [] };
  if (p.pods) {
    return {
      selector: k8sSelectorToCalico(p.pods.podSelector, "pod") as string,
      namespaceSelector: k8sSelectorToCalico(p.pods.namespaceSelector, "namespace") as string,
      nets: [],
      notNets: [],
    };
  }
  // The schema admits nothing else (nodes is an error), so this is `networks`.
  return { nets: ((p as AdminEgressPeerInput).networks ?? []).map(formatCidr), notNets: [] };
}

interface AdminRuleInput {
  readonly name?: string | undefined;
  readonly action: Action;
  readonly from?: readonly AdminIngressPeerInput[];
  readonly to?: readonly AdminEgressPeerInput[];
  readonly ports?: readonly AdminPortInput[];
}

function rulesOf(list: readonly AdminRuleInput[] | undefined, direction: Direction, origins: readonly (Origin | undefined)[]): Rule[] {
  return (list ?? []).flatMap((r, i) => {
    const peers = (direction === "Ingress" ? r.from : r.to) ?? [];
    const rules = peerRulesToCalico(peers.map(peerOf), r.ports?.map(portOf), direction, origins[i]);
    // Calico keeps a rule's name as the annotation `name` (AdminPolicyRuleNameLabel) on every
    // rule made from it; Felix renders it as a `name=<rule name>` comment.
    const annotations: Readonly<Record<string, string>> = r.name ? { name: r.name } : {};
    return rules.map((rule) => ({ ...rule, action: r.action, annotations }));
  });
}

function subjectSelectors(subject: AdminSpecInput["subject"]): { selector: string; namespaceSelector: string } {
  const ns: LabelSelectorInput = subject.namespaces ?? subject.pods?.namespaceSelector ?? {};
  return {
    selector: k8sSelectorToCalico(subject.pods?.podSelector, "pod") as string,
    namespaceSelector: k8sSelectorToCalico(ns, "namespace") as string,
  };
}

export function adminPolicy(
  kind: "anp" | "banp",
  name: string,
  spec: AdminSpecInput | BaselineSpecInput,
  origins: { readonly policy?: Origin; readonly ingress: readonly (Origin | undefined)[]; readonly egress: readonly (Origin | undefined)[] },
): Policy {
  const calicoName = kind === "anp" ? `kanp.${ADMIN_TIER}.${name}` : `kbanp.${BASELINE_TIER}.${name}`;
  const types: Direction[] = [];
  if ((spec.ingress?.length ?? 0) > 0) types.push("Ingress");
  if ((spec.egress?.length ?? 0) > 0) types.push("Egress");
  const { selector, namespaceSelector } = subjectSelectors(spec.subject);
  return {
    kind: "Policy",
    policyKind: "gnp",
    name: calicoName,
    id: `gnp/${calicoName}`,
    tier: kind === "anp" ? ADMIN_TIER : BASELINE_TIER,
    order: kind === "anp" ? ((spec as { priority?: number }).priority as number) : 1000,
    selector,
    namespaceSelector,
    // A policy with no rules still selects its subject (and so activates its tier, whose end
    // passes); Calico gives such a policy both types.
    types: types.length > 0 ? types : ["Ingress", "Egress"],
    ingress: rulesOf(spec.ingress, "Ingress", origins.ingress),
    egress: rulesOf(spec.egress, "Egress", origins.egress),
    doNotTrack: false,
    preDNAT: false,
    applyOnForward: false,
    ...(origins.policy ? { origin: origins.policy } : {}),
  };
}
