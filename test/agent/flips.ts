/**
 * Waiting for real traffic to follow a change, for the agent's kernel suites: polls a probe until
 * it answers `want`; returns how long that took, or fails with the end of the agent's log once
 * `ms` has passed. The poll's limit and the latency a test asserts are the same number, so a flip
 * that is too slow fails with the log rather than passing a looser poll.
 */
import type { AgentProcess } from "./agent-process.js";

export async function untilFlipped(probe: () => Promise<boolean>, what: string, want: boolean, ms: number, agent: AgentProcess | null): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const flipped = (await probe()) === want;
    const elapsed = Date.now() - t0;
    if (flipped && elapsed <= ms) return elapsed;
    if (elapsed >= ms) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not become ${want ? "connected" : "blocked"} within ${ms} ms\n${agent?.logs.map((l) => JSON.stringify(l)).join("\n").slice(-3000)}`);
}
