/**
 * AgentDaemon: keeps one node's kernel in step with its sources.
 *
 *   sources ──changes──▶ Pending (coalesced per name) ──batch window──▶ engine.update
 *     ──▶ kernel.plan(view, desired, dirty) ──▶ run (dataplane.applyPlanned)
 *     ──▶ view := the view after (advanced over what changed)
 *
 * The kernel (kernel.ts) is iptables with ipsets (diffDirty, advanceKernelView) or native
 * nftables (the engine's state projected to `ip calico`, planNftDirty over the agent's view of
 * the table, handles included); the daemon treats its view as opaque.
 *
 * `view` is the daemon's own record of the kernel after its last write; an event is planned
 * against it, so no event costs a kernel read. The kernel is read in full only by a *converge*
 * step: at start (the kernel may hold the previous agent's rules: they are diffed, not
 * flushed, so a restart opens no gap and keeps counters), every resync period (repairs what
 * others changed, leaves what they own alone), and after a failure (the view is then unknown).
 *
 * An owned set no rule needs any more is left in the kernel until the next converge (linger.ts):
 * a policy that leaves the node and comes back does not refill its 100k-member sets.
 *
 * One step runs at a time; events that arrive meanwhile wait for the next. A batch window opens
 * at the first change and closes `batchMs` later (a window, not a debounce: a steady stream of
 * events cannot postpone an apply indefinitely). Nothing is applied before every source has
 * delivered its first snapshot. No error stops the loop: a failed apply is logged, and a
 * converge is retried with backoff (1 s doubling to 30 s) until it succeeds.
 */
import { clipMessage } from "../diagnostics/clip.js";
import { capDiagnostics, DEFAULT_DIAGNOSTIC_LIMIT, formatDiagnostics, hasErrors } from "../diagnostics/index.js";
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import type { HookMode, KernelState } from "../diff/kernel-state.js";
import type { Backend, Transaction } from "../diff/transaction.js";
import type { ApplyResult, PlannedApplyResult } from "../dataplane/dataplane.js";
import { CompileError } from "../render/errors.js";
import type { DataplaneState } from "../render/types.js";
import type { Ipv6Family } from "./ipv6.js";
import type { HostInterfaceWatch } from "./host-interfaces.js";
import type { HostInterface } from "../resolve/host-interfaces.js";
import { Pending } from "./batch.js";
import { iptablesKernel, type FamilyKernel, type KernelWrite } from "./kernel.js";
import { realClock, type Clock } from "./clock.js";
import type { DiffDirty, Engine, SourceChange } from "./contract.js";
import { LatencyWindow } from "./latency.js";
import { nodeNotNamed } from "../model/nodes.js";
import { mergeDirty } from "./merge-dirty.js";
import { summarizeTransaction, type Logger } from "./log.js";
import type { Source } from "./sources/types.js";
import { agentStatus, type AgentStatus, type StepRecord } from "./status.js";
import { agentHealth, type AgentHealth } from "./health.js";

/** Why a converge (a full read and diff of the kernel) runs. */
export type ResyncReason = "start" | "periodic" | "retry";

/** What a family holds after a successful step (counts of the desired state written). */
export interface ProgrammedCounts {
  readonly chains: number;
  readonly rules: number;
  readonly ipsets: number;
  readonly members: number;
}

/**
 * Told what happens as it happens (metrics.ts counts it for Prometheus). Every call is cheap and
 * synchronous; the daemon never waits on an observer.
 */
export interface DaemonObserver {
  /** Event-to-kernel latencies (ms) of the events a step put in force. */
  latencies(ms: readonly number[]): void;
  /** A step that ran to the end, and what each family it wrote now holds. */
  step(record: StepRecord, programmed: ReadonlyMap<"ipv4" | "ipv6", ProgrammedCounts>): void;
  /** A converge starts. */
  resync(reason: ResyncReason): void;
  /** Drift put right: a periodic resync wrote with no source change, or a planned update's fresh read took over. */
  repair(reason: "resync" | "recovered"): void;
  failure(stage: "engine" | "dataplane"): void;
  /** Inputs refused (by the engine, or by their source as unreadable). */
  rejected(count: number): void;
}

