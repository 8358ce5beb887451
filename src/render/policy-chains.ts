/** `cali-pi-`/`cali-po-` policy chains and `cali-pri-`/`cali-pro-` profile chains (Felix's policy.go). */
import { isStagedPolicyKind } from "../model/policy-kinds.js";
import type { ResolvedPolicy, ResolvedProfile } from "../resolve/types.js";
import { hashedChain } from "./chain.js";
import { policyChainName, policyKindName, profileChainName } from "./names.js";
import { renderRuleList } from "./rule-render.js";
import type { Chain } from "./types.js";

/**
 * One chain per direction that some local endpoint uses; none for a staged policy (Felix v3.32's
 * PolicyToIptablesChains renders nothing for the staged kinds, calico-332.md §4.3).
 */
export function policyChains(policy: ResolvedPolicy): Chain[] {
  if (isStagedPolicyKind(policy.policyKind)) return [];
  const qualified = policy.namespace === undefined ? policy.name : `${policy.namespace}/${policy.name}`;
  const label = `${policyKindName[policy.policyKind]} ${qualified}`;
  const chains: Chain[] = [];
  if (policy.ingress) {
    chains.push(hashedChain(policyChainName("ingress", policy.id), renderRuleList(policy.ingress, `${label} ingress`)));
  }
  if (policy.egress) {
    chains.push(hashedChain(policyChainName("egress", policy.id), renderRuleList(policy.egress, `${label} egress`)));
  }
  return chains;
}

export function profileChains(profile: ResolvedProfile): Chain[] {
  return [
    hashedChain(profileChainName("ingress", profile.name), renderRuleList(profile.ingress, `Profile ${profile.name} ingress`)),
    hashedChain(profileChainName("egress", profile.name), renderRuleList(profile.egress, `Profile ${profile.name} egress`)),
  ];
}
