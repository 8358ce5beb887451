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
import { noInputFiles } from "./load.js";
import { addFormatOptions, chosenFormat, fileOption, type FormatFlagValues } from "./options.js";

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function summary(diags: readonly Diagnostic[], files: number): string {
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.filter((d) => d.severity === "warning").length;
  const verdict = errors > 0 ? "invalid" : "valid";
  return `${verdict}: ${count(files, "file")}, ${count(errors, "error")}, ${count(warnings, "warning")}\n`;
}

const HELP_AFTER = `
Exit code: 0 when no input has an error (warnings allowed), 1 when one has (or no input file is
found), 2 for a bad command line.

Examples:
  $ policy-compile validate -f policies/ -f cluster.yaml
  $ policy-compile validate -f policies/*.yaml -o json
`;

export const registerValidate: RegisterCommand = (program, ctx) => {
  const cmd = program
    .command("validate")
    .description("check Calico and Kubernetes policy files and report every problem with file:line:col")
    .addOption(fileOption().makeOptionMandatory());
  addFormatOptions(cmd, ["text", "json"], "text")
    .addHelpText("after", HELP_AFTER)
    .action(async (opts: { file: string[] } & FormatFlagValues) => {
      const format = chosenFormat<"text" | "json">(opts, "text", "policy-compile validate");
      if (opts.file.length === 0) throw new UsageError("policy-compile validate: pass files or directories with -f");
      const sources = await readInputsReporting(opts.file, ctx, format);
      if (sources === null) return;
      if (sources.length === 0) throw noInputFiles(opts.file);
      const { diagnostics } = loadSources(sources);
      if (format === "json") {
        ctx.io.stdout(`${JSON.stringify(diagnosticsToJson(diagnostics, sources), null, 2)}\n`);
      } else {
        ctx.io.stderr(formatDiagnostics(diagnostics, sources));
        ctx.io.stdout(summary(diagnostics, sources.length));
      }
      ctx.exitCode = hasErrors(diagnostics) ? ExitCode.invalidInput : ExitCode.ok;
    });
};