/** The part of Dataplane the daemon uses (a fake in unit tests). */
export interface DataplanePort {
  backend(): Promise<{ readonly backend: Backend }>;
  apply(desired: DataplaneState): Promise<ApplyResult>;
  /** `after`: the kernel state once `tx` ran, as the daemon computed it (advanceKernelView). */
  applyPlanned(known: KernelState, tx: Transaction, desired: DataplaneState, after?: KernelState): Promise<PlannedApplyResult>;
}

export interface DaemonOptions {
  readonly node: string;
  readonly engine: Engine;
  /** The iptables dataplane and its planner (when `kernel` is not given). */
  readonly diffDirty?: DiffDirty;
  readonly dataplane?: DataplanePort;
  /**
   * The IPv4 family's kernel (kernel.ts): nftablesKernel for native nftables. Default: iptables
   * through `dataplane` and `diffDirty`.
   */
  readonly kernel?: FamilyKernel<object>;
  readonly sources: readonly Source[];
  readonly log: Logger;
  readonly clock?: Clock;
  /** Batch window in ms (default 50). */
  readonly batchMs?: number;
  /** Full read-and-repair period in ms (default 90 s). */
  readonly resyncMs?: number;
  readonly hookMode?: HookMode;
  /**
   * Plan the next batch while the kernel applies the current one (default false: one step at a
   * time, compute then apply). It pays only with a core to spare: on a CPU-starved machine the
   * engine and the restore tools compete and latency grew (docs/agent.md).
   */
  readonly pipeline?: boolean;
  /** With pipelining: changes handed to the engine per call within one batch (default 200); see compute(). */
  readonly sliceSize?: number;
  /** Called with the status after every step (the CLI writes --status-file). */
  readonly onStatus?: (status: AgentStatus) => void;
  /**
   * The IPv6 family (ipv6.ts): after each IPv4 step, the engine's IPv6 state (engine.current6,
   * when IPv6 is in play and it changed) is applied by `dataplane`: planned from the engine's
   * dirty6 against the family's view, or with a read and full diff of that family on a converge,
   * the first apply and after a failure. Absent: IPv4 only.
   */
  readonly ipv6?: { readonly family: Ipv6Family } & ({ readonly dataplane: Pick<DataplanePort, "apply" | "applyPlanned"> } | { readonly kernel: FamilyKernel<object> });
  /**
   * The node's interfaces (host-interfaces.ts): read before the sources start, re-read on every
   * address change and at each resync; a changed list goes to engine.setHostInterfaces within
   * the batch window, so host endpoints that give only expectedIPs follow their addresses.
   */
  readonly hostInterfaces?: HostInterfaceWatch;
  /**
   * Write even when no endpoint of the sources is on `node` (`--allow-empty-node`). By default
   * the first write waits until one is (model/nodes.ts): a mistyped --node or an empty watched
   * directory must not wipe the node's enforcement. Once the agent has written, a node that
   * loses its last endpoint is an ordinary change.
   */
  readonly allowEmptyNode?: boolean;
  /** Told every step, failure and rejection (the CLI's Prometheus metrics, metrics.ts). */
  readonly observer?: DaemonObserver;
  /** A step running longer than this makes the agent non-live (health.ts; default 90 s). */
  readonly livenessTimeoutMs?: number;
}

/** One batch through the engine, waiting for its kernel write. */
interface Computed {
  readonly changes: readonly SourceChange[];
  readonly oldest: number | null;
  /** When each event of the batch arrived, by source name. */
  readonly arrivals: ReadonlyMap<string, readonly number[]>;
  readonly started: number;
  readonly result: ReturnType<Engine["update"]> | null;
  readonly computedMs: number;
  readonly desired6: DataplaneState | undefined;
  /** The engine's IPv6 state before the batch (what `result.dirty6` is relative to). */
  readonly before6: DataplaneState | undefined;
}

const FIRST_RETRY_MS = 1000;
/** Changes per engine.update call within a batch (~0.5 ms each at 100k pods: ~100 ms slices). */
const DEFAULT_SLICE = 200;
const MAX_RETRY_MS = 30_000;
/** Diagnostics in one `diagnostics` log line at most (the CLI's cap), plus one counting the rest. */
const MAX_LOGGED_DIAGNOSTICS = DEFAULT_DIAGNOSTIC_LIMIT;

