/**
 * The library API of policy-compile. Explicit named exports only; each stage's index.ts is its
 * public surface.
 */
export type { Diagnostic, DiagnosticJson, Severity, SourceFile, Span } from "./diagnostics/types.js";
export type * from "./model/types.js";
export type { DataplaneState, Chain, IptRule, IpSet, IpSetType, KernelChainHooks, KernelChainName } from "./render/types.js";
export { parseSelector, SelectorSyntaxError, formatSelectorError } from "./selector/index.js";
export type { Selector } from "./selector/index.js";
export { compile, renderRestore, CompileError } from "./render/index.js";
export type { CompileOptions, EndpointToHostAction } from "./render/index.js";
