/** Resolve stage: one node's view of the cluster (local endpoints, ordered policies, ipsets). */
export { resolveNode } from "./resolve.js";
export { resolveHostInterfaces, isHostInterfaceName, type HostInterface, type HostInterfaceResolution } from "./host-interfaces.js";
export { keptForIpv4 } from "./rules.js";
export { entityRuleSelector, policySelectorText, combineSelectors, SelectorCache } from "./selectors.js";
export type {
  EndpointTier,
  LocalEndpoint,
  NodeView,
  PortRange,
  ResolvedPolicy,
  ResolvedProfile,
  ResolvedRule,
} from "./types.js";
