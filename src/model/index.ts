/** The model stage: load, validate and normalize Calico and Kubernetes resources. */
export type {
  Action,
  Direction,
  EntityRule,
  HostEndpoint,
  IcmpMatch,
  Labels,
  Model,
  NamedPort,
  NetworkSet,
  Origin,
  Policy,
  PolicyKind,
  Port,
  Profile,
  Protocol,
  Rule,
  StagedAction,
  Tier,
  WorkloadEndpoint,
} from "./types.js";
export { loadSources } from "./load.js";
export type { LoadOptions, LoadResult } from "./load.js";
export { podInterfaceName } from "./normalize/endpoints.js";
export { k8sSelectorToCalico, simplifyPorts } from "./normalize/k8s-policy.js";
export { parseCidr, formatCidr } from "./cidr.js";
export type { Cidr } from "./cidr.js";
export { promoteStaged, promotion } from "./promote.js";
export type { Promotion } from "./promote.js";