export class AgentDaemon {
  private readonly pending = new Pending();
  private readonly clock: Clock;
  private readonly batchMs: number;
  private readonly resyncMs: number;
  /** Per-event event-to-kernel latencies (the status dump; benchmarks read `latency.since(mark)`). */
  readonly latency = new LatencyWindow(20_000);
  private readonly synced = new Set<string>();
  private readonly startedAt = new Date();
  /** What the kernel holds after our last write (the kernel's view type); null until the first converge or after a failure. */
  private view: object | null = null;
  private backend: Backend | "nftables" | null = null;
  private readonly kernel: FamilyKernel<object>;
  private readonly kernel6: FamilyKernel<object> | undefined;
  private running = false;
  private stopped = false;
  private flushDue = false;
  private convergeDue = false;
  private cancelBatch: (() => void) | null = null;
  private cancelConverge: (() => void) | null = null;
  /** The rest of an update whose transaction is running (pipelining), or null. */
  private inflight: Promise<void> | null = null;
  /** Wakes a pump that waits for `inflight` when a step falls due. */
  private wake: (() => void) | null = null;
  private retryMs = FIRST_RETRY_MS;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private counters = { updates: 0, applies: 0, converges: 0, failures: 0, noops: 0, replanned: 0 };
  private lastStep: StepRecord | null = null;
  private lastConverge: StepRecord | null = null;
  private lastError: { readonly at: string; readonly message: string } | null = null;
  private rejected = new Map<string, string>();
  private lastDiagnostics = "";
  /** The node names last reported while waiting for the sources to name this node, or null when not waiting. */
  private waitingForNode: string | null = null;
  /** The interface list last given to the engine (JSON), one read waiting for the next batch, the monitor's stop. */
  private interfacesKey = "";
  private pendingInterfaces: readonly HostInterface[] | null = null;
  private reading: Promise<void> | null = null;
  private stopWatch: (() => void) | null = null;
  /** When the running step started, and the running pipelined apply (health: a stuck step). */
  private stepSince: number | null = null;
  private inflightSince: number | null = null;
  /** How the last step ended (null before the first): readiness needs the last one to have succeeded. */
  private lastStepOk: boolean | null = null;

  constructor(private readonly options: DaemonOptions) {
    this.clock = options.clock ?? realClock;
    this.batchMs = options.batchMs ?? 50;
    this.resyncMs = options.resyncMs ?? 90_000;
    const hookMode = options.hookMode ?? "insert";
    const iptablesBackend = (): Backend | null => (this.backend === "nftables" ? null : this.backend);
    const iptables = (dataplane: Pick<DataplanePort, "apply" | "applyPlanned"> & Partial<Pick<DataplanePort, "backend">>): FamilyKernel<object> => {
      if (options.diffDirty === undefined) throw new Error("an iptables dataplane needs diffDirty");
      return iptablesKernel(dataplane, options.diffDirty, hookMode, iptablesBackend) as FamilyKernel<object>;
    };
    if (options.kernel !== undefined) this.kernel = options.kernel;
    else if (options.dataplane !== undefined) this.kernel = iptables(options.dataplane);
    else throw new Error("the daemon needs a kernel or an iptables dataplane");
    const v6 = options.ipv6;
    this.kernel6 = v6 === undefined ? undefined : "kernel" in v6 ? v6.kernel : iptables(v6.dataplane);
  }

  /** Starts every source; applying begins once all of them delivered a snapshot. */
  async start(): Promise<void> {
    const { log } = this.options;
    log({ level: "info", event: "start", node: this.options.node, sources: this.options.sources.map((s) => s.id), batchMs: this.batchMs, resyncMs: this.resyncMs });
    const watch = this.options.hostInterfaces;
    if (watch) {
      // Before any source: the first batch must already see where expectedIPs-only endpoints go.
      this.stopWatch = watch.watch(
        () => void this.readInterfaces(),
        (message) => log({ level: "warn", event: "host-interfaces-problem", message }),
      );
      await this.readInterfaces();
      if (this.pendingInterfaces !== null) this.options.engine.setHostInterfaces?.(this.pendingInterfaces);
      this.pendingInterfaces = null;
    }
    await Promise.all(
      this.options.sources.map((source) =>
        source.start({
          snapshot: (entries) => {
            this.pending.snapshot(source.id, entries, this.clock.now());
            log({ level: "info", event: "snapshot", source: source.id, entries: entries.size });
            if (!this.synced.has(source.id)) {
              this.synced.add(source.id);
              // The first converge, once everyone is in: a full read and diff, nothing flushed.
              if (this.synced.size === this.options.sources.length) this.requestConverge(0);
            } else this.requestFlush();
          },
          change: (change) => {
            this.pending.change(source.id, change, this.clock.now());
            this.requestFlush();
          },
          problem: (message, details) => log({ level: "warn", event: "source-problem", source: source.id, message, ...details }),
          // Shown with the engine's rejected inputs in the status; the last good version stays applied.
          refused: (name, diagnostic) => {
            if (diagnostic === null) this.rejected.delete(name);
            else {
              if (!this.rejected.has(name)) this.options.observer?.rejected(1);
              this.rejected.set(name, formatDiagnostics([diagnostic], []).trimEnd());
            }
            this.options.onStatus?.(this.status());
          },
        }),
      ),
    );
  }

