/**
 * `loadSources`: the model stage's entry point. Pure: it reads nothing but the texts it is given.
 * Files are processed in path order (so reports are stable however files were listed); the
 * model is sorted by key (so it is identical however resources were ordered).
 */
import { capDiagnostics, DEFAULT_DIAGNOSTIC_LIMIT } from "../diagnostics/collect.js";
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import { buildModel } from "./build.js";
import { collectFile, type AnyCollected } from "./collect.js";
import type { Model } from "./types.js";

export interface LoadResult {
  readonly model: Model;
  /** Sorted by file and position; capped (see LoadOptions.maxDiagnostics). */
  readonly diagnostics: readonly Diagnostic[];
}

export interface LoadOptions {
  /** At most this many diagnostics are returned, plus one PC9001 note counting the rest. Default 200. */
  readonly maxDiagnostics?: number;
  /**
   * Default true: YAML in the plain block subset is read by a fast reader that gives what the
   * `yaml` parser gives; false reads all YAML with `yaml` (for comparisons and benchmarks).
   */
  readonly yamlFastPath?: boolean;
}

export function loadSources(sources: readonly SourceFile[], options: LoadOptions = {}): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const collected: AnyCollected[] = [];
  const ordered = [...sources].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const source of ordered) collectFile(source, diagnostics, collected, options.yamlFastPath ?? true);
  const model = buildModel(collected, diagnostics);
  return { model, diagnostics: capDiagnostics(diagnostics, options.maxDiagnostics ?? DEFAULT_DIAGNOSTIC_LIMIT) };
}
