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
import type { NftDataplaneState } from "../render/nftables/types.js";
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
  /** The size of the desired state in the dataplane's own terms (see DesiredCounts). */
  readonly desired: DesiredCounts;
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

/**
 * The size of what the agent wants in the kernel, in the dataplane's own terms: iptables chains
 * and rules with ipsets and their members; or, on native nftables, the `ip calico` table's chains
 * (base chains included) and rules, its sets and their elements (as written: a named-port member is
 * one `addr . proto . port` element, an interval set's members coalesced), and its verdict maps
 * and their elements. IPv4 in both.
 */
export type DesiredCounts = IptablesCounts | NftCounts;

export interface IptablesCounts {
  readonly chains: number;
  readonly rules: number;
  readonly ipsets: number;
  readonly members: number;
}

export interface NftCounts {
  readonly chains: number;
  readonly rules: number;
  readonly sets: number;
  readonly elements: number;
  readonly maps: number;
  readonly mapElements: number;
}

export function iptablesCounts(state: DataplaneState): IptablesCounts {
  let rules = 0;
  for (const c of state.chains) rules += c.rules.length;
  let members = 0;
  for (const s of state.ipsets) members += s.members.length;
  return { chains: state.chains.length, rules, ipsets: state.ipsets.length, members };
}

export function nftCounts(table: NftDataplaneState): NftCounts {
  let rules = 0;
  for (const c of table.chains) rules += c.rules.length;
  let elements = 0;
  for (const s of table.sets) elements += s.elements.length;
  let mapElements = 0;
  for (const m of table.maps) mapElements += m.elements.length;
  return { chains: table.chains.length, rules, sets: table.sets.length, elements, maps: table.maps.length, mapElements };
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
  readonly desired: DesiredCounts;
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
    desired: p.desired,
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
