/**
 * The library API of policy-compile. Explicit named exports only; each stage's index.ts is its
 * public surface.
 */
export type { Diagnostic, DiagnosticJson, Severity, SourceFile, Span } from "./diagnostics/types.js";
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
} from "./model/index.js";
export type { DataplaneState, Chain, IptRule, IpSet, IpSetType, KernelChainHooks, KernelChainName } from "./render/types.js";
export { parseSelector, SelectorSyntaxError, formatSelectorError } from "./selector/index.js";
export type { Selector } from "./selector/index.js";
export { compile, renderRestore, CompileError, UnsafeTokenError } from "./render/index.js";
export type { CompileOptions, EndpointToHostAction } from "./render/index.js";
export { compileBoth, usesIpv6 } from "./render/index.js";
export type { CompiledFamilies } from "./render/index.js";
export { compileNft, compileNftBoth, renderNftScript } from "./render/index.js";
export type { CompiledNftFamilies, NftChain, NftDataplaneState, NftMap, NftRule, NftSet } from "./render/index.js";
export { resolveHostInterfaces } from "./resolve/index.js";
export type { HostInterface, HostInterfaceResolution } from "./resolve/index.js";
// Host endpoints: failsafe ports and the mangle/raw tables a DataplaneState may carry.
export { DEFAULT_FAILSAFE_INBOUND, DEFAULT_FAILSAFE_OUTBOUND } from "./render/index.js";
export type { FailsafeOptions, FailsafePort, TableName, TableState } from "./render/index.js";
export { diff, kernelStateOf, emptyKernelState, isEmptyTransaction, formatTransaction, transactionInputs, transactionSize, parseIptablesSave, parseIpsetSave, DiffError, SaveParseError } from "./diff/index.js";
export type { DiffOptions, KernelState, KernelChain, KernelRule, KernelIpSet, HookMode, Transaction, Backend } from "./diff/index.js";
export { Dataplane, DataplaneError, detectBackend } from "./dataplane/index.js";
export type { DataplaneOptions, ApplyResult, BackendDetection, CommandRunner, CommandResult, StepFailure } from "./dataplane/index.js";
export { diffNft, nftStateAfter, parseNftJson, parseNftScript, NftScriptError, nftKernelStateOf, emptyNftKernelState, isEmptyNftTransaction, nftTransactionInput, formatNftTransaction } from "./diff/index.js";
export type { NftKernelState, NftTransaction } from "./diff/index.js";
export { NftDataplane, detectDataplane } from "./dataplane/index.js";
export type { NftDataplaneOptions, NftApplyResult, NftPlannedResult, DataplaneKind, DataplaneDetection } from "./dataplane/index.js";
export { loadSources, promoteStaged, promotion } from "./model/index.js";
export type { LoadOptions, LoadResult, Promotion } from "./model/index.js";
export { formatDiagnostics, diagnosticsToJson, hasErrors, lineColumn, Codes } from "./diagnostics/index.js";
export type { DiagnosticNote, CodeInfo } from "./diagnostics/index.js";
export { readInputs } from "./cli/files.js";
export { prefixSelector, labelRestrictions, selectorIpSetName, namedPortIpSetId } from "./selector/index.js";
export type { SelectorNode, LabelRestriction } from "./selector/index.js";
export { AgentEngine, diffDirty, advanceKernelView } from "./agent/engine/index.js";
export type { SourceChange, EngineOptions, EngineUpdate, Dirty, MemberDelta } from "./agent/engine/index.js";
