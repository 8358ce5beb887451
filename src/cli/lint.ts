/**
 * `policy-compile lint -f PATH... [--format text|json] [--strict]`: the loader's diagnostics plus
 * the lint stage's warnings. Exit 1 when the inputs do not load (errors), or with --strict when
 * there is any warning; 0 otherwise. Text goes to stderr with a summary line on stdout; JSON (the
 * same array as `validate --format json`) to stdout.
 */
import { capDiagnostics, diagnosticsToJson, formatDiagnostics, hasErrors, sortDiagnostics } from "../diagnostics/index.js";
import { lintModel } from "../lint/lint.js";
import { loadSources } from "../model/load.js";
import type { RegisterCommand } from "./context.js";
import { readInputsReporting } from "./files.js";
import { ExitCode, UsageError } from "./io.js";
import { summary } from "./validate.js";
import { noInputFiles } from "./load.js";
import { addFormatOptions, chosenFormat, fileOption, type FormatFlagValues } from "./options.js";

export const registerLint: RegisterCommand = (program, ctx) => {
  const cmd = program
    .command("lint")
    .description("warn about policy that is valid but probably wrong: selectors that match nothing, shadowed rules, redundant policies")
    .addOption(fileOption().makeOptionMandatory());
  addFormatOptions(cmd, ["text", "json"], "text")
    .option("--strict", "exit 1 when there is any warning")
    .addHelpText(
      "after",
      "\nRules are numbered as Calico numbers them in spec.ingress[N] / spec.egress[N]: the first is rule 0.\n\nExamples:\n  $ policy-compile lint -f policies/ -f cluster/\n  $ policy-compile lint -f policies/*.yaml cluster.yaml -o json --strict\n",
    )
    .action(async (opts: { file: string[]; strict?: boolean } & FormatFlagValues) => {
      const format = chosenFormat<"text" | "json">(opts, "text", "policy-compile lint");
      if (opts.file.length === 0) throw new UsageError("policy-compile lint: pass files or directories with -f");
      const sources = await readInputsReporting(opts.file, ctx, format);
      if (sources === null) return;
      if (sources.length === 0) throw noInputFiles(opts.file);
      const loaded = loadSources(sources);
      // Lint only a model that loaded cleanly: with errors, resources are missing from it.
      const diagnostics = hasErrors(loaded.diagnostics) ? loaded.diagnostics : sortDiagnostics([...loaded.diagnostics, ...lintModel(loaded.model, sources)]);
      // Output stays bounded: at most 200 are printed (then a PC9001 count); the summary and the exit code count all.
      const shown = capDiagnostics(diagnostics);
      if (format === "json") {
        ctx.io.stdout(`${JSON.stringify(diagnosticsToJson(shown, sources), null, 2)}\n`);
      } else {
        ctx.io.stderr(formatDiagnostics(shown, sources));
        ctx.io.stdout(summary(diagnostics, sources.length));
      }
      const warned = diagnostics.some((d) => d.severity === "warning");
      ctx.exitCode = hasErrors(diagnostics) || (opts.strict === true && warned) ? ExitCode.invalidInput : ExitCode.ok;
    });
};
