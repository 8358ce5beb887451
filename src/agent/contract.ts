/**
 * What the daemon needs from the incremental engine (src/agent/engine, the AgentEngine of
 * api-contracts.md), as structural types: the daemon is written, and unit-tested with a fake,
 * against these; the CLI hands it the real AgentEngine and diffDirty.
 */
import type { Diagnostic } from "../diagnostics/types.js";
import type { DiffOptions } from "../diff/diff.js";
import type { KernelState } from "../diff/kernel-state.js";
import type { Transaction } from "../diff/transaction.js";
import type { DataplaneState } from "../render/types.js";

export type SourceChange =
  | { readonly kind: "put"; readonly name: string; readonly text: string }
  | { readonly kind: "delete"; readonly name: string };

export interface DirtySet {
  readonly chains: readonly string[];
  readonly ipsets: readonly string[];
  readonly hooks: boolean;
}

export interface EngineResult {
  readonly desired: DataplaneState;
  readonly dirty: DirtySet;
  readonly diagnostics: readonly Diagnostic[];
  readonly rejected: readonly string[];
}

export interface Engine {
  update(changes: readonly SourceChange[]): EngineResult;
  current(): DataplaneState;
}

export type DiffDirty = (current: KernelState, desired: DataplaneState, dirty: DirtySet, options?: DiffOptions) => Transaction;
