/**
 * One IP family's kernel as the daemon drives it, whatever the dataplane: the engine's desired
 * state and dirty parts in, a write out. The daemon keeps the view (`V`, opaque to it) and
 * decides when to converge (read, diff, write, verify) and when to plan from the view; the
 * dataplane decides how:
 * - iptables: planStep (diffDirty over the view, lingering sets) and Dataplane.applyPlanned;
 * - nftables: the engine's state projected to the `calico` table (engine/nft-projection.ts),
 *   planNftDirty over the agent's NftKernelState (handles included), NftDataplane.applyPlanned.
 * Same engine, same sources, same daemon (metrics, health, batching, resync): only the view,
 * the planner and the tools differ, as in Felix (rules → generictables → iptables|nftables).
 */
import type { HookMode, KernelState } from "../diff/kernel-state.js";
import { isEmptyTransaction, type Backend, type Transaction } from "../diff/transaction.js";
import type { StepFailure } from "../dataplane/errors.js";
import type { NftDataplane } from "../dataplane/nftables.js";
import type { NftKernelState } from "../diff/nftables/kernel-state.js";
import { nftDirtyBetween, planNftDirty } from "../diff/nftables/dirty.js";
import { isEmptyNftTransaction, type NftTransaction } from "../diff/nftables/transaction.js";
import type { NftDataplaneState } from "../render/nftables/types.js";
import type { DataplaneState } from "../render/types.js";
import type { DiffDirty } from "./contract.js";
import type { DataplanePort } from "./daemon.js";
import type { Dirty } from "./engine/types.js";
import { NftProjection } from "./engine/nft-projection.js";
import { summarizeNftTransactions, summarizeTransaction, type TransactionSummary } from "./log.js";
import { planStep } from "./plan.js";
import { iptablesCounts, nftCounts, type DesiredCounts } from "./status.js";

/** What a write did, in the daemon's terms. */
export interface KernelWrite<V> {
  /** The kernel now (the view to plan the next update from). */
  readonly state: V;
  /** Transactions run (empty ones included). */
  readonly transactions: number;
  /** Whether any of them changed something. */
  readonly changed: boolean;
  readonly summary: TransactionSummary;
  readonly durationMs: number;
}

export interface ConvergeWrite<V> extends KernelWrite<V> {
  readonly attempts: number;
  readonly recovered: number;
}

export interface PlannedWrite<V> extends KernelWrite<V> {
  readonly outcome: "planned" | "recovered";
  readonly failure: StepFailure | null;
  /** ms from the start until set members were in the kernel (iptables' first ipset step), or null. */
  readonly membersAtMs: number | null;
}

export interface PlannedStep<V> {
  readonly empty: boolean;
  /** The view once the step ran as planned (undefined: not predictable, the dataplane reads). */
  readonly after: V | undefined;
  run(): Promise<PlannedWrite<V>>;
}

export interface FamilyKernel<V> {
  /** The dataplane for the status: the iptables backend, or `nftables`. */
  describe(): Promise<Backend | "nftables">;
  /** Reads the kernel, writes the difference, verifies (with retries): the start, a resync, a retry. */
  converge(desired: DataplaneState): Promise<ConvergeWrite<V>>;
  /** The write for the engine's dirty parts against the view (no read). */
  plan(view: V, desired: DataplaneState, dirty: Dirty): PlannedStep<V>;
  /** The size of `desired` in this dataplane's own terms (the status file's `desired`). */
  counts(desired: DataplaneState): DesiredCounts;
}

const nothing = (summary: TransactionSummary, state: unknown): PlannedWrite<never> => ({ state: state as never, transactions: 0, changed: false, summary, durationMs: 0, outcome: "planned", failure: null, membersAtMs: null });

