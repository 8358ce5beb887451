/**
 * `matrix --format html [--out FILE]`: the matrix (or a change, or the staged preview) as one
 * self-contained page (trace/matrix-html.ts). The walks the page shows are the text `explain`
 * prints for the same pair, computed here for one representative pair per cell and state
 * (trace/matrix-view.ts bounds how many).
 */
import { rename, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { SourceFile } from "../diagnostics/types.js";
import type { Model } from "../model/types.js";
import {
  FlowTracer,
  StagedTracer,
  buildMatrixView,
  renderMatrixHtml,
  type ExplainOptions,
  type Flow,
  type Matrix,
  type MatrixOptions,
  type MatrixView,
  type MatrixViewInput,
  type WalkRequest,
} from "../trace/index.js";
import type { CliContext } from "./context.js";
import { explanationText, stagedExplanationText, traceFailure, type WalkHeading } from "./explain.js";
import { UsageError } from "./io.js";
import { progressFor } from "./progress.js";

/** A state of the cluster as the html view needs it: its matrix and a tracer for its walks. */
export interface TracedState {
  readonly matrix: Matrix;
  readonly model: Model;
  readonly sources: readonly SourceFile[];
  readonly traceOptions: ExplainOptions;
}

export type HtmlMode =
  | { readonly kind: "state"; readonly paths: readonly string[]; readonly state: TracedState }
  | { readonly kind: "change"; readonly from: readonly string[]; readonly to: readonly string[]; readonly base: TracedState; readonly head: TracedState }
  | { readonly kind: "staged"; readonly paths: readonly string[]; readonly state: TracedState; readonly pending: Matrix };

/** "ns/pod" as a flow peer; anything else (a CIDR: a namespace has no "." or ":") is not a pod. */
export const podPeer = (key: string): Extract<Flow["from"], { kind: "pod" }> | undefined => {
  const m = /^([^/.:]+)\/([^/]+)$/.exec(key);
  return m ? { kind: "pod", namespace: m[1] as string, name: m[2] as string } : undefined;
};

/** A pod of the matrix (always "ns/pod"). */
const matrixPod = (key: string): Flow["from"] => {
  const p = podPeer(key);
  if (!p) throw new Error(`not a pod: ${key}`);
  return p;
};

function flowOf(r: WalkRequest, options: MatrixOptions): Flow {
  return {
    from: matrixPod(r.from),
    to: matrixPod(r.to),
    protocol: r.probe.protocol,
    ...(r.probe.port !== null && { port: r.probe.port }),
    ...(options.srcPort !== undefined && r.probe.port !== null && { srcPort: options.srcPort }),
    ...(options.ipVersion !== undefined && { ipVersion: options.ipVersion }),
  };
}

function headingOf(r: WalkRequest, options: MatrixOptions): WalkHeading {
  return {
    from: r.from,
    to: r.to,
    protocol: r.probe.protocol,
    ...(r.probe.port !== null && { port: String(r.probe.port) }),
    ...(options.srcPort !== undefined && r.probe.port !== null && { sourcePort: String(options.srcPort) }),
  };
}

const tracerOf = (s: TracedState): FlowTracer => new FlowTracer(s.model, { ...s.traceOptions, sources: s.sources });

/** The view of a mode: titles, both states' matrices, and the walk of a pair as explain prints it. */
export function matrixHtmlView(mode: HtmlMode, options: MatrixOptions, progress?: (done: number, total: number) => void): MatrixView {
  const v6 = options.ipVersion === 6;
  const probeNote = options.port !== undefined ? `every destination probed on ${options.protocol ?? "TCP"}/${options.port}` : options.protocol === "ICMP" ? "ICMP echo to every destination" : "each destination probed on its declared ports (TCP/80 when it declares none)";
  const scope = options.namespace !== undefined ? [`only namespace ${options.namespace}`] : [];
  let input: MatrixViewInput;
  if (mode.kind === "state") {
    const tracer = tracerOf(mode.state);
    input = {
      title: `Reachability: ${mode.paths.join(" ")}`,
      subtitle: [probeNote, ...scope],
      head: mode.state.matrix,
      walk: (r) => explanationText(tracer.explain(flowOf(r, options)), headingOf(r, options), v6),
    };
  } else if (mode.kind === "change") {
    const before = tracerOf(mode.base);
    const after = tracerOf(mode.head);
    input = {
      title: `Reachability change: ${mode.from.join(" ")} -> ${mode.to.join(" ")}`,
      subtitle: [`--from ${mode.from.join(" ")}`, `--to ${mode.to.join(" ")}`, probeNote, ...scope],
      head: mode.head.matrix,
      base: mode.base.matrix,
      states: { base: "--from", head: "--to" },
      walk: (r) => {
        const flow = flowOf(r, options);
        const heading = headingOf(r, options);
        const now = `after (--to):\n${explanationText(after.explain(flow), heading, v6)}`;
        if (r.state !== "opened" && r.state !== "closed") return now;
        return `${now}\nbefore (--from):\n${explanationText(before.explain(flow), heading, v6)}`;
      },
    };
  } else {
    const tracer = new StagedTracer(mode.state.model, { ...mode.state.traceOptions, sources: mode.state.sources });
    input = {
      title: `Staged policies promoted: ${mode.paths.join(" ")}`,
      subtitle: ["today's verdicts (enforced) against the verdicts with the staged policies promoted (pending)", probeNote, ...scope],
      head: mode.pending,
      base: mode.state.matrix,
      states: { base: "enforced", head: "pending" },
      walk: (r) => stagedExplanationText(tracer.explain(flowOf(r, options)), headingOf(r, options), v6),
    };
  }
  const sources = mode.kind === "change" ? mode.head.sources : mode.state.sources;
  try {
    return buildMatrixView({ ...input, ...(progress && { progress }) });
  } catch (err) {
    return traceFailure(err, sources);
  }
}

/** The view with the walks' progress on a terminal's stderr (silent in CI and when piped). */
export function matrixHtmlViewWithProgress(mode: HtmlMode, options: MatrixOptions, ctx: CliContext): MatrixView {
  const bar = progressFor(ctx.io);
  try {
    return matrixHtmlView(mode, options, (done, total) => bar.update("explaining cells", done, total));
  } finally {
    bar.stop();
  }
}

/** The page on stdout, or in FILE (a temporary name first, then renamed: never half a page). */
export async function writeMatrixHtml(view: MatrixView, out: string | undefined, ctx: CliContext): Promise<void> {
  const html = renderMatrixHtml(view);
  if (out === undefined) {
    ctx.io.stdout(html);
    return;
  }
  const file = resolve(ctx.io.cwd, out);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, html);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new UsageError(`policy-compile matrix: cannot write ${out}: ${(e as Error).message}`);
  }
  const cells = view.grids.reduce((n, g) => n + g.counts.length / 4, 0);
  ctx.io.stdout(`wrote ${out}: ${view.pods} pods in ${view.members.length} ${view.level === "pod" ? "rows" : `${view.level} rows`}, ${view.grids.length} probe${view.grids.length === 1 ? "" : "s"}, ${cells} cells, ${view.walks.length} walks\n`);
}
