/**
 * `policy-compile matrix -f PATH...`: allow/deny for every ordered pod pair, by tracing the
 * compiled rules; `matrix --from OLD... --to NEW...`: only the pairs a change flips.
 */
import { Option, type Command } from "commander";
import { matrixChanges, reachabilityMatrix, renderMatrixText, type Matrix, type MatrixOptions, type TraceProtocol } from "../trace/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { parsePort, traceFailure } from "./explain.js";
import { UsageError } from "./io.js";
import { loadOrFail } from "./load.js";

interface MatrixCommandOptions {
  readonly file?: string[];
  readonly from?: string[];
  readonly to?: string[];
  readonly port?: string;
  readonly protocol?: TraceProtocol;
  readonly namespace?: string;
  readonly format: "text" | "json";
}

export const registerMatrix: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command("matrix")
    .description("Reachability of every ordered pod pair, traced through the compiled rules (or, with --from/--to, what a change flips).")
    .option("-f, --file <path...>", "YAML/JSON files or directories (recursive); repeatable")
    .option("--from <path...>", "the inputs before a change (with --to)")
    .option("--to <path...>", "the inputs after a change (with --from)")
    .option("--port <n>", "one destination port for all pods (default: each destination's declared ports, 80 if none)")
    .addOption(new Option("--protocol <p>", "protocol (default TCP)").choices(["TCP", "UDP", "SCTP", "ICMP"]))
    .option("--namespace <ns>", "only pods of this namespace")
    .addOption(new Option("--format <format>", "output").choices(["text", "json"]).default("text"))
    .action(async (o: MatrixCommandOptions) => {
      const port = parsePort(o.port);
      const options: MatrixOptions = { ...(port !== undefined && { port }), ...(o.protocol && { protocol: o.protocol }), ...(o.namespace && { namespace: o.namespace }) };
      const compute = async (paths: string[]): Promise<Matrix> => {
        const { model, sources } = await loadOrFail(paths, ctx);
        try {
          return reachabilityMatrix(model, { ...options, sources });
        } catch (err) {
          return traceFailure(err, sources);
        }
      };
      if (o.from || o.to) {
        if (!o.from || !o.to || o.file) throw new UsageError("policy-compile matrix: --from and --to go together, without -f");
        const changes = matrixChanges(await compute(o.from), await compute(o.to));
        if (o.format === "json") ctx.io.stdout(`${JSON.stringify({ changes }, null, 2)}\n`);
        else if (changes.length === 0) ctx.io.stdout("no pair changes\n");
        else ctx.io.stdout(changes.map((c) => `${c.change.padEnd(6)} ${c.from} -> ${c.to} ${c.protocol}${c.port === null ? "" : `/${c.port}`}\n`).join(""));
        return;
      }
      if (!o.file) throw new UsageError("policy-compile matrix: pass -f PATH... (or --from OLD... --to NEW...)");
      const m = await compute(o.file);
      if (o.format === "json") ctx.io.stdout(`${JSON.stringify({ pairs: m.pairs }, null, 2)}\n`);
      else ctx.io.stdout(renderMatrixText(m));
    });
};
