/**
 * Liveness and readiness (`--health-port`: GET /liveness, GET /readiness), as Felix's health
 * aggregator answers its probes: 200 with a table of the components when good, 503 with the same
 * table when not (Kubernetes takes any 200-399 as good and 400+ as bad), a component that does
 * not report on a quality counting as good for it.
 *
 * - live: the agent's loop runs. The server answering at all says the event loop turns (a loop
 *   blocked in the engine cannot answer, and the probe times out); beyond that, a step that has
 *   run longer than the liveness timeout (a restore tool hung past its own timeouts) makes the
 *   agent non-live, so the kubelet restarts it; and a stopped daemon is not live.
 * - ready: every source is synced now (it delivered its snapshot and is watching, not
 *   re-listing or disconnected) and the kernel holds what the engine computed: the first
 *   converge is done and the last step succeeded (a failed step makes the agent non-ready until
 *   a step succeeds again).
 */
import type { SourceStatus } from "./sources/types.js";

export interface HealthComponent {
  readonly name: string;
  /** null: the component does not report liveness. */
  readonly live: boolean | null;
  /** null: the component does not report readiness. */
  readonly ready: boolean | null;
  readonly detail: string;
}

export interface AgentHealth {
  readonly live: boolean;
  readonly ready: boolean;
  readonly components: readonly HealthComponent[];
}

export interface HealthInputs {
  readonly stopped: boolean;
  /** How long the running step has run, or null when none runs. */
  readonly stepRunningMs: number | null;
  readonly livenessTimeoutMs: number;
  readonly sources: readonly SourceStatus[];
  /** The first converge is done and the daemon knows what the kernel holds. */
  readonly kernelViewKnown: boolean;
  /** How the last step ended: null before the first. */
  readonly lastStepOk: boolean | null;
  readonly lastError: string | null;
}

export function agentHealth(h: HealthInputs): AgentHealth {
  const stuck = h.stepRunningMs !== null && h.stepRunningMs > h.livenessTimeoutMs;
  const loop: HealthComponent = {
    name: "loop",
    live: !h.stopped && !stuck,
    ready: null,
    detail: h.stopped ? "stopped" : stuck ? `a step has run for ${seconds(h.stepRunningMs ?? 0)} (limit ${seconds(h.livenessTimeoutMs)})` : h.stepRunningMs === null ? "idle" : `step running for ${seconds(h.stepRunningMs)}`,
  };
  const sources = h.sources.map((s): HealthComponent => ({ name: `source ${s.source}`, live: null, ready: s.state === "synced", detail: `${s.state}, ${s.entries} entries` }));
  const kernelReady = h.kernelViewKnown && h.lastStepOk === true;
  const kernel: HealthComponent = {
    name: "kernel",
    live: null,
    ready: kernelReady,
    detail: kernelReady ? "in step with the sources as of the last step" : h.lastStepOk === false ? `last step failed: ${firstLine(h.lastError ?? "")}` : h.kernelViewKnown ? "no step yet" : `not converged yet${h.lastError ? `: ${firstLine(h.lastError)}` : ""}`,
  };
  const components = [loop, ...sources, kernel];
  return { live: components.every((c) => c.live !== false), ready: components.every((c) => c.ready !== false), components };
}

/** The body of both endpoints: one line per component, as Felix's table. */
export function healthTable(health: AgentHealth): string {
  const rows = [["COMPONENT", "LIVENESS", "READINESS", "DETAIL"], ...health.components.map((c) => [c.name, c.live === null ? "-" : c.live ? "live" : "non-live", c.ready === null ? "-" : c.ready ? "ready" : "non-ready", c.detail])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return `${rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] as number) : cell)).join("  ").trimEnd()).join("\n")}\n`;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const firstLine = (s: string): string => (s.split("\n")[0] ?? "").slice(0, 200);
