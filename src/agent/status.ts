/**
 * The status dump: what the agent is doing, as one JSON object. Written to --status-file after
 * every step and on SIGUSR1, and logged on SIGUSR1.
 *
 * `synced` is what a readiness probe or an operator asks: "does the kernel hold what the sources
 * say?". It is true only when every source delivered its snapshot AND the kernel view is known
 * (the first converge is done and no apply failed since; a failed apply drops the view until a
 * converge succeeds). Sources alone being in is `sourcesSynced`.
 */
import type { Backend } from "../diff/transaction.js";
import type { DataplaneState } from "../render/types.js";
import type { TransactionSummary } from "./log.js";
import type { SourceStatus } from "./sources/types.js";

export type StepRecord = {
  readonly kind: "update" | "converge";
  readonly at: string;
  /** Source changes handed to the engine in this step. */
  readonly changes: number;
  /** `+name` put, `-name` delete (capped). */
  readonly sources: readonly string[];
  readonly changed: boolean;
  readonly transactions: number;
  readonly computeMs: number;
  readonly applyMs: number;
  readonly durationMs: number;
  /** From the oldest change of the batch arriving to the kernel holding it. */
  readonly latencyMs: number | null;
} & TransactionSummary &
  Readonly<Record<string, unknown>>;

export interface AgentStatus {
  readonly kind: "AgentStatus";
  readonly node: string;
  readonly pid: number;
  readonly startedAt: string;
  /** The iptables backend, or `nftables` (native). */
  readonly backend: Backend | "nftables" | null;
  /** sourcesSynced and kernelViewKnown: the kernel holds what the sources say (as of the last step). */
  readonly synced: boolean;
  /** Every source delivered its first snapshot (the kernel may not have caught up yet). */
  readonly sourcesSynced: boolean;
  readonly sources: readonly SourceStatus[];
  readonly inputs: { readonly entries: number; readonly pending: number; readonly rejected: Readonly<Record<string, string>> };
  readonly desired: { readonly chains: number; readonly rules: number; readonly ipsets: number; readonly members: number };
  /** False until the first converge, and after a failed apply until a converge succeeds. */
  readonly kernelViewKnown: boolean;
  /** What /liveness and /readiness answer (health.ts). */
  readonly health: { readonly live: boolean; readonly ready: boolean };
  readonly counters: Readonly<Record<string, number>>;
  readonly latencyMs: { readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  readonly lastStep: StepRecord | null;
  readonly lastConverge: StepRecord | null;
  readonly lastError: { readonly at: string; readonly message: string } | null;
  readonly config: { readonly batchMs: number; readonly resyncMs: number };
  readonly memory: { readonly rssMb: number; readonly heapUsedMb: number };
}

export interface StatusParts {
  readonly node: string;
  readonly startedAt: Date;
  /** The iptables backend, or `nftables` (native). */
  readonly backend: Backend | "nftables" | null;
  /** Every source delivered its first snapshot. */
  readonly sourcesSynced: boolean;
  readonly sources: readonly SourceStatus[];
  readonly entries: number;
  readonly pending: number;
  readonly desired: DataplaneState;
  readonly viewKnown: boolean;
  readonly health: AgentStatus["health"];
  readonly counters: Readonly<Record<string, number>>;
  readonly lastStep: StepRecord | null;
  readonly lastConverge: StepRecord | null;
  readonly lastError: { readonly at: string; readonly message: string } | null;
  readonly rejected: ReadonlyMap<string, string>;
  readonly latency: AgentStatus["latencyMs"];
  readonly batchMs: number;
  readonly resyncMs: number;
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 104.8576) / 10;

export function agentStatus(p: StatusParts): AgentStatus {
  const mem = process.memoryUsage();
  return {
    kind: "AgentStatus",
    node: p.node,
    pid: process.pid,
    startedAt: p.startedAt.toISOString(),
    backend: p.backend,
    synced: p.sourcesSynced && p.viewKnown,
    sourcesSynced: p.sourcesSynced,
    sources: p.sources,
    inputs: { entries: p.entries, pending: p.pending, rejected: Object.fromEntries([...p.rejected].sort()) },
    desired: {
      chains: p.desired.chains.length,
      rules: p.desired.chains.reduce((n, c) => n + c.rules.length, 0),
      ipsets: p.desired.ipsets.length,
      members: p.desired.ipsets.reduce((n, s) => n + s.members.length, 0),
    },
    kernelViewKnown: p.viewKnown,
    health: p.health,
    counters: { ...p.counters },
    latencyMs: p.latency,
    lastStep: p.lastStep,
    lastConverge: p.lastConverge,
    lastError: p.lastError,
    config: { batchMs: p.batchMs, resyncMs: p.resyncMs },
    memory: { rssMb: mb(mem.rss), heapUsedMb: mb(mem.heapUsed) },
  };
}
