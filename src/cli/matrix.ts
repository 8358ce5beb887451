/**
 * `policy-compile matrix -f PATH...`: allow/deny for every ordered pod pair, by tracing the
 * compiled rules; `matrix --from OLD... --to NEW...`: only the pairs a change flips; `matrix
 * --staged [--changes]`: the verdicts with the staged policies promoted (trace/staged.ts). Output is
 * streamed from the class-level matrix, so a 5,000-pod matrix (25M pairs) is never held whole.
 */
import { hostInterfaceOption, parseHostInterfaces, type HostInterfaceFlagValues } from "./host-interface-flags.js";
import { failsafeFromFlags, failsafeInboundOption, failsafeOutboundOption, type FailsafeFlagValues } from "./failsafe-flags.js";
import { Option, type Command } from "commander";
import { DATAPLANE_HELP, dataplaneOption, type Dataplane } from "./dataplane-flag.js";
import {
  EPHEMERAL_SOURCE_PORT,
  matrixChanges,
  matrixJsonChunks,
  matrixTextChunks,
  reachabilityMatrix,
  stagedChanges,
  stagedMatrix,
  stagedMatrixJsonChunks,
  stagedChangeJson,
  stagedChangesText,
  stagedMatrixHeader,
  type StagedChange,
  type StagedMatrix,
  type Matrix,
  type MatrixOptions,
  type TraceProtocol,
} from "../trace/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { parsePort, traceFailure } from "./explain.js";
import { ExitCode, UsageError, type Io } from "./io.js";
import { addFormatOptions, chosenFormat, fileOption, protocolOption, refusePortWithIcmp } from "./options.js";
import { requireNamespace } from "../trace/select.js";
import { sourcePortNote } from "./source-port-note.js";
import { loadOrFail } from "./load.js";
import { matrixHtmlViewWithProgress, writeMatrixHtml, type TracedState } from "./matrix-html.js";
import { progressFor } from "./progress.js";

interface MatrixCommandOptions extends FailsafeFlagValues, HostInterfaceFlagValues {
  readonly file?: string[];
  readonly from?: string[];
  readonly to?: string[];
  readonly port?: string;
  readonly sourcePort?: string;
  readonly protocol?: TraceProtocol;
  readonly namespace?: string;
  readonly ipVersion?: "4" | "6";
  readonly format?: string;
  readonly output?: string;
  readonly out?: string;
  readonly staged?: boolean;
  readonly changes?: boolean;
  readonly exitCode?: boolean;
  readonly dataplane: Dataplane;
}

const HELP_AFTER = `
Output (text): per port and protocol a grid of "." allow and "X" deny, rows are sources and
columns destinations, sorted by namespace, then name. With --from/--to only the pairs whose
verdict changes, one line each ("opened" or "closed"); -o json carries the same pairs.

Exit code: 0; with --from/--to and --exit-code, 1 when some pair changes (as git diff
--exit-code does). 1 for invalid input or an unknown --namespace, 2 for a bad command line.

Examples:
  $ policy-compile matrix -f policies/ -f cluster.yaml
  $ policy-compile matrix -f policies/ -n shop --port 8080 --protocol tcp -o json
  $ policy-compile matrix --from main/policies --to pr/policies --exit-code
`;

async function stream(io: Io, chunks: Iterable<string>): Promise<void> {
  for (const c of chunks) {
    io.stdout(c);
    if (io.stdoutReady) await io.stdoutReady();
  }
}

function* jsonLines(m: Matrix): Generator<string> {
  yield* matrixJsonChunks(m);
  yield "\n";
}

function* stagedJsonLines(m: StagedMatrix): Generator<string> {
  yield* stagedMatrixJsonChunks(m);
  yield "\n";
}

