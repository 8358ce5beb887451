/**
 * Dataplane: keeps the kernel of the current network namespace in a desired state.
 *
 * Every apply reads the kernel first (other programs change it; Felix's "re-read before every
 * write", felix-dataplane.md §9.27), computes the minimal transaction with `diff`, runs it
 * (`ipset restore`, `iptables-restore --noflush --wait`, `ipset restore`), and then reads again
 * to verify: the whole filter table, and the ipsets the transaction wrote (read.ts). Any
 * failure — lock contention beyond the wait, a rejected line, another writer racing us, a
 * verification mismatch — backs off (1, 2, 4 … ms, as Felix) and starts over from a fresh full
 * read, so the retry never replays a stale transaction. The iptables step is atomic, so a
 * failure leaves the filter table as it was; ipset changes before it only add what the new
 * rules need.
 */
import type { DataplaneState } from "../render/types.js";
import { diff } from "../diff/diff.js";
import type { HookMode, KernelIpSet, KernelState } from "../diff/kernel-state.js";
import type { Backend, Transaction } from "../diff/transaction.js";
import { isEmptyTransaction, transactionInputs, transactionSize } from "../diff/transaction.js";
import { binariesFor, onPath, type BinaryOverrides, type Binaries } from "./binaries.js";
import { detectBackend, type BackendDetection } from "./backend.js";
import type { CommandRunner } from "./runner.js";
import { DataplaneError, StepError, toolFailure, type ApplyStep, type StepFailure } from "./errors.js";
import { readWithRetries, toolsOf, WriteAttempts, type RetryOptions } from "./retry.js";
import { holdsOwned, readAfterWrite, readKernel, readWithCache, type KernelRead, type ReadContext } from "./read.js";
import { kernelStateAfter } from "./expected.js";

export interface DataplaneOptions extends RetryOptions {
  /** `auto` (default) detects the backend like Felix and kube-proxy. */
  readonly backend?: Backend | "auto";
  readonly ipVersion?: 4 | 6;
  readonly hookMode?: HookMode;
  /** Program names or paths (defaults: iptables-<backend>-save/-restore, ipset). */
  readonly binaries?: BinaryOverrides;
  /** `iptables-restore --wait` seconds for the xtables lock (default 10). */
  readonly lockWaitSeconds?: number;
  /**
   * Opt-in ipset cache, in ms (default 0: off). While the last full read of the ipsets is younger
   * than this, an apply starts from `ipset list -t` (headers and entry counts) instead of
   * `ipset save`, and reads in full only the sets whose header or count changed (read.ts). At
   * 100k pods that is most of an incremental apply's time. The price: a change by another
   * program that keeps a set's entry count, in a set the apply does not write, is seen only at
   * the next full read. Felix makes the same trade with a 90 s ipset refresh (§5.4).
   */
  readonly ipsetRefreshMs?: number;
  /** For tests: check PATH. */
  readonly exists?: (name: string) => boolean;
  /**
   * Legacy backend: read only the tables /proc/net/ip{,6}_tables_names lists (reading one creates
   * it). Default: on with the real runner; a test runner that scripts every call opts in.
   */
  readonly onlyExistingTables?: boolean;
}

export interface ApplyResult {
  readonly kind: "ApplyResult";
  readonly backend: Backend;
  /** False when the kernel already was in the desired state. */
  readonly changed: boolean;
  /** The transactions that were written, in order: one, or more after a retry. */
  readonly transactions: readonly Transaction[];
  /** Lines written over all transactions. */
  readonly lines: { readonly ipset: number; readonly iptables: number };
  readonly attempts: number;
  /** Failures that a later attempt recovered from. */
  readonly recovered: readonly StepFailure[];
  readonly durationMs: number;
  /** The kernel as last read, now in the desired state: an agent plans its next change from it. */
  readonly state: KernelState;
}

/** How `applyPlanned` went: the planned transaction ran as is, or an apply from a fresh read took over. */
export interface PlannedApplyResult {
  readonly kind: "PlannedApplyResult";
  /** `planned`: the transaction ran and no read was needed; `recovered`: it failed or could not be predicted, and `apply` converged. */
  readonly outcome: "planned" | "recovered";
  /** The state the kernel is in now (computed for `planned`, read for `recovered`). */
  readonly state: KernelState;
  /** What was written, in order (the planned transaction first). */
  readonly transactions: readonly Transaction[];
  readonly lines: { readonly ipset: number; readonly iptables: number };
  /** The failure of the planned transaction, when `apply` had to take over. */
  readonly failure: StepFailure | null;
  readonly durationMs: number;
  /**
   * `planned` only: ms from the start until the first ipset step (new sets, member adds and
   * deletes) was done, before the iptables step; what needs only members was in force then.
   */
  readonly membersAtMs: number | null;
}

