/**
 * Text and JSON renderings of diagnostics. Line and column are computed here, at print time,
 * from the source texts; a diagnostic itself only carries offsets. What a diagnostic echoes of
 * its input is bounded here (clip.ts): messages clip long quoted values, excerpts show a window
 * of a long line.
 *
 * Text form (one block per diagnostic, compiler style):
 *
 *     policies/web.yaml:7:17: error PC1002: invalid selector: expected ...
 *       selector: app == 'web' &&
 *                                ^
 *       note: ...
 */
import { clipMessage, excerptLines } from "./clip.js";
import { LineIndex } from "./position.js";
import type { Diagnostic, DiagnosticJson, SourceFile, Span } from "./types.js";

class SourceLookup {
  private readonly texts = new Map<string, string>();
  private readonly indexes = new Map<string, LineIndex>();

  constructor(sources: readonly SourceFile[]) {
    for (const s of sources) this.texts.set(s.file, s.text);
  }

  index(file: string): LineIndex | undefined {
    let idx = this.indexes.get(file);
    if (idx === undefined) {
      const text = this.texts.get(file);
      if (text === undefined) return undefined;
      idx = new LineIndex(text);
      this.indexes.set(file, idx);
    }
    return idx;
  }
}

function location(span: Span, lookup: SourceLookup): string {
  const idx = lookup.index(span.file);
  if (!idx) return span.file;
  const { line, column } = idx.lineColumn(span.start);
  return `${span.file}:${line}:${column}`;
}

/** The source line under a span (a window of it, when long) and a caret line marking it. */
function excerpt(span: Span, lookup: SourceLookup): string[] {
  const idx = lookup.index(span.file);
  if (!idx) return [];
  const { line } = idx.lineColumn(span.start);
  const [lineStart, lineEnd] = idx.lineBounds(line);
  const [text, carets] = excerptLines(idx.text, lineStart, lineEnd, span.start, Math.min(Math.max(span.start, span.end), lineEnd));
  return [`  ${text}`, `  ${carets}`];
}

function formatDiagnostic(d: Diagnostic, lookup: SourceLookup): string {
  const lines: string[] = [];
  const head = `${d.severity} ${d.code}: ${clipMessage(d.message)}`;
  if (d.span) {
    lines.push(`${location(d.span, lookup)}: ${head}`, ...excerpt(d.span, lookup));
  } else {
    lines.push(head);
  }
  for (const note of d.notes ?? []) {
    if (note.span) lines.push(`${location(note.span, lookup)}: note: ${clipMessage(note.message)}`, ...excerpt(note.span, lookup));
    else lines.push(`  note: ${clipMessage(note.message)}`);
  }
  return lines.join("\n");
}

/** All diagnostics as text, in the given order, each block ending with a newline. */
export function formatDiagnostics(diags: readonly Diagnostic[], sources: readonly SourceFile[]): string {
  const lookup = new SourceLookup(sources);
  return diags.map((d) => `${formatDiagnostic(d, lookup)}\n`).join("");
}

export function diagnosticsToJson(diags: readonly Diagnostic[], sources: readonly SourceFile[]): DiagnosticJson[] {
  const lookup = new SourceLookup(sources);
  return diags.map((d) => {
    const idx = d.span ? lookup.index(d.span.file) : undefined;
    const start = d.span && idx ? idx.lineColumn(d.span.start) : undefined;
    const end = d.span && idx ? idx.lineColumn(d.span.end) : undefined;
    const json: DiagnosticJson = {
      file: d.span?.file ?? null,
      line: start?.line ?? null,
      column: start?.column ?? null,
      ...(end ? { endLine: end.line, endColumn: end.column } : {}),
      code: d.code,
      severity: d.severity,
      message: clipMessage(d.message),
      ...(d.notes && d.notes.length > 0 ? { notes: d.notes.map((n) => clipMessage(n.message)) } : {}),
    };
    return json;
  });
}
