/**
 * Where an unclosed YAML flow collection was opened. The yaml library notices a `{` or `[` that
 * is never closed only at the next line whose indentation ends it ("Flow map in block collection
 * must be sufficiently indented and end with a }", BAD_INDENT), and reports that line: one line
 * after the mistake, at a line that is fine. The mistake is the opener, so the diagnostic points
 * there and keeps the library's position as a note.
 *
 * The scan follows YAML's tokens only as far as needed: quoted scalars ('…' with '' escapes,
 * "…" with \ escapes) and comments (a `#` at a line start or after white space) are skipped;
 * in block context a plain scalar may itself hold brackets (`selector: a in {"x"}`), which the
 * scan counts too, so it answers only when the innermost unclosed opener is of the kind the
 * library named and is on an earlier line.
 */

const FLOW_ERROR = /^Flow (map|sequence) in block collection must be sufficiently indented and end with a [}\]]/;

/** The offset of the unclosed `{` (map) or `[` (sequence) behind a BAD_INDENT error at `at`, if found. */
export function unclosedFlowOpener(text: string, at: number, message: string): number | undefined {
  const m = FLOW_ERROR.exec(message);
  if (!m) return undefined;
  const want = m[1] === "map" ? "{" : "[";
  const stack: number[] = [];
  let i = 0;
  while (i < at && i < text.length) {
    const c = text[i] as string;
    if (c === "'" || c === '"') {
      i = quotedEnd(text, i, c);
      continue;
    }
    if (c === "#" && (i === 0 || /\s/.test(text[i - 1] as string))) {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === "{" || c === "[") stack.push(i);
    else if ((c === "}" || c === "]") && stack.length > 0 && text[stack[stack.length - 1] as number] === (c === "}" ? "{" : "[")) stack.pop();
    i++;
  }
  const open = stack[stack.length - 1];
  if (open === undefined || text[open] !== want) return undefined;
  // Only an opener on an earlier line than the one the library reported is a correction.
  return text.lastIndexOf("\n", at - 1) > open ? open : undefined;
}

/** The offset just after the quoted scalar that starts at `start`. */
function quotedEnd(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (quote === '"' && c === "\\") i += 2;
    else if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") i += 2;
      else return i + 1;
    } else i++;
  }
  return i;
}
