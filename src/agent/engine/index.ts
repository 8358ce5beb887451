/** The agent's pure core: source changes → desired state, dirty names, diagnostics. */
export { AgentEngine } from "./engine.js";
export { diffDirty } from "./diff-dirty.js";
export { dirtyBetween } from "./dirty.js";
export type { Dirty, MemberDelta, EngineOptions, EngineUpdate, SourceChange } from "./types.js";
export { advanceKernelView } from "./kernel-view.js";
