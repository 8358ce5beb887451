/**
 * The retry discipline both dataplanes share (iptables + ipset in dataplane.ts, native nftables
 * in nftables.ts), as Felix does it: a read is retried 3 times (100, 200, 400 ms); a write
 * attempt that fails, or whose verifying read still differs, is retried from a fresh read after
 * a backoff of 1, 2, 4 … ms, at most `retries` times; then a DataplaneError carries the last
 * failure (the tool, its stderr, the line it named).
 */
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { DataplaneError, StepError, type StepFailure } from "./errors.js";
import { execaRunner, type CommandRunner } from "./runner.js";

export interface RetryOptions {
  /** Retries after the first attempt (default 10, as Felix). */
  readonly retries?: number;
  /** First backoff in ms, doubled after each failure (default 1). */
  readonly initialBackoffMs?: number;
  /** For tests: run programs, sleep, read the clock. */
  readonly runner?: CommandRunner;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export interface Tools {
  readonly runner: CommandRunner;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

export function toolsOf(options: RetryOptions): Tools {
  return {
    runner: options.runner ?? execaRunner,
    sleep: options.sleep ?? ((ms) => delay(ms).then(() => undefined)),
    now: options.now ?? (() => performance.now()),
  };
}

/** `readOnce` with 3 retries (100/200/400 ms); a StepError each time is a DataplaneError. */
export async function readWithRetries<T>(sleep: Tools["sleep"], readOnce: () => Promise<T>): Promise<T> {
  let last: StepFailure | null = null;
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await sleep(100 * 2 ** (attempt - 1));
    try {
      return await readOnce();
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      last = e.failure;
    }
  }
  throw new DataplaneError(last as StepFailure, 4);
}

/** The write attempts of one apply: failures recorded, backoff between attempts, the limit enforced. */
export class WriteAttempts {
  readonly failures: StepFailure[] = [];
  attempts = 0;
  private backoff: number;

  constructor(
    private readonly options: RetryOptions,
    private readonly sleep: Tools["sleep"],
  ) {
    this.backoff = options.initialBackoffMs ?? 1;
  }

  /** A failure that is not a write's (a verifying read that still differs). */
  failed(failure: StepFailure): void {
    this.failures.push(failure);
  }

  /**
   * Runs `write` as the next attempt (after backing off, unless it is the first): true when it
   * succeeded, false when a tool failed (recorded). A DataplaneError once the retries ran out.
   */
  async write(write: () => Promise<void>): Promise<boolean> {
    if (this.failures.length > (this.options.retries ?? 10)) throw new DataplaneError(this.failures[this.failures.length - 1] as StepFailure, this.attempts);
    if (this.attempts > 0) {
      await this.sleep(this.backoff);
      this.backoff *= 2;
    }
    this.attempts++;
    try {
      await write();
      return true;
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      this.failures.push(e.failure);
      return false;
    }
  }
}
