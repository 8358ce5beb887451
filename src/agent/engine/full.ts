/**
 * The engine's reference behaviour: rebuild the model from every source in force and compile it
 * whole. The incremental engine must produce the same bytes; tests and the start-up path use this.
 */
import type { Diagnostic } from "../../diagnostics/types.js";
import { buildModel } from "../../model/build.js";
import type { Model } from "../../model/types.js";
import { compile, type CompileOptions } from "../../render/compile.js";
import type { DataplaneState } from "../../render/types.js";
import { allCollected, type SourceEntry } from "./sources.js";

export function modelOf(sources: ReadonlyMap<string, SourceEntry>, diagnostics: Diagnostic[] = []): Model {
  return buildModel(allCollected(sources), diagnostics);
}

export function compileSources(sources: ReadonlyMap<string, SourceEntry>, options: CompileOptions, diagnostics: Diagnostic[] = []): DataplaneState {
  return compile(modelOf(sources, diagnostics), options);
}
