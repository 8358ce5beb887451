/**
 * Diagnostics are plain data. Positions are stored as offsets into a source text; line and
 * column are computed only when a diagnostic is printed (see render.ts), so producing a
 * diagnostic is cheap and the same value prints as text or JSON.
 */

export type Severity = "error" | "warning" | "notice";

/** A source file as loaded: its path as the user gave it, and its full text. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
  /**
   * How to read the text; by default JSON for a `.json` file name, YAML otherwise. The agent's
   * etcd keys have no extension, but their values are JSON.
   */
  readonly format?: "json" | "yaml";
}

/** A half-open range [start, end) of UTF-16 offsets into `file`'s text. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export interface Diagnostic {
  /** Stable code from the registry in codes.ts, e.g. "PC1001". */
  readonly code: string;
  readonly severity: Severity;
  /** What was expected and what was found. */
  readonly message: string;
  /** Absent only for problems that have no place in a file (e.g. an unreadable path). */
  readonly span?: Span;
  /** Further places or hints ("first defined here", "did you mean ..."). */
  readonly notes?: readonly DiagnosticNote[];
}

export interface DiagnosticNote {
  readonly message: string;
  readonly span?: Span;
}

/** The JSON shape printed by `validate --format json` (one element per diagnostic). */
export interface DiagnosticJson {
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  /** Where the span ends (exclusive), when the diagnostic has one. */
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** The notes' messages, when there are any. */
  readonly notes?: readonly string[];
}