  /** Stops the sources, lets a running step finish (a transaction is never cut in half). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelBatch?.();
    this.cancelConverge?.();
    this.stopWatch?.();
    await Promise.all(this.options.sources.map((s) => s.stop().catch(() => undefined)));
    await this.idle;
    this.options.log({ level: "info", event: "stopped", ...this.counters });
  }

  /** Resolves when no step is running (tests). */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  status(): AgentStatus {
    return agentStatus({
      node: this.options.node,
      startedAt: this.startedAt,
      backend: this.backend,
      sourcesSynced: this.synced.size === this.options.sources.length,
      sources: this.options.sources.map((s) => s.status()),
      entries: this.pending.entries,
      pending: this.pending.size,
      desired: this.kernel.counts(this.options.engine.current()),
      viewKnown: this.view !== null,
      health: (({ live, ready }) => ({ live, ready }))(this.health()),
      counters: this.counters,
      lastStep: this.lastStep,
      lastConverge: this.lastConverge,
      lastError: this.lastError,
      rejected: this.rejected,
      latency: this.latency.summary(),
      batchMs: this.batchMs,
      resyncMs: this.resyncMs,
    });
  }

  /** Liveness and readiness (health.ts), as the /liveness and /readiness probes answer. */
  health(): AgentHealth {
    const now = this.clock.now();
    const since = [this.stepSince, this.inflightSince].filter((t): t is number => t !== null);
    return agentHealth({
      stopped: this.stopped,
      stepRunningMs: since.length === 0 ? null : now - Math.min(...since),
      livenessTimeoutMs: this.options.livenessTimeoutMs ?? 90_000,
      sources: this.options.sources.map((s) => s.status()),
      kernelViewKnown: this.view !== null,
      lastStepOk: this.lastStepOk,
      lastError: this.lastError?.message ?? null,
    });
  }