export const registerMatrix: RegisterCommand = (program: Command, ctx: CliContext) => {
  const cmd = program
    .command("matrix")
    .description("Reachability of every ordered pod pair, traced through the compiled rules (or, with --from/--to, what a change flips).")
    .addOption(fileOption())
    .option("--from <path...>", "the inputs before a change (with --to)")
    .option("--to <path...>", "the inputs after a change (with --from)")
    .option("--port <n>", "one destination port for all pods (default: each destination's declared ports, 80 if none)")
    .option("--source-port <n>", `source port of every flow (default ${EPHEMERAL_SOURCE_PORT}, an ephemeral port)`)
    .addOption(protocolOption("protocol (default TCP)"))
    .option("-n, --namespace <ns>", "only pods of this namespace")
    .addOption(new Option("--ip-version <version>", "IP family traced: 6 uses the pods' IPv6 addresses and the IPv6 rules (default 4)").choices(["4", "6"]))
    .option("--exit-code", "with --from/--to: exit 1 when some pair changes");
  addFormatOptions(cmd, ["text", "json", "html"], "text")
    .option("--out <file>", "with --format html: write the page to FILE instead of stdout")
    .addHelpText("after", HELP_AFTER)
    .addOption(failsafeInboundOption())
    .addOption(failsafeOutboundOption())
    .addOption(hostInterfaceOption())
    .addOption(dataplaneOption({ description: `${DATAPLANE_HELP}; the verdicts are the same, traced through that dataplane's rules` }))
    .option("--staged", "answer for the cluster with its staged policies promoted; json pairs carry both the enforced and the pending verdict")
    .option("--changes", "with --staged: only the pairs whose pending verdict differs from today's, each with the staged policy and rule that decides it")
    .action(async (o: MatrixCommandOptions) => {
      const format = chosenFormat<"text" | "json" | "html">(o, "text", "policy-compile matrix");
      refusePortWithIcmp(o.protocol, o, "policy-compile matrix");
      if (o.exitCode && !(o.from || o.to)) throw new UsageError("policy-compile matrix: --exit-code goes with --from/--to (it tells whether a change flips a pair)");
      const failsafe = failsafeFromFlags(o);
      const hostInterfaces = o.hostInterface?.length ? parseHostInterfaces(o.hostInterface) : undefined;
      const port = parsePort(o.port);
      const srcPort = parsePort(o.sourcePort, "--source-port");
      const options: MatrixOptions = {
        ...(port !== undefined && { port }),
        ...(srcPort !== undefined && { srcPort }),
        ...(o.protocol && { protocol: o.protocol }),
        ...(o.namespace && { namespace: o.namespace }),
        ...(o.ipVersion === "6" && { ipVersion: 6 as const }),
        ...(o.dataplane === "nftables" && { dataplane: "nftables" as const }),
      };
      const progress = progressFor(ctx.io);
      const traced = async (paths: string[], label = "compiling nodes"): Promise<TracedState> => {
        const { model, sources } = await loadOrFail(paths, ctx);
        const traceOptions = { ...(failsafe && { failsafe }), ...(hostInterfaces && { hostInterfaces }) };
        try {
          if (o.namespace !== undefined) requireNamespace(model, o.namespace, "--namespace");
          return { matrix: reachabilityMatrix(model, { ...options, ...traceOptions, sources, progress: (d, t) => progress.update(label, d, t) }), model, sources, traceOptions };
        } catch (err) {
          return traceFailure(err, sources);
        } finally {
          progress.stop();
        }
      };
      const compute = async (paths: string[], label?: string): Promise<Matrix> => (await traced(paths, label)).matrix;
      const html = format === "html";
      if (o.out !== undefined && !html) throw new UsageError("policy-compile matrix: --out goes with --format html");
      if (html && o.changes) throw new UsageError("policy-compile matrix: --format html shows the whole --staged matrix with its changes marked; drop --changes");
      const note = (m: Matrix): void => {
        if (o.protocol === "ICMP") return; // ICMP has no ports
        const text = sourcePortNote(m);
        if (text) ctx.io.stderr(text);
      };
      if (o.changes && !o.staged) throw new UsageError("policy-compile matrix: --changes goes with --staged");
      if (o.staged) {
        if (o.from || o.to || !o.file) throw new UsageError("policy-compile matrix: --staged takes -f PATH..., not --from/--to");
        const { model, sources } = await loadOrFail(o.file, ctx);
        if (o.namespace !== undefined) {
          try {
            requireNamespace(model, o.namespace, "--namespace");
          } catch (err) {
            traceFailure(err, sources);
          }
        }
        const traceOptions = { ...options, sources, ...(failsafe && { failsafe }), ...(hostInterfaces && { hostInterfaces }) };
        let sm: StagedMatrix;
        try {
          sm = stagedMatrix(model, traceOptions);
        } catch (err) {
          return traceFailure(err, sources);
        }
        note(sm.pending);
        if (html) {
          const state = { matrix: sm.enforced, model, sources, traceOptions: { ...(failsafe && { failsafe }), ...(hostInterfaces && { hostInterfaces }) } };
          await writeMatrixHtml(matrixHtmlViewWithProgress({ kind: "staged", paths: o.file, state, pending: sm.pending }, options, ctx), o.out, ctx);
          return;
        }
        if (o.changes) {
          let changes: StagedChange[];
          try {
            changes = [...stagedChanges(model, sm, traceOptions)];
          } catch (err) {
            return traceFailure(err, sources);
          }
          if (format === "json") ctx.io.stdout(`${JSON.stringify({ changes: changes.map(stagedChangeJson) }, null, 2)}\n`);
          else ctx.io.stdout(stagedChangesText(changes));
          return;
        }
        if (format === "json") await stream(ctx.io, stagedJsonLines(sm));
        else {
          ctx.io.stdout(stagedMatrixHeader(sm));
          await stream(ctx.io, matrixTextChunks(sm.pending));
        }
        return;
      }
      if (o.from || o.to) {
        if (!o.from || !o.to || o.file) throw new UsageError("policy-compile matrix: --from and --to go together, without -f");
        if (html) {
          const base = await traced(o.from, "compiling nodes (before)");
          const head = await traced(o.to, "compiling nodes (after)");
          note(head.matrix);
          await writeMatrixHtml(matrixHtmlViewWithProgress({ kind: "change", from: o.from, to: o.to, base, head }, options, ctx), o.out, ctx);
          return;
        }
        const before = await compute(o.from, "compiling nodes (before)");
        const after = await compute(o.to, "compiling nodes (after)");
        note(after);
        const changes = matrixChanges(before, after);
        if (format === "json") ctx.io.stdout(`${JSON.stringify({ changes }, null, 2)}\n`);
        else if (changes.length === 0) ctx.io.stdout("no pair changes\n");
        else ctx.io.stdout(changes.map((c) => `${c.change.padEnd(6)} ${c.from} -> ${c.to} ${c.protocol}${c.port === null ? "" : `/${c.port}`}\n`).join(""));
        if (o.exitCode && changes.length > 0) ctx.exitCode = ExitCode.invalidInput;
        return;
      }
      if (!o.file) throw new UsageError("policy-compile matrix: pass -f PATH... (or --from OLD... --to NEW...)");
      if (html) {
        const state = await traced(o.file);
        note(state.matrix);
        await writeMatrixHtml(matrixHtmlViewWithProgress({ kind: "state", paths: o.file, state }, options, ctx), o.out, ctx);
        return;
      }
      const m = await compute(o.file);
      note(m);
      if (format === "json") await stream(ctx.io, jsonLines(m));
      else await stream(ctx.io, matrixTextChunks(m));
    });
};