/** iptables (legacy or nft backend) with ipsets: Dataplane and diffDirty. */
export function iptablesKernel(dataplane: Pick<DataplanePort, "apply" | "applyPlanned"> & Partial<Pick<DataplanePort, "backend">>, diffDirty: DiffDirty, hookMode: HookMode, backendOf: () => Backend | null): FamilyKernel<KernelState> {
  const written = (txs: readonly Transaction[]) => ({ transactions: txs.length, changed: txs.some((t) => !isEmptyTransaction(t)), summary: summarizeTransaction(txs) });
  return {
    describe: async () => (dataplane.backend === undefined ? (backendOf() ?? "legacy") : (await dataplane.backend()).backend),
    converge: async (desired) => {
      const r = await dataplane.apply(desired);
      return { state: r.state, ...written(r.transactions), durationMs: r.durationMs, attempts: r.attempts, recovered: r.recovered.length };
    },
    counts: iptablesCounts,
    plan: (view, desired, dirty) => {
      const { tx, after } = planStep(view, desired, dirty, diffDirty, { backend: backendOf() ?? "legacy", hookMode });
      if (isEmptyTransaction(tx)) return { empty: true, after: after ?? view, run: async () => nothing(summarizeTransaction([]), after ?? view) };
      return {
        empty: false,
        after,
        run: async () => {
          const r = await dataplane.applyPlanned(view, tx, desired, after);
          return { state: r.state, ...written(r.transactions), durationMs: r.durationMs, outcome: r.outcome, failure: r.failure, membersAtMs: r.membersAtMs };
        },
      };
    },
  };
}

/** The agent's view of one `calico` table: the kernel's (handles included), and the desired table it equals. */
export interface NftView {
  readonly kernel: NftKernelState;
  readonly desired: NftDataplaneState;
}

/** Native nftables: the engine's state projected to `ip calico` / `ip6 calico`. */
export function nftablesKernel(dataplane: Pick<NftDataplane, "apply" | "applyPlanned">): FamilyKernel<NftView> {
  const projection = new NftProjection();
  /** The last engine state projected and its table (the status counts it without projecting again). */
  let last: { readonly state: DataplaneState; readonly table: NftDataplaneState } | null = null;
  const project = (desired: DataplaneState, members?: Dirty["members"]): NftDataplaneState => {
    const table = projection.project(desired, members);
    last = { state: desired, table };
    return table;
  };
  const written = (txs: readonly NftTransaction[]) => ({ transactions: txs.length, changed: txs.some((t) => !isEmptyNftTransaction(t)), summary: summarizeNftTransactions(txs) });
  return {
    describe: async () => "nftables",
    // A state not projected yet (a status asked before the first step) is projected whole: the
    // projection is a function of the state (its memos are by identity, an element delta only a
    // shortcut to the same sets), so this changes no later step's table.
    counts: (desired) => nftCounts(last !== null && last.state === desired ? last.table : project(desired)),
    converge: async (desired) => {
      const nft = project(desired);
      const r = await dataplane.apply(nft);
      return { state: { kernel: r.state, desired: nft }, ...written(r.transactions), durationMs: r.durationMs, attempts: r.attempts, recovered: r.recovered.length };
    },
    plan: (view, desired, dirty) => {
      const nft = project(desired, dirty.members);
      const { tx, after } = planNftDirty(view.kernel, nft, nftDirtyBetween(view.desired, nft, (s) => projection.patched.get(s)));
      const next: NftView = { kernel: after, desired: nft };
      if (isEmptyNftTransaction(tx)) return { empty: true, after: next, run: async () => nothing(summarizeNftTransactions([]), next) };
      return {
        empty: false,
        after: next,
        run: async () => {
          const r = await dataplane.applyPlanned(view.kernel, tx, nft, after);
          const txs = r.outcome === "planned" ? [tx] : r.transactions;
          return { state: r.outcome === "planned" ? next : { kernel: r.state, desired: nft }, ...written(txs), durationMs: r.durationMs, outcome: r.outcome, failure: r.failure, membersAtMs: null };
        },
      };
    },
  };
}
