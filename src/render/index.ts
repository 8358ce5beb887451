/** Render stage: NodeView → DataplaneState (Felix v3.32 names, layout and rule hashes) → restore text. */
export {
  compile,
  compileBoth,
  compileNft,
  compileNftBoth,
  usesIpv6,
  type CompiledFamilies,
  type CompiledNftFamilies,
  type CompileOptions,
  type HostInterface,
} from "./compile.js";
export { renderNftScript, assertNftText, isSafeNftLine } from "./nftables/script.js";
export type { NftBaseChain, NftChain, NftDataplaneState, NftHook, NftMap, NftMapElement, NftRule, NftSet, NftSetType } from "./nftables/types.js";
export { compileWithOrigins, type CompiledWithOrigins, type RuleOrigin, type RuleOrigins } from "./origins.js";
export { renderNodeView, type RenderOptions } from "./node-view.js";
export { renderRestore, renderIpsetRestore, renderIptablesRestore, ruleText } from "./restore.js";
export { CompileError } from "./errors.js";
export { UnsafeTokenError } from "./safe-token.js";
export type { EndpointToHostAction } from "./static-chains.js";
export { escapeComment, lengthLimitedName, ruleHashes, renderRuleFragments, type RuleBody } from "./hash.js";
export type { Chain, DataplaneState, IpSet, IpSetType, IptRule, KernelChainHooks, KernelChainName, TableName, TableState } from "./types.js";
export { DEFAULT_FAILSAFE_INBOUND, DEFAULT_FAILSAFE_OUTBOUND, type FailsafeOptions, type FailsafePort } from "./failsafe.js";
