/** Fakes for the daemon's unit tests: a manual clock, a source driven by the test, a dataplane over a state in memory. */
import { diff } from "../../src/diff/diff.js";
import { emptyKernelState, type KernelState } from "../../src/diff/kernel-state.js";
import { isEmptyTransaction, type Transaction } from "../../src/diff/transaction.js";
import { kernelStateAfter } from "../../src/dataplane/expected.js";
import type { ApplyResult, PlannedApplyResult } from "../../src/dataplane/dataplane.js";
import type { Clock } from "../../src/agent/clock.js";
import { AgentDaemon, type DaemonOptions, type DataplanePort } from "../../src/agent/daemon.js";
import { AgentEngine, diffDirty } from "../../src/agent/engine/index.js";
import type { LogEntry } from "../../src/agent/log.js";
import type { Source, SourceSink, SourceStatus } from "../../src/agent/sources/types.js";
import type { DataplaneState } from "../../src/render/types.js";

export class ManualClock implements Clock {
  private t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return () => (this.timers = this.timers.filter((x) => x.id !== id));
  }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
  pending(): number[] {
    return this.timers.map((x) => x.at - this.t).sort((a, b) => a - b);
  }
}

export class FakeSource implements Source {
  sink: SourceSink | null = null;
  constructor(readonly id: string) {}
  start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }
  status(): SourceStatus {
    return { source: this.id, state: "synced", entries: 0 };
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  snapshot(entries: Record<string, string>): void {
    this.sink?.snapshot(new Map(Object.entries(entries)));
  }
  put(name: string, text: string): void {
    this.sink?.change({ kind: "put", name, text });
  }
  delete(name: string): void {
    this.sink?.change({ kind: "delete", name });
  }
}

/** A kernel in memory; `fail` makes the next N writes fail as a tool would. */
export class FakeDataplane implements DataplanePort {
  state: KernelState;
  constructor(ipVersion: 4 | 6 = 4) {
    this.state = { ...emptyKernelState(), ipVersion };
  }
  readonly calls: { kind: "apply" | "planned"; tx?: Transaction; freshPlan?: Transaction; after?: KernelState; known?: KernelState }[] = [];
  fail = 0;
  /** While true, planned applies wait for `release()` (the kernel still busy with a transaction). */
  hold = false;
  /** The next planned apply "recovers": it reports a state from a fresh read, as Dataplane does when a write cannot be predicted. */
  recover = false;
  /** What planned applies report as the end of their first ipset step (ms after their start). */
  membersAtMs: number | null = null;
  private held: (() => void)[] = [];
  /** Lets the oldest held planned apply finish. */
  release(): void {
    this.held.shift()?.();
  }
  get holding(): number {
    return this.held.length;
  }
  backend() {
    return Promise.resolve({ backend: "legacy" as const });
  }
  private write(): void {
    if (this.fail > 0) {
      this.fail--;
      throw new Error("iptables-restore failed (iptables, exit 1) after 11 attempt(s):\niptables-restore: line 2 failed");
    }
  }
  apply(desired: DataplaneState): Promise<ApplyResult> {
    this.calls.push({ kind: "apply" });
    const tx = diff(this.state, desired);
    if (!isEmptyTransaction(tx)) this.write();
    this.state = kernelStateAfter(this.state, tx, desired, "insert") ?? this.state;
    return Promise.resolve({ kind: "ApplyResult", backend: "legacy", changed: !isEmptyTransaction(tx), transactions: isEmptyTransaction(tx) ? [] : [tx], lines: { ipset: 0, iptables: 0 }, attempts: 1, recovered: [], durationMs: 1, state: this.state });
  }
  async applyPlanned(known: KernelState, tx: Transaction, desired: DataplaneState, after?: KernelState): Promise<PlannedApplyResult> {
    // What a full read would have planned: the daemon's view-based plan must have the same effect.
    this.calls.push({ kind: "planned", tx, freshPlan: diff(this.state, desired), known, ...(after ? { after } : {}) });
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    this.write();
    this.state = kernelStateAfter(known, tx, desired, "insert") ?? this.state;
    if (this.recover) {
      this.recover = false;
      this.state = { ...this.state };
      return { kind: "PlannedApplyResult", outcome: "recovered", state: this.state, transactions: [tx], lines: { ipset: 0, iptables: 0 }, failure: null, durationMs: 1, membersAtMs: null };
    }
    // The daemon's own view must be what the kernel now holds (it plans the next event from it).
    return { kind: "PlannedApplyResult", outcome: "planned", state: after ?? this.state, transactions: [tx], lines: { ipset: 0, iptables: 0 }, failure: null, durationMs: 1, membersAtMs: this.membersAtMs };
  }
}

export function memoryLog(): { entries: LogEntry[]; log: (e: LogEntry) => void; events: () => string[] } {
  const entries: LogEntry[] = [];
  return { entries, log: (e) => entries.push(e), events: () => entries.map((e) => e.event) };
}

/**
 * A daemon for node-1 on a manual clock, with one fake source ("files") and the in-memory
 * dataplane; `options` override any part. `tick(ms)` advances the clock and waits for the step
 * it triggered.
 */
export function daemonHarness(options: Partial<DaemonOptions> = {}) {
  const clock = new ManualClock();
  const dataplane = new FakeDataplane();
  const logs = memoryLog();
  const source = new FakeSource("files");
  const daemon = new AgentDaemon({ node: "node-1", engine: new AgentEngine({ node: "node-1" }), diffDirty, dataplane, sources: [source], log: logs.log, clock, batchMs: 50, resyncMs: 90_000, ...options });
  const tick = async (ms: number): Promise<void> => {
    clock.advance(ms);
    await new Promise((r) => setImmediate(r));
    await daemon.whenIdle();
  };
  return { clock, dataplane, logs, source, daemon, tick };
}
