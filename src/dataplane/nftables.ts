/**
 * NftDataplane: keeps one family's `calico` nftables table (felix-nftables.md §8) of the current
 * network namespace in a desired NftDataplaneState. The sibling of the iptables Dataplane, with
 * the same contract and retry discipline (retry.ts): read, diff, write, read again to verify; on
 * any failure back off (1, 2, 4 … ms) and start over from a fresh read; after the retries, a
 * DataplaneError naming the first line nft rejected.
 *
 * It only ever runs `nft --json list table <family> calico` and `nft -f -` with lines planned by
 * diffNft (checked by the shared guard): no other table is read or written (§2.4, §10 pitfall
 * 11). nft applies each input as one kernel transaction, so a failed write changed nothing.
 */
import type { NftDataplaneState } from "../render/nftables/types.js";
import { SaveParseError } from "../diff/errors.js";
import type { NftKernelState } from "../diff/nftables/kernel-state.js";
import { emptyNftKernelState } from "../diff/nftables/kernel-state.js";
import { parseNftJson } from "../diff/nftables/parse-json.js";
import { diffNft, nftStateAfter } from "../diff/nftables/plan.js";
import { isEmptyNftTransaction, nftTransactionInput, type NftTransaction } from "../diff/nftables/transaction.js";
import type { CommandRunner } from "./runner.js";
import { StepError, toolFailure, type StepFailure } from "./errors.js";
import { readWithRetries, toolsOf, WriteAttempts, type RetryOptions } from "./retry.js";

export interface NftDataplaneOptions extends RetryOptions {
  readonly ipVersion?: 4 | 6;
  /** The nft program (default `nft`). */
  readonly nft?: string;
}

export interface NftApplyResult {
  readonly kind: "NftApplyResult";
  readonly changed: boolean;
  readonly transactions: readonly NftTransaction[];
  /** Lines written over all transactions. */
  readonly lines: number;
  readonly attempts: number;
  readonly recovered: readonly StepFailure[];
  readonly durationMs: number;
  /** The table as last read, in the desired state. */
  readonly state: NftKernelState;
}

export interface NftPlannedResult {
  readonly kind: "NftPlannedResult";
  readonly outcome: "planned" | "recovered";
  /** The table now: predicted (nftStateAfter) for `planned`, read for `recovered`. */
  readonly state: NftKernelState;
  /** What was written, in order (the planned transaction first, unless nft refused it). */
  readonly transactions: readonly NftTransaction[];
  readonly failure: StepFailure | null;
  readonly durationMs: number;
}

export class NftDataplane {
  private readonly runner: CommandRunner;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: NftDataplaneOptions = {}) {
    ({ runner: this.runner, sleep: this.sleep, now: this.now } = toolsOf(options));
  }

  get ipVersion(): 4 | 6 {
    return this.options.ipVersion ?? 4;
  }

  private get nft(): string {
    return this.options.nft ?? "nft";
  }

  private get family(): "ip" | "ip6" {
    return this.ipVersion === 4 ? "ip" : "ip6";
  }

  /** One read: a missing table is an empty state, not an error (§8.3). */
  private async readOnce(): Promise<NftKernelState> {
    const r = await this.runner(this.nft, ["--json", "list", "table", this.family, "calico"]);
    if (r.exitCode !== 0) {
      if (/No such file or directory/.test(r.stderr)) return emptyNftKernelState(this.ipVersion);
      throw new StepError(toolFailure("read", `${this.nft} --json list table`, r.exitCode, r.stderr, ""));
    }
    try {
      return parseNftJson(r.stdout, this.ipVersion);
    } catch (e) {
      if (e instanceof SaveParseError) throw new StepError(toolFailure("read", e.source, 0, e.message, ""));
      throw e;
    }
  }

  /** The table, read with 3 retries (100/200/400 ms, as Felix). */
  read(): Promise<NftKernelState> {
    return readWithRetries(this.sleep, () => this.readOnce());
  }

  /** The transaction an apply would run now, without running it. */
  async plan(desired: NftDataplaneState): Promise<NftTransaction> {
    return diffNft(await this.read(), desired);
  }

  /** Runs one transaction (`nft -f -`); a StepError names the line nft rejected. */
  async run(tx: NftTransaction): Promise<void> {
    if (isEmptyNftTransaction(tx)) return;
    const input = nftTransactionInput(tx);
    const r = await this.runner(this.nft, ["-f", "-"], input);
    if (r.exitCode !== 0) throw new StepError(toolFailure("nft", `${this.nft} -f`, r.exitCode, r.stderr, input));
  }

  /** Brings the table into `desired`, verified by a read after the write; DataplaneError when retries run out. */
  async apply(desired: NftDataplaneState): Promise<NftApplyResult> {
    const started = this.now();
    const written: NftTransaction[] = [];
    const tries = new WriteAttempts(this.options, this.sleep);
    let verifying = false;
    for (;;) {
      const state = await this.read();
      const tx = diffNft(state, desired);
      if (verifying && !isEmptyNftTransaction(tx)) tries.failed(verifyFailure(tx));
      verifying = false;
      if (isEmptyNftTransaction(tx)) {
        return {
          kind: "NftApplyResult",
          changed: written.length > 0,
          transactions: written,
          lines: written.reduce((n, t) => n + t.lines.length, 0),
          attempts: tries.attempts,
          recovered: tries.failures,
          durationMs: Math.round((this.now() - started) * 10) / 10,
          state,
        };
      }
      if (await tries.write(() => this.run(tx))) {
        written.push(tx);
        verifying = true;
      }
    }
  }

  /**
   * Runs a transaction planned against `known` (what the caller last read or predicted) without
   * reading before or after: the per-change path of a long-running caller. The state after is
   * `after` when the caller computed it (the agent patches its view over what changed, far
   * cheaper than nftStateAfter's rebuild of every element at 100k pods), else predicted
   * (nftStateAfter). If nft refuses it (nothing changed: the transaction is atomic), `apply`
   * takes over from a fresh read, with its retries; a DataplaneError means that failed too.
   */
  async applyPlanned(known: NftKernelState, tx: NftTransaction, desired: NftDataplaneState, after?: NftKernelState): Promise<NftPlannedResult> {
    const started = this.now();
    const done = (outcome: NftPlannedResult["outcome"], state: NftKernelState, transactions: readonly NftTransaction[], failure: StepFailure | null): NftPlannedResult => ({
      kind: "NftPlannedResult",
      outcome,
      state,
      transactions,
      failure,
      durationMs: Math.round((this.now() - started) * 10) / 10,
    });
    try {
      await this.run(tx);
      return done("planned", after ?? nftStateAfter(known, desired, tx), [tx], null);
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      const r = await this.apply(desired);
      return done("recovered", r.state, r.transactions, e.failure);
    }
  }
}

function verifyFailure(tx: NftTransaction): StepFailure {
  return {
    step: "verify",
    tool: "",
    exitCode: 0,
    stderr: `after a successful write, the ${tx.family} calico table still differs (${tx.lines.length} nft lines); another program may be changing it`,
    failingLine: null,
  };
}
