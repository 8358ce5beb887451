/** Diagnostics: plain data, a code registry, and text/JSON renderers. */
export type { Diagnostic, DiagnosticJson, DiagnosticNote, Severity, SourceFile, Span } from "./types.js";
export { Codes, allCodes } from "./codes.js";
export type { CodeInfo, CodeName } from "./codes.js";
export { lineColumn, LineIndex } from "./position.js";
export type { LineColumn } from "./position.js";
export { formatDiagnostics, diagnosticsToJson } from "./render.js";
export { hasErrors, sortDiagnostics, capDiagnostics, compareDiagnostics, DEFAULT_DIAGNOSTIC_LIMIT } from "./collect.js";
