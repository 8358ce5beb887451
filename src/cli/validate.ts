/**
 * `policy-compile validate -f PATH... [--format text|json]`: every diagnostic of the inputs.
 * Exit 0 when there is no error (warnings and notices allowed), 1 otherwise. Text goes to stderr
 * with a one-line summary on stdout; JSON (an array of {file, line, column, code, severity,
 * message}) goes to stdout.
 */
import { diagnosticsToJson, formatDiagnostics, hasErrors } from "../diagnostics/index.js";
import type { Diagnostic } from "../diagnostics/types.js";
import { loadSources } from "../model/load.js";
import type { RegisterCommand } from "./context.js";
import { readInputsReporting } from "./files.js";
import { ExitCode, UsageError } from "./io.js";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function summary(diags: readonly Diagnostic[], files: number): string {
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.filter((d) => d.severity === "warning").length;
  const verdict = errors > 0 ? "invalid" : "valid";
  return `${verdict}: ${count(files, "file")}, ${count(errors, "error")}, ${count(warnings, "warning")}\n`;
}

export const registerValidate: RegisterCommand = (program, ctx) => {
  program
    .command("validate")
    .description("check Calico and Kubernetes policy files and report every problem with file:line:col")
    .requiredOption("-f, --file <path>", "file or directory (recursively *.yaml, *.yml, *.json); repeatable", collect, [])
    .option("--format <format>", "text or json", "text")
    .action(async (opts: { file: string[]; format: string }) => {
      if (opts.format !== "text" && opts.format !== "json") {
        throw new UsageError(`policy-compile validate: --format must be text or json, found ${JSON.stringify(opts.format)}`);
      }
      if (opts.file.length === 0) throw new UsageError("policy-compile validate: pass files or directories with -f");
      const sources = await readInputsReporting(opts.file, ctx, opts.format);
      if (sources === null) return;
      const { diagnostics } = loadSources(sources);
      if (opts.format === "json") {
        ctx.io.stdout(`${JSON.stringify(diagnosticsToJson(diagnostics, sources), null, 2)}\n`);
      } else {
        ctx.io.stderr(formatDiagnostics(diagnostics, sources));
        ctx.io.stdout(summary(diagnostics, sources.length));
      }
      ctx.exitCode = hasErrors(diagnostics) ? ExitCode.invalidInput : ExitCode.ok;
    });
};