export class Dataplane {
  private readonly options: DataplaneOptions;
  private readonly runner: CommandRunner;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private detection: Promise<BackendDetection> | null = null;
  /** The ipsets last read, and when they were last read in full (only with ipsetRefreshMs). */
  private ipsetCache: { readonly ipsets: readonly KernelIpSet[]; readonly fullReadAt: number } | null = null;

  constructor(options: DataplaneOptions = {}) {
    this.options = options;
    ({ runner: this.runner, sleep: this.sleep, now: this.now } = toolsOf(options));
  }

  get ipVersion(): 4 | 6 {
    return this.options.ipVersion ?? 4;
  }

  /** The backend in use, detected once unless set explicitly. */
  async backend(): Promise<BackendDetection> {
    const b = this.options.backend ?? "auto";
    if (b !== "auto") return { backend: b, reason: "set explicitly" };
    this.detection ??= detectBackend({ runner: this.runner, exists: this.options.exists ?? onPath });
    return this.detection;
  }

  async binaries(): Promise<Binaries> {
    const { backend } = await this.backend();
    return binariesFor(backend, this.ipVersion, this.options.binaries, this.options.exists ?? onPath);
  }

  /** The kernel's filter table and ipsets (retried 3 times, 100/200/400 ms, as Felix). */
  async read(): Promise<KernelState> {
    const ctx = await this.readContext();
    return (await this.retryRead(() => readKernel(ctx))).state;
  }

  private async retryRead(readOnce: () => Promise<KernelRead>): Promise<KernelRead> {
    return this.remember(await readWithRetries(this.sleep, readOnce));
  }

  private remember(read: KernelRead): KernelRead {
    if ((this.options.ipsetRefreshMs ?? 0) > 0) {
      const fullReadAt = read.complete ? this.now() : (this.ipsetCache?.fullReadAt ?? -Infinity);
      this.ipsetCache = { ipsets: read.state.ipsets, fullReadAt };
    }
    return read;
  }

  /** The cached ipsets, if the option is on and their last full read is recent enough. */
  private freshIpsets(): readonly KernelIpSet[] | null {
    const c = this.ipsetCache;
    return c && this.now() - c.fullReadAt < (this.options.ipsetRefreshMs ?? 0) ? c.ipsets : null;
  }

  private async readContext(): Promise<ReadContext> {
    const bins = await this.binaries();
    // Reading a legacy table creates it: read only those that exist (a diff --live writes nothing).
    const legacy = (this.options.onlyExistingTables ?? this.options.runner === undefined) && (await this.backend()).backend === "legacy";
    return { runner: this.runner, bins, ipVersion: this.ipVersion, ...(legacy && { legacy: true }) };
  }

  /** Whether the kernel holds an owned ipset, chain or hook rule of this family (a cheap check, see holdsOwned). */
  async holdsOwned(): Promise<boolean> {
    const { backend } = await this.backend();
    const ctx = await this.readContext();
    try {
      return await holdsOwned(ctx, backend);
    } catch (e) {
      if (e instanceof StepError) throw new DataplaneError(e.failure, 1);
      throw e;
    }
  }

  /** The transaction an apply would run now (read + diff), without running it. */
  async plan(desired: DataplaneState): Promise<Transaction> {
    const { backend } = await this.backend();
    return diff(await this.read(), desired, { backend, hookMode: this.options.hookMode ?? "insert" });
  }

