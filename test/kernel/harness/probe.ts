/**
 * Probing every pod pair on one (protocol, port) and comparing with the expected matrix.
 *
 * All probes of a matrix run at once (each agent handles many in parallel), each with a short
 * timeout, so a matrix costs about one timeout. A pair that disagrees with the expectation is
 * probed once more on a fresh source port before it counts as a mismatch, so a lost SYN on a
 * busy CI machine cannot fail a case, while a wrong rule (which disagrees every time) still does.
 *
 * TCP and UDP probes go through the pods' agents; ICMP echo probes run `ping` in the source
 * pod's namespace (ping.ts), a bounded number at a time.
 */
import { echoProbe } from "./ping.js";
import type { Topology } from "./topology.js";
import { renderMatrix, type Mismatch, type Observation, type Reachability } from "./reachability.js";

/** A probe to a port, or an ICMP echo request (type 8, code 0), which has none. */
export type ProbeStep = (
  | { readonly protocol: "TCP" | "UDP" | "SCTP"; readonly port: number }
  | { readonly protocol: "ICMP" }
) & {
  /** 6: probe the pods' IPv6 addresses (ICMP is then ICMPv6 echo). Absent: IPv4. */
  readonly ipVersion?: 6;
};

export type ProbeProtocolName = ProbeStep["protocol"];

/** "TCP/80", "ICMP echo": how steps are named in reports. */
export function stepLabel(step: ProbeStep): string {
  if (step.ipVersion === 6) return step.protocol === "ICMP" ? "ICMPv6 echo" : `${step.protocol}/${step.port} over IPv6`;
  return step.protocol === "ICMP" ? "ICMP echo" : `${step.protocol}/${step.port}`;
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  /** Why SCTP probes cannot run here; the harness has no SCTP prober. */
  readonly sctpSkipReason: string;
}

export const DEFAULT_PROBE_OPTIONS: ProbeOptions = {
  timeoutMs: 1000,
  sctpSkipReason: "no SCTP prober",
};

export interface StepOutcome {
  readonly step: ProbeStep;
  readonly expected: Reachability;
  readonly observed: ReadonlyMap<string, Observation>;
  readonly details: ReadonlyMap<string, string>;
  readonly mismatches: readonly Mismatch[];
  /** Set when the whole step was skipped (SCTP). */
  readonly skipped?: string;
  /** TCP/UDP: the source port of each pair's final (observed) probe, so a trace can use the same. */
  readonly sourcePorts?: ReadonlyMap<string, number>;
}

const key = (from: string, to: string): string => `${from} -> ${to}`;

async function probeOnce(topo: Topology, step: ProbeStep, from: string, to: string, timeoutMs: number) {
  const src = topo.pod(from);
  const dst = topo.pod(to);
  const dstIp = step.ipVersion === 6 ? dst.ip6 : dst.ip;
  if (dstIp === undefined) throw new Error(`pod ${to} has no IPv6 address to probe`);
  if (step.protocol === "ICMP") {
    // The identifier comes from the same never-reused sequence as source ports (see ping.ts).
    const res = await echoProbe(src.netns, dstIp, topo.nextSourcePort(), timeoutMs);
    const connected = res.replyFrom === dstIp;
    const detail = res.replyFrom === undefined ? (res.error ?? "") : connected ? "" : `reply from ${res.replyFrom}`;
    return { connected, detail, srcPort: undefined };
  }
  if (step.protocol === "SCTP") throw new Error("no SCTP prober");
  const srcPort = topo.nextSourcePort();
  const res = await src.agent.probe({
    proto: step.protocol === "TCP" ? "tcp" : "udp",
    host: dstIp,
    port: step.port,
    srcPort,
    timeoutMs,
  });
  // Connected means the *right* pod answered, not merely that something did.
  const connected = res.ok && res.reply === to;
  const detail = res.ok ? (res.reply === to ? "" : `answered by ${res.reply ?? "?"}`) : (res.error ?? "");
  return { connected, detail, srcPort };
}

export async function probeStep(
  topo: Topology,
  step: ProbeStep,
  expected: Reachability,
  options: ProbeOptions = DEFAULT_PROBE_OPTIONS,
): Promise<StepOutcome> {
  const observed = new Map<string, Observation>();
  const details = new Map<string, string>();
  if (step.protocol === "SCTP") {
    for (const { from, to } of expected.pairs()) observed.set(key(from, to), { skipped: options.sctpSkipReason });
    return { step, expected, observed, details, mismatches: [], skipped: options.sctpSkipReason };
  }
  const pairs = expected.pairs();
  const first = await Promise.all(pairs.map((p) => probeOnce(topo, step, p.from, p.to, options.timeoutMs)));
  const retry = pairs.filter((p, i) => first[i]?.connected !== expected.get(p.from, p.to));
  const second = await Promise.all(retry.map((p) => probeOnce(topo, step, p.from, p.to, options.timeoutMs)));
  pairs.forEach((p, i) => {
    const r = first[i];
    if (r === undefined) return;
    observed.set(key(p.from, p.to), r.connected);
    if (r.detail !== "") details.set(key(p.from, p.to), r.detail);
  });
  const sourcePorts = new Map<string, number>();
  pairs.forEach((p, i) => {
    const r = first[i];
    if (r?.srcPort !== undefined) sourcePorts.set(key(p.from, p.to), r.srcPort);
  });
  const mismatches: Mismatch[] = [];
  retry.forEach((p, i) => {
    const r = second[i];
    if (r === undefined) return;
    observed.set(key(p.from, p.to), r.connected);
    if (r.srcPort !== undefined) sourcePorts.set(key(p.from, p.to), r.srcPort);
    if (r.detail !== "") details.set(key(p.from, p.to), r.detail);
    else details.delete(key(p.from, p.to));
    const exp = expected.get(p.from, p.to);
    if (r.connected !== exp) {
      mismatches.push({ from: p.from, to: p.to, expected: exp, observed: r.connected, ...(r.detail !== "" ? { detail: r.detail } : {}) });
    }
  });
  return { step, expected, observed, details, mismatches, ...(sourcePorts.size > 0 && { sourcePorts }) };
}

/** Expected, observed and difference matrices of one step, for failure messages. */
export function describeStep(outcome: StepOutcome): string {
  const { expected, observed, step } = outcome;
  const pods = expected.pods;
  const obs = (f: string, t: string): Observation | undefined => observed.get(key(f, t));
  const exp = (f: string, t: string): Observation => expected.get(f, t);
  const head = stepLabel(step);
  if (outcome.skipped !== undefined) return `${head}: skipped (${outcome.skipped})`;
  const lines = [
    `${head}: ${outcome.mismatches.length === 0 ? "OK" : `${outcome.mismatches.length} mismatch(es)`}`,
    "expected (. connected, X blocked, - loopback not probed):",
    renderMatrix(pods, exp),
    "observed:",
    renderMatrix(pods, obs),
    "difference (! = observed differs from expected):",
    renderMatrix(pods, obs, exp),
  ];
  for (const m of outcome.mismatches) {
    lines.push(`  ${m.from} -> ${m.to}: expected ${m.expected ? "connected" : "blocked"}, observed ${m.observed ? "connected" : "blocked"}${m.detail ? ` (${m.detail})` : ""}`);
  }
  return lines.join("\n");
}
