/** Time for the daemon: real timers in the agent, a fake one in unit tests. */
import { performance } from "node:perf_hooks";

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Runs `fn` after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
