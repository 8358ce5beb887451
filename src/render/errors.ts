import type { Diagnostic } from "../diagnostics/types.js";

/**
 * The model holds something this compiler cannot enforce yet (host endpoints, preDNAT,
 * doNotTrack, applyOnForward policy) or that cannot be enforced at all (two local endpoints on
 * one interface). Refusing is the safe choice: a silently ignored policy is a hole.
 */
export class CompileError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join("\n"));
    this.name = "CompileError";
    this.diagnostics = diagnostics;
  }
}
