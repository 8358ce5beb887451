/**
 * Running one case on a topology: compile for both nodes, load, probe every step, and build a
 * failure message that is enough to debug from: every step's expected/observed/difference
 * matrices, the case's input files, and what was loaded into each node.
 */
import { backendLabel, isNativeNft, type KernelBackend } from "./backend.js";
import type { CaseFamily, KernelCase } from "./case.js";
import { caseSources, compileNodesFor, describeOutput, loadModel, loadNodes } from "./pipeline.js";
import { describeStep, probeStep, stepLabel, type ProbeOptions, type ProbeStep, type StepOutcome } from "./probe.js";
import { Reachability } from "./reachability.js";
import type { Topology } from "./topology.js";
import { isDualStack } from "./dual-stack.js";
import { FlowTracer, rangeOf, reachabilityMatrix, stagedMatrix, type FlowPeer, type Matrix, type TraceDataplane } from "../../../src/trace/index.js";
import { promoteStaged } from "../../../src/model/promote.js";
import type { Model } from "../../../src/model/types.js";

export interface CaseReport {
  readonly ok: boolean;
  readonly steps: readonly StepOutcome[];
  /** "SCTP/80 (reason)" for every step that could not be probed here. */
  readonly skipped: readonly string[];
  /** The full failure message (empty when ok). */
  readonly message: string;
}

export async function runCase(
  topo: Topology,
  backend: KernelBackend,
  family: CaseFamily,
  kcase: KernelCase,
  options: ProbeOptions,
): Promise<CaseReport> {
  const sources = caseSources(family, kcase);
  const loaded = loadModel(sources);
  // A staged case loads the promoted cluster's rules when it asks for them.
  const model = kcase.staged === "promoted" ? promoteStaged(loaded) : loaded;
  const outputs = compileNodesFor(model, family.nodes, backend);
  await loadNodes(topo, backend, outputs);
  // The trace is checked in the dataplane the kernel runs.
  const dataplane: TraceDataplane = isNativeNft(backend) ? "nftables" : "iptables";

  // Steps are independent (different ports or protocols, fresh source ports), so they run at once.
  // A dual-stack family probes every step over IPv4 and over IPv6, against the same truth table.
  const families: (6 | undefined)[] = isDualStack(family) ? [undefined, 6] : [undefined];
  const steps: StepOutcome[] = await Promise.all(
    kcase.probes.flatMap((probe) =>
      families.map((ipVersion) => {
        const expected = new Reachability(kcase.pods, probe.defaultExpectation ?? true);
        probe.expect?.(expected);
        const base: ProbeStep = probe.protocol === "ICMP" ? { protocol: "ICMP" } : { protocol: probe.protocol, port: probe.port };
        const step: ProbeStep = ipVersion === 6 ? { ...base, ipVersion } : base;
        return probeStep(topo, step, expected, options);
      }),
    ),
  );
  const skipped = steps.filter((s) => s.skipped !== undefined).map((s) => `${stepLabel(s.step)} (${s.skipped})`);
  const traceDisagreements = [...traceVsKernel(model, steps, dataplane), ...(kcase.staged !== undefined ? stagedMatrixVsKernel(loaded, kcase.staged, steps, dataplane) : [])];
  const ok = steps.every((s) => s.mismatches.length === 0) && traceDisagreements.length === 0;
  if (ok) return { ok, steps, skipped, message: "" };

  const message = [
    `kernel case "${kcase.name}" failed on ${backendLabel(backend)}`,
    `pods: ${kcase.pods.map((k) => `${k}@${topo.pod(k).node}(${[topo.pod(k).ip, topo.pod(k).ip6].filter((x) => x !== undefined).join(", ")})`).join(" ")}`,
    "",
    ...steps.map(describeStep),
    ...(traceDisagreements.length > 0 ? ["", "trace (policy-compile explain or matrix) disagrees with the kernel (on a step not probed: with its stated expectation):", ...traceDisagreements] : []),
    "",
    ...sources.filter((s) => s.file !== "cluster.yaml").map((s) => `--- ${s.file} ---\n${s.text}`),
    ...labelChanges(kcase),
    ...outputs.map(describeOutput),
  ].join("\n");
  return { ok, steps, skipped, message };
}

function labelChanges(kcase: KernelCase): string[] {
  const out: string[] = [];
  for (const [ns, labels] of Object.entries(kcase.namespaceLabels ?? {})) out.push(`--- namespace ${ns} gets labels ${JSON.stringify(labels)}`);
  for (const [pod, labels] of Object.entries(kcase.podLabels ?? {})) out.push(`--- pod ${pod} gets labels ${JSON.stringify(labels)}`);
  return out;
}