  /**
   * Brings the kernel into `desired`; throws DataplaneError when retries run out. An attempt
   * fails when a tool fails or when the read after a successful write still shows a difference.
   */
  async apply(desired: DataplaneState): Promise<ApplyResult> {
    const started = this.now();
    const { backend } = await this.backend();
    const hookMode = this.options.hookMode ?? "insert";
    const written: Transaction[] = [];
    const tries = new WriteAttempts(this.options, this.sleep);
    const options = { backend, hookMode };
    // Set after a successful write: the state it was planned from, for the verifying read.
    let verifying: { readonly before: KernelState; readonly tx: Transaction } | null = null;
    for (;;) {
      const ctx = await this.readContext();
      const check = verifying;
      // Only the first read may use the ipset cache: after any failure, start from a full one.
      const cached = tries.attempts === 0 ? this.freshIpsets() : null;
      let read = await this.retryRead(() =>
        check ? readAfterWrite(ctx, check.before, check.tx, desired) : cached ? readWithCache(ctx, cached) : readKernel(ctx),
      );
      let tx = diff(read.state, desired, options);
      if (check && !isEmptyTransaction(tx)) {
        tries.failed(verifyFailure(tx));
        // The verifying read may have covered only what was written: plan the repair from a full one.
        if (!read.complete) {
          read = await this.retryRead(() => readKernel(ctx));
          tx = diff(read.state, desired, options);
        }
      }
      verifying = null;
      if (isEmptyTransaction(tx)) {
        const sizes = written.map(transactionSize);
        return {
          kind: "ApplyResult",
          backend,
          changed: written.length > 0,
          transactions: written,
          lines: { ipset: sizes.reduce((n, s) => n + s.ipset, 0), iptables: sizes.reduce((n, s) => n + s.iptables, 0) },
          attempts: tries.attempts,
          recovered: tries.failures,
          durationMs: Math.round((this.now() - started) * 10) / 10,
          state: read.state,
        };
      }
      if (await tries.write(() => this.run(tx))) {
        written.push(tx);
        verifying = { before: read.state, tx };
      }
    }
  }

  /**
   * Runs a transaction planned by the caller against `known`, a state the caller knows the kernel
   * to be in (its own record of what it last wrote), without reading the kernel first or after:
   * a node agent's per-event path. The state after is computed (expected.ts). If a step fails,
   * or the state after cannot be predicted, `apply` takes over from a fresh full read, with its
   * retries and verification; a DataplaneError means that failed too.
   *
   * `after`: the state after, when the caller already knows it (a node agent advances its view
   * over what it changed, which at 100k pods is far cheaper than kernelStateAfter's rebuild of
   * every owned set). Ignored when the transaction has notes (the state after is then read).
   */
  async applyPlanned(known: KernelState, tx: Transaction, desired: DataplaneState, after?: KernelState): Promise<PlannedApplyResult> {
    const started = this.now();
    const hookMode = this.options.hookMode ?? "insert";
    let membersAt: number | null = null;
    const finish = (outcome: PlannedApplyResult["outcome"], state: KernelState, txs: readonly Transaction[], failure: StepFailure | null): PlannedApplyResult => {
      const sizes = txs.map(transactionSize);
      return {
        kind: "PlannedApplyResult",
        outcome,
        state,
        transactions: txs,
        lines: { ipset: sizes.reduce((n, s) => n + s.ipset, 0), iptables: sizes.reduce((n, s) => n + s.iptables, 0) },
        failure,
        durationMs: Math.round((this.now() - started) * 10) / 10,
        membersAtMs: outcome === "planned" && membersAt !== null ? Math.round((membersAt - started) * 10) / 10 : null,
      };
    };
    if (isEmptyTransaction(tx) && tx.notes.length === 0) return finish("planned", known, [], null);
    let failure: StepFailure | null = null;
    try {
      await this.run(tx, () => (membersAt = this.now()));
      const state = tx.notes.length > 0 ? null : (after ?? kernelStateAfter(known, tx, desired, hookMode));
      if (state !== null) return finish("planned", state, [tx], null);
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      failure = e.failure;
    }
    const ran = failure === null ? [tx] : [];
    const r = await this.apply(desired);
    return finish("recovered", r.state, [...ran, ...r.transactions], failure);
  }

  /** Runs the three steps in order; `afterIpsets` is called once the first ipset step is done (or had nothing to do). */
  private async run(tx: Transaction, afterIpsets?: () => void): Promise<void> {
    const bins = await this.binaries();
    const input = transactionInputs(tx);
    const wait = String(this.options.lockWaitSeconds ?? 10);
    const steps: [ApplyStep, string, string[], string][] = [
      ["ipsets-before", bins.ipset, ["restore"], input.ipsetsBefore],
      ["iptables", bins.iptablesRestore, ["--noflush", "--wait", wait], input.iptables],
      ["ipsets-after", bins.ipset, ["restore"], input.ipsetsAfter],
    ];
    for (const [step, file, args, stdin] of steps) {
      if (stdin !== "") {
        const r = await this.runner(file, args, stdin);
        if (r.exitCode !== 0) throw new StepError(toolFailure(step, `${file} ${args[0]}`, r.exitCode, r.stderr, stdin));
      }
      if (step === "ipsets-before") afterIpsets?.();
    }
  }
}

function verifyFailure(tx: Transaction): StepFailure {
  const size = transactionSize(tx);
  return {
    step: "verify",
    tool: "",
    exitCode: 0,
    stderr: `after a successful write, the kernel still differs (${size.ipset} ipset and ${size.iptables} iptables lines); another program may be changing it`,
    failingLine: null,
  };
}
