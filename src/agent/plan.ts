/**
 * One step's plan against the agent's view of the kernel: the transaction (the dirty parts
 * through diffDirty, or the whole diff while host endpoint tables are in play, since the dirty
 * parts name filter chains only), with unwanted sets left lingering, and the kernel state it
 * leaves (undefined when the diff left owned things in place: then the dataplane reads).
 * Pure; the daemon and the engine law use the same function.
 */
import { diff, type DiffOptions } from "../diff/diff.js";
import type { KernelState } from "../diff/kernel-state.js";
import type { Transaction } from "../diff/transaction.js";
import { kernelStateAfter } from "../dataplane/expected.js";
import type { DataplaneState } from "../render/types.js";
import type { DiffDirty } from "./contract.js";
import type { Dirty } from "./engine/types.js";
import { advanceKernelView, tablesInPlay } from "./engine/kernel-view.js";
import { keepUnwantedSets, withKept } from "./linger.js";

export interface StepPlan {
  readonly tx: Transaction;
  readonly after: KernelState | undefined;
}

export function planStep(view: KernelState, desired: DataplaneState, dirty: Dirty, diffDirty: DiffDirty, options: DiffOptions & { readonly hookMode: NonNullable<DiffOptions["hookMode"]> }): StepPlan {
  const tables = tablesInPlay(view, desired);
  const planned = tables ? diff(view, desired, options) : diffDirty(view, desired, dirty, options);
  const { tx, kept } = keepUnwantedSets(planned, view, desired);
  if (tx.notes.length > 0) return { tx, after: undefined };
  // Filter only: advanced over what changed (members from their deltas). With mangle/raw in
  // play: from the whole transaction. Either way the lingering sets stay in the view, as in the kernel.
  const next = tables ? kernelStateAfter(view, tx, desired, options.hookMode) : advanceKernelView(view, desired, dirty, options.hookMode);
  return { tx, after: next === null ? undefined : withKept(next, kept) };
}