  /** Reads the interfaces (one read at a time); a changed list waits in pendingInterfaces for the next batch. */
  private readInterfaces(): Promise<void> {
    const watch = this.options.hostInterfaces;
    if (!watch || this.stopped) return Promise.resolve();
    if (this.reading) return this.reading.then(() => this.readInterfaces());
    this.reading = (async () => {
      try {
        const list = await watch.read();
        const key = JSON.stringify(list);
        if (key === this.interfacesKey) return;
        this.interfacesKey = key;
        this.pendingInterfaces = list;
        this.options.log({ level: "info", event: "host-interfaces", interfaces: list.map((i) => `${i.name}=${i.addresses.join(",")}`) });
        this.requestFlush();
      } catch (e) {
        this.options.log({ level: "warn", event: "host-interfaces-problem", message: e instanceof Error ? e.message : String(e) });
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  private requestFlush(): void {
    if (this.stopped || this.synced.size < this.options.sources.length || this.cancelBatch) return;
    // After a failure the converge retry picks the changes up; applying at event rate to a
    // kernel that just refused us would only hammer it.
    if (this.view === null) {
      // Waiting for the sources to name the node: each change may be the one that does.
      if (this.waitingForNode !== null) this.requestConverge(this.batchMs);
      return;
    }
    this.cancelBatch = this.clock.after(this.batchMs, () => {
      this.cancelBatch = null;
      this.flushDue = true;
      void this.pump();
    });
  }

  private requestConverge(ms: number): void {
    if (this.stopped) return;
    this.cancelConverge?.();
    this.cancelConverge = this.clock.after(ms, () => {
      this.cancelConverge = null;
      this.convergeDue = true;
      void this.pump();
    });
  }

  /**
   * Runs due steps; only one pump runs at a time. With `pipeline`, updates overlap: while the kernel applies
   * batch N (child processes), batch N+1 is computed and planned against the view batch N will
   * leave (`after`, the daemon's prediction). Transactions still run one at a time, in order:
   * N+1's starts only once N's finished as planned. If N recovered (a fresh read took over) or
   * failed, N+1's plan is stale: it is dropped, and N+1 (the engine already holds it) is applied
   * by a full read and diff (converge), or left to the converge retry after a failure.
   */
  private async pump(): Promise<void> {
    if (this.running) {
      this.wake?.();
      return;
    }
    this.running = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    try {
      while (!this.stopped) {
        if (this.convergeDue) {
          await this.settle();
          this.convergeDue = false;
          this.flushDue = false;
          this.cancelBatch?.();
          this.cancelBatch = null;
          await this.step("converge");
        } else if (this.flushDue) {
          this.flushDue = false;
          if (this.view === null || this.inflight === null) {
            await this.settle();
            await this.step(this.view === null ? "converge" : "update");
            continue;
          }
          // Batch N is in the kernel's hands: compute N+1 now, against the view N will leave.
          const basedOn = this.view;
          const computed = await this.compute("update");
          await this.settle();
          if (computed === null || computed.result === null) continue;
          if (this.view === basedOn) await this.write("update", computed);
          else if (this.view !== null) {
            this.counters.replanned++;
            await this.write("converge", computed);
          }
          // view null: the failed apply scheduled a converge retry; the engine holds N+1 already.
        } else if (this.inflight !== null) {
          // Wait for the apply, or for a batch window to close meanwhile.
          await Promise.race([this.inflight, new Promise<void>((r) => (this.wake = r))]);
          this.wake = null;
        } else break;
      }
    } finally {
      await this.settle();
      this.running = false;
      this.markIdle();
    }
  }

  /** Waits for the overlapped apply, if one runs. */
  private async settle(): Promise<void> {
    const w = this.inflight;
    if (w === null) return;
    await w;
    if (this.inflight === w) this.inflight = null;
  }

  private async step(kind: "update" | "converge"): Promise<void> {
    this.stepSince = this.clock.now();
    try {
      const computed = await this.compute(kind);
      if (computed !== null) await this.write(kind, computed);
    } finally {
      this.stepSince = null;
    }
  }

  /**
   * The engine half of a step: the batch's changes through the engine in slices of `sliceSize`,
   * yielding to the event loop between slices (a running apply's child processes get their
   * input, exit and successor promptly), their dirty parts merged into one; then IPv6's state
   * (kept by the engine beside IPv4's).
   */
  private async compute(kind: "update" | "converge"): Promise<Computed | null> {
    const { engine } = this.options;
    // A resync looks at the interfaces again too (a monitor can die or miss a change).
    if (kind === "converge") await this.readInterfaces();
    const started = this.clock.now();
    const { changes, oldest, arrivals } = this.pending.take();
    const before6 = engine.current6?.();
    let result: ReturnType<Engine["update"]> | null = null;
    try {
      const interfaces = this.pendingInterfaces;
      this.pendingInterfaces = null;
      if (interfaces !== null && engine.setHostInterfaces) result = engine.setHostInterfaces(interfaces);
      // Slices matter only while an apply runs beside the engine (pipelining).
      const size = this.options.pipeline === true ? Math.max(1, this.options.sliceSize ?? DEFAULT_SLICE) : Math.max(1, changes.length);
      for (let i = 0; i < changes.length; i += size) {
        if (i > 0) await new Promise((r) => setImmediate(r));
        const r = engine.update(changes.slice(i, i + size));
        result = result === null ? r : mergeUpdates(result, r);
      }
      if (result !== null) {
        this.counters.updates++;
        this.report(changes, result.diagnostics, result.rejected);
      }
    } catch (e) {
      // The engine is pure and should not throw; if it does, the kernel keeps what it has.
      this.fail("engine", e, started);
      this.options.onStatus?.(this.status());
      return null;
    }
    const v6 = this.options.ipv6;
    const converge = kind === "converge" || this.view === null;
    const desired6 = v6?.family.desired(engine.current6?.(), converge);
    return { changes, oldest, arrivals, started, result, computedMs: this.clock.now() - started, desired6, before6 };
  }

  /**
   * The kernel half. An update whose view after is predicted returns once its transaction is
   * started, leaving it in `inflight` with `view` already advanced, so the next batch can be
   * planned meanwhile; anything else runs to the end.
   */
  private async write(kind: "update" | "converge", c: Computed): Promise<void> {
    const { log, engine } = this.options;
    const { changes, oldest, started, result } = c;
    const computedMs = c.computedMs;
    // A resync also looks at every source in full, for sources that can miss events.
    if (kind === "converge" && this.lastConverge !== null) {
      await Promise.all(this.options.sources.map((s) => s.rescan?.().catch((e: unknown) => log({ level: "warn", event: "source-problem", source: s.id, message: `rescan failed: ${String(e)}` }))));
    }
    if (this.lastConverge === null && !this.nodeNamed()) return;
    try {
      this.backend ??= await this.kernel.describe();
      if (kind === "converge" || this.view === null) {
        // A retry follows a failed write (the view is dropped then), whether or not a converge ever succeeded.
        const reason: ResyncReason = this.view === null && this.lastStepOk === false ? "retry" : this.lastConverge === null ? "start" : "periodic";
        this.options.observer?.resync(reason);
        const r = await this.kernel.converge(engine.current());
        // A periodic look that had to write though no source changed: someone else changed the kernel.
        if (reason === "periodic" && r.changed && changes.length === 0) this.options.observer?.repair("resync");
        this.view = r.state;
        this.counters.converges++;
        const record = this.record("converge", changes, r, r.durationMs, computedMs, started, oldest, { attempts: r.attempts, recovered: r.recovered });
        this.lastConverge = record;
        this.requestConverge(this.resyncMs);
        await this.finish(c, record, true);
        return;
      }
      if (result === null) {
        this.options.onStatus?.(this.status());
        return;
      }
      const planned = this.kernel.plan(this.view, result.desired, result.dirty);
      const after = planned.after;
      if (planned.empty) {
        this.counters.noops++;
        await this.finish(c, this.record("update", changes, NO_WRITE, 0, computedMs, started, oldest, {}), false);
        return;
      }
      const applyStart = this.clock.now();
      const applying = planned.run();
      const rest = async (): Promise<void> => {
        try {
          const r = await applying;
          this.view = r.state;
          if (r.outcome === "recovered") this.options.observer?.repair("recovered");
          const record = this.record("update", changes, r, r.durationMs, computedMs, started, oldest, {
            outcome: r.outcome,
            ...(r.failure ? { recoveredFrom: `${r.failure.step}: ${r.failure.stderr.split("\n")[0] ?? ""}` } : {}),
          });
          await this.finish(c, record, false, r.membersAtMs === null ? null : applyStart + r.membersAtMs);
        } catch (e) {
          this.failed(e, started);
        }
      };
      if (after === undefined || this.stopped || this.options.pipeline !== true) {
        await rest();
        return;
      }
      // Predicted: the next batch may be planned against `after` while this one runs.
      this.view = after;
      this.inflightSince = applyStart;
      const running: Promise<void> = rest().finally(() => {
        if (this.inflight === running) {
          this.inflight = null;
          this.inflightSince = null;
        }
      });
      this.inflight = running;
    } catch (e) {
      this.failed(e, started);
    }
  }

  /**
   * After the IPv4 write: IPv6 (when in play), the latencies, the log line, the status.
   * `membersAt`: when the IPv4 member changes were in the kernel (before its iptables step).
   */
  private async finish(c: Computed, record: StepRecord, converged: boolean, membersAt: number | null = null): Promise<void> {
    try {
      const v6 = this.options.ipv6;
      let rec = record;
      // A recovered update converged IPv4; IPv6 gets the full treatment too.
      const desired6 = converged && v6 && c.desired6 === undefined ? v6.family.desired(this.options.engine.current6?.(), true) : c.desired6;
      const kernel6 = this.kernel6;
      if (v6 && desired6 && kernel6) {
        try {
          // An update plans against the family's view from the engine's exact dirty6 (no read).
          const from = converged ? null : v6.family.planFrom(c.before6);
          const dirty6 = c.result?.dirty6;
          const r = from !== null && dirty6 !== undefined ? await kernel6.plan(from, desired6, dirty6).run() : await kernel6.converge(desired6);
          v6.family.applied(r.state);
          rec = { ...rec, ipv6: { changed: r.changed, planned: from !== null && dirty6 !== undefined, ...r.summary, applyMs: round(r.durationMs) } };
        } catch (e) {
          v6.family.failed();
          throw e;
        }
      }
      rec = { ...rec, ...this.latencies(c, rec.kind === "converge" || desired6 !== undefined ? null : membersAt) };
      this.retryMs = FIRST_RETRY_MS;
      this.lastStepOk = true;
      if (this.options.observer) {
        const programmed = new Map<"ipv4" | "ipv6", ProgrammedCounts>([["ipv4", programmedCounts(this.kernel, c.result?.desired ?? this.options.engine.current())]]);
        if (v6 && desired6 && kernel6) programmed.set("ipv6", programmedCounts(kernel6, desired6));
        this.options.observer.step(rec, programmed);
      }
      this.lastStep = rec;
      this.options.log({ level: "info", event: rec.kind === "converge" ? "converge" : "apply", ...rec });
      this.options.onStatus?.(this.status());
    } catch (e) {
      this.failed(e, c.started);
    }
  }

  /**
   * Before the first write: whether the sources name this node (or --allow-empty-node). If not,
   * says so once per set of named nodes, and writes nothing; requestFlush re-checks on every change.
   */
  private nodeNamed(): boolean {
    const { engine, node, log } = this.options;
    if (this.options.allowEmptyNode === true || !engine.nodes) return true;
    const named = engine.nodes();
    const problem = nodeNotNamed(node, named, "--allow-empty-node");
    if (problem === undefined) {
      if (this.waitingForNode !== null) log({ level: "info", event: "node-named", node });
      this.waitingForNode = null;
      return true;
    }
    const key = named.join("\n");
    if (this.waitingForNode !== key) {
      const message = `${problem.message}. Nothing is written until the sources name the node.`;
      log({ level: "error", event: "node-not-named", code: problem.code, node, nodes: named.slice(0, 100), message });
      this.lastError = { at: new Date().toISOString(), message: clipMessage(message) };
      this.options.onStatus?.(this.status());
    }
    this.waitingForNode = key;
    return false;
  }

  private failed(e: unknown, started: number): void {
    this.fail("dataplane", e, started);
    this.view = null;
    this.requestConverge(this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.options.onStatus?.(this.status());
  }

  private record(
    kind: StepRecord["kind"],
    changes: readonly SourceChange[],
    written: Pick<KernelWrite<unknown>, "transactions" | "changed" | "summary">,
    applyMs: number,
    computeMs: number,
    started: number,
    oldest: number | null,
    extra: Readonly<Record<string, unknown>>,
  ): StepRecord {
    const done = this.clock.now();
    const changed = written.changed;
    if (changed) this.counters.applies++;
    const latencyMs = oldest === null ? null : round(done - oldest);
    return {
      kind,
      at: new Date().toISOString(),
      changes: changes.length,
      sources: capNames(changes.map((c) => `${c.kind === "put" ? "+" : "-"}${c.name}`)),
      changed,
      transactions: written.transactions,
      ...written.summary,
      computeMs: round(computeMs),
      applyMs: round(applyMs),
      durationMs: round(done - started),
      latencyMs,
      ...extra,
    };
  }

  /**
   * Event-to-kernel, now that the step is done: per event from its arrival; an event of a source
   * that only ipset members enforce (membersOnly) was in force once the members were written, so
   * its latency ends at `membersAt` when that is known (IPv4 only in this step). `latencyMs` is the
   * batch's oldest event (an upper bound for the batch); `eventLatencyMs` sums up its events.
   */
  private latencies(c: Computed, membersAt: number | null): Pick<StepRecord, "latencyMs"> & { readonly eventLatencyMs?: { readonly events: number; readonly p50: number; readonly p99: number; readonly max: number } } {
    const done = this.clock.now();
    const early = new Set(membersAt === null ? [] : (c.result?.membersOnly ?? []));
    const samples: number[] = [];
    for (const [name, times] of c.arrivals) {
      const at = early.has(name) ? (membersAt as number) : done;
      for (const t of times) samples.push(Math.max(0, at - t));
    }
    for (const ms of samples) this.latency.add(round(ms));
    this.options.observer?.latencies(samples);
    if (samples.length === 0) return { latencyMs: c.oldest === null ? null : round(done - c.oldest) };
    samples.sort((a, b) => a - b);
    const at = (q: number): number => round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number);
    return { latencyMs: c.oldest === null ? null : round(done - c.oldest), eventLatencyMs: { events: samples.length, p50: at(0.5), p99: at(0.99), max: round(samples[samples.length - 1] as number) } };
  }

  private report(changes: readonly SourceChange[], diagnostics: readonly Diagnostic[], rejected: readonly string[]): void {
    for (const c of changes) if (c.kind === "delete" || !rejected.includes(c.name)) this.rejected.delete(c.name);
    this.options.observer?.rejected(rejected.length);
    if (diagnostics.length === 0) {
      this.lastDiagnostics = "";
      return;
    }
    // Each source's diagnostics are capped already (engine/sources.ts); many broken sources at
    // once are capped here, so one log line stays bounded whatever the inputs.
    const text = this.formatted(diagnostics.length > MAX_LOGGED_DIAGNOSTICS ? capDiagnostics(diagnostics, MAX_LOGGED_DIAGNOSTICS) : diagnostics);
    for (const name of rejected) {
      const own = diagnostics.find((d) => d.span?.file === name);
      const first = own === undefined ? (text.split("\n")[0] ?? "") : (this.formatted([own]).split("\n")[0] ?? "");
      this.rejected.set(name, first);
    }
    // The same diagnostics again (a re-list, an unrelated change) are not news.
    if (text === this.lastDiagnostics) return;
    this.lastDiagnostics = text;
    this.options.log({
      level: hasErrors(diagnostics) ? "error" : "warn",
      event: "diagnostics",
      rejected,
      keptLastGood: rejected.length > 0,
      count: diagnostics.length,
      text,
    });
  }

  /** Diagnostics as text, with file:line:col for the sources the daemon still holds. */
  private formatted(diagnostics: readonly Diagnostic[]): string {
    const files = new Set(diagnostics.flatMap((d) => (d.span ? [d.span.file] : [])));
    const sources: SourceFile[] = [...files].flatMap((file) => {
      const text = this.pending.text(file);
      return text === undefined ? [] : [{ file, text }];
    });
    return formatDiagnostics(diagnostics, sources);
  }

  private fail(stage: "engine" | "dataplane", e: unknown, started: number): void {
    this.counters.failures++;
    this.lastStepOk = false;
    this.options.observer?.failure(stage);
    // A refusal with diagnostics (the renderer's guard, render/safe-token.ts) says where.
    const message = e instanceof CompileError ? this.formatted(e.diagnostics).trimEnd() : e instanceof Error ? e.message : String(e);
    // The status file stays small: a tool's stderr can be long, its first lines say what failed.
    this.lastError = { at: new Date().toISOString(), message: clipMessage(`${stage}: ${message}`) };
    this.options.log({ level: "error", event: "apply-failed", stage, message, durationMs: round(this.clock.now() - started), retryInMs: stage === "dataplane" ? this.retryMs : null });
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** A step that wrote nothing. */
const NO_WRITE = { transactions: 0, changed: false, summary: summarizeTransaction([]) } as const;

/** The metrics' programmed gauges in the dataplane's own terms: on native nftables the table's sets and their elements stand for ipsets and members. */
function programmedCounts(kernel: FamilyKernel<object>, state: DataplaneState): ProgrammedCounts {
  const c = kernel.counts(state);
  return "ipsets" in c ? c : { chains: c.chains, rules: c.rules, ipsets: c.sets, members: c.elements };
}

function capNames(names: readonly string[]): string[] {
  return names.length <= 20 ? [...names] : [...names.slice(0, 20), `…and ${names.length - 20} more`];
}

/** Two engine updates of one batch (slices) as one: dirty parts merged, lists joined, the later states. */
function mergeUpdates(a: ReturnType<Engine["update"]>, b: ReturnType<Engine["update"]>): ReturnType<Engine["update"]> {
  const dirty6 = a.dirty6 !== undefined && b.dirty6 !== undefined ? mergeDirty(a.dirty6, b.dirty6) : (b.dirty6 ?? a.dirty6);
  const membersOnly = [...new Set([...(a.membersOnly ?? []), ...(b.membersOnly ?? [])])].sort();
  return {
    ...b,
    dirty: mergeDirty(a.dirty, b.dirty),
    ...(dirty6 !== undefined && { dirty6 }),
    diagnostics: [...a.diagnostics, ...b.diagnostics],
    rejected: [...a.rejected, ...b.rejected],
    ...(membersOnly.length > 0 && { membersOnly }),
  };
}