/**
 * Conformance of the trace: on every probed pair, the verdict explainFlow computes from the
 * compiled rules must be what the real kernel did, and so must the class-level matrix's (for
 * the step's protocol, port and IP family; when rules tell source ports apart, on pairs whose probe's
 * source port gets the same treatment as the matrix's). A step the kernel could not be probed
 * on (SCTP here) still has its stated expectation checked, against the trace and the matrix:
 * the rules were compiled and loaded, only the traffic is missing.
 */
function traceVsKernel(model: Model, steps: readonly StepOutcome[], dataplane: TraceDataplane): string[] {
  const tracer = new FlowTracer(model, { dataplane });
  const pod = (key: string): FlowPeer => {
    const [namespace, name] = key.split("/") as [string, string];
    return { kind: "pod", namespace, name };
  };
  const out: string[] = [];
  for (const s of steps) {
    // The matrix of the step's family: IPv6 probes are judged against the IPv6 matrix.
    const family = s.step.ipVersion === 6 ? { ipVersion: 6 as const, dataplane } : { dataplane };
    const m: Matrix = reachabilityMatrix(model, s.step.protocol === "ICMP" ? { protocol: "ICMP", ...family } : { protocol: s.step.protocol, port: s.step.port, ...family });
    const matrixRange = rangeOf(m.sourcePortRanges, m.srcPort);
    for (const { from, to } of s.expected.pairs()) {
      const probed = s.observed.get(`${from} -> ${to}`);
      if (s.skipped === undefined && typeof probed !== "boolean") continue;
      // Not probed (s.skipped): the stated expectation stands in for the kernel.
      const observed = typeof probed === "boolean" ? probed : s.expected.get(from, to);
      const kernel = typeof probed === "boolean" ? `kernel ${observed ? "connected" : "blocked"}` : `expected ${observed ? "connected" : "blocked"} (not probed: ${s.skipped})`;
      // The source port the kernel saw, so rules matching source ports are judged on it.
      const srcPort = s.sourcePorts?.get(`${from} -> ${to}`);
      const base = s.step.protocol === "ICMP" ? { protocol: "ICMP" as const } : { protocol: s.step.protocol, port: s.step.port, ...(srcPort !== undefined && { srcPort }) };
      const flow = s.step.ipVersion === 6 ? { ...base, ipVersion: 6 as const } : base;
      const verdict = tracer.explain({ from: pod(from), to: pod(to), ...flow }).verdict;
      if ((verdict === "allow") !== observed) out.push(`  ${stepLabel(s.step)} ${from} -> ${to}: trace says ${verdict}, ${kernel}`);
      const comparable = m.sourcePortRanges.length === 0 || srcPort === undefined || rangeOf(m.sourcePortRanges, srcPort) === matrixRange;
      const cell = m.verdict(from, to, s.step.protocol, s.step.protocol === "ICMP" ? null : s.step.port);
      if (comparable && (cell === "allow") !== observed) out.push(`  ${stepLabel(s.step)} ${from} -> ${to}: matrix says ${String(cell)}, ${kernel}`);
    }
  }
  return out;
}

/**
 * `matrix --staged` against the kernel: with the promoted cluster's rules loaded, every probed
 * pair's pending verdict must be what the kernel did; with today's rules, its enforced verdict.
 */
function stagedMatrixVsKernel(model: Model, mode: "enforced" | "promoted", steps: readonly StepOutcome[], dataplane: TraceDataplane): string[] {
  const out: string[] = [];
  for (const s of steps) {
    if (s.skipped !== undefined) continue;
    const family = s.step.ipVersion === 6 ? { ipVersion: 6 as const, dataplane } : { dataplane };
    const m = stagedMatrix(model, s.step.protocol === "ICMP" ? { protocol: "ICMP", ...family } : { protocol: s.step.protocol, port: s.step.port, ...family });
    const verdicts = new Map([...m.pairs()].map((p) => [`${p.from} -> ${p.to}`, mode === "promoted" ? p.pending : p.enforced]));
    for (const { from, to } of s.expected.pairs()) {
      const observed = s.observed.get(`${from} -> ${to}`);
      if (typeof observed !== "boolean") continue;
      const v = verdicts.get(`${from} -> ${to}`);
      if ((v === "allow") !== observed) out.push(`  ${stepLabel(s.step)} ${from} -> ${to}: matrix --staged says ${mode === "promoted" ? "pending" : "enforced"} ${String(v)}, kernel ${observed ? "connected" : "blocked"}`);
    }
  }
  return out;
}
