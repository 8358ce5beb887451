/**
 * What every command that takes `-f` does first: read the inputs, load and validate them, print
 * warnings and notices to stderr, and stop with exit code 1 (all diagnostics printed) when there
 * is any error.
 */
import { formatDiagnostics, hasErrors } from "../diagnostics/index.js";
import type { SourceFile } from "../diagnostics/types.js";
import { loadSources } from "../model/load.js";
import type { Model } from "../model/types.js";
import type { CliContext } from "./context.js";
import { readInputs } from "./files.js";
import { InputError, UsageError } from "./io.js";

export async function loadOrFail(paths: readonly string[], ctx: CliContext): Promise<{ model: Model; sources: SourceFile[] }> {
  if (paths.length === 0) throw new UsageError("policy-compile: no input: pass files or directories with -f");
  const sources = await readInputs(paths, ctx.io.cwd);
  if (sources.length === 0) throw noInputFiles(paths);
  const { model, diagnostics } = loadSources(sources);
  const text = formatDiagnostics(diagnostics, sources);
  if (hasErrors(diagnostics)) throw new InputError(text);
  if (text !== "") ctx.io.stderr(text);
  return { model, sources };
}

/** Paths that hold no input file: an error for every command (a CI glob that matched nothing must not pass). */
export function noInputFiles(paths: readonly string[]): InputError {
  return new InputError(`policy-compile: no *.yaml, *.yml or *.json files found in ${paths.join(", ")}`);
}
