/**
 * AgentEngine: source changes in, desired state and what changed out. Synchronous and pure (no
 * I/O, no clock): the agent owns watching, batching and applying.
 *
 * Rules:
 * - a put whose text fails validation (an error diagnostic in that text alone) is rejected: the
 *   source keeps its last good version, and the diagnostics say why;
 * - problems between resources (a duplicate, an unknown tier) leave those resources out, as the
 *   CLI's loader does, and are reported;
 * - a batch whose result cannot be compiled (CompileError: a host endpoint on this node, an
 *   unsupported policy feature, two endpoints on one interface) is rejected whole: every source
 *   it changed keeps its previous version.
 * So `desired` is always compile(model of the sources in force).
 */
import type { Diagnostic } from "../../diagnostics/types.js";
import { CompileError } from "../../render/errors.js";
import { compile, type CompileOptions } from "../../render/compile.js";
import type { DataplaneState } from "../../render/types.js";
import { buildModel } from "../../model/build.js";
import { dirtyBetween } from "./dirty.js";
import { allCollected, applyBatch, revertBatch, type SourceEntry } from "./sources.js";
import type { EngineOptions, EngineUpdate, SourceChange } from "./types.js";

const diagnosticKey = (d: Diagnostic): string => `${d.code} ${d.span?.file ?? ""} ${d.span?.start ?? ""} ${d.message}`;

const EMPTY_DIRTY = { chains: [], ipsets: [], hooks: false } as const;

export class AgentEngine {
  private readonly sources = new Map<string, SourceEntry>();
  private readonly compileOptions: CompileOptions;
  private state: DataplaneState;

  constructor(options: EngineOptions) {
    this.compileOptions = { ...options.compile, node: options.node };
    this.state = this.compileAll([]);
  }

  current(): DataplaneState {
    return this.state;
  }

  update(changes: readonly SourceChange[]): EngineUpdate {
    const batch = applyBatch(this.sources, changes);
    const diagnostics: Diagnostic[] = [...batch.diagnostics];
    if (batch.changed.size === 0) {
      return { kind: "EngineUpdate", desired: this.state, dirty: EMPTY_DIRTY, diagnostics, rejected: batch.rejected };
    }
    const modelDiagnostics: Diagnostic[] = [];
    let desired: DataplaneState;
    try {
      desired = this.compileAll(modelDiagnostics);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      revertBatch(this.sources, batch.changed);
      diagnostics.push(...e.diagnostics);
      const rejected = [...new Set([...batch.rejected, ...batch.changed.keys()])].sort();
      return { kind: "EngineUpdate", desired: this.state, dirty: EMPTY_DIRTY, diagnostics, rejected };
    }
    // Problems between resources, where they concern what this batch changed.
    const seen = new Set(diagnostics.map(diagnosticKey));
    for (const d of modelDiagnostics) {
      if (d.span !== undefined && batch.changed.has(d.span.file) && !seen.has(diagnosticKey(d))) diagnostics.push(d);
    }
    const dirty = dirtyBetween(this.state, desired);
    this.state = desired;
    return { kind: "EngineUpdate", desired, dirty, diagnostics, rejected: batch.rejected };
  }

  private compileAll(diagnostics: Diagnostic[]): DataplaneState {
    return compile(buildModel(allCollected(this.sources), diagnostics), this.compileOptions);
  }
}
