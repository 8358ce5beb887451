/** `cali-pi-`/`cali-po-` policy chains and `cali-pri-`/`cali-pro-` profile chains (Felix's policy.go). */
import { isStagedPolicyKind } from "../model/policy-kinds.js";
import type { ResolvedPolicy, ResolvedProfile } from "../resolve/types.js";
import { irChain, type IrChain } from "./chain.js";
import { IR_NAME, policyChainName, policyKindName, profileChainName } from "./names.js";
import { renderRuleList } from "./rule-render.js";

/**
 * One chain per direction that some local endpoint uses; none for a staged policy (Felix v3.32's
 * PolicyToIptablesChains renders nothing for the staged kinds, calico-332.md §4.3).
 */
export function policyChains(policy: ResolvedPolicy): IrChain[] {
  if (isStagedPolicyKind(policy.policyKind)) return [];
  const qualified = policy.namespace === undefined ? policy.name : `${policy.namespace}/${policy.name}`;
  const label = `${policyKindName[policy.policyKind]} ${qualified}`;
  const chains: IrChain[] = [];
  if (policy.ingress) {
    chains.push(irChain(policyChainName("ingress", policy.id, IR_NAME), renderRuleList(policy.ingress, `${label} ingress`)));
  }
  if (policy.egress) {
    chains.push(irChain(policyChainName("egress", policy.id, IR_NAME), renderRuleList(policy.egress, `${label} egress`)));
  }
  return chains;
}

export function profileChains(profile: ResolvedProfile): IrChain[] {
  return [
    irChain(profileChainName("ingress", profile.name, IR_NAME), renderRuleList(profile.ingress, `Profile ${profile.name} ingress`)),
    irChain(profileChainName("egress", profile.name, IR_NAME), renderRuleList(profile.egress, `Profile ${profile.name} egress`)),
  ];
}
