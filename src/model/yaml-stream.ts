/**
 * A multi-document YAML text cut into its documents without parsing it, so each document can be
 * read on its own (by the fast subset reader, or by `yaml` when the reader declines). A line that
 * is exactly `---` starts a document wherever it is; the cut is refused (undefined: the caller
 * parses the whole text with `yaml`) when the stream holds anything that makes documents depend
 * on each other or on their markers: directives (`%` lines), `...`, content after `---` on its
 * line, CR (line breaks `yaml` counts differently) or a byte-order mark after the start.
 */

/** [start0, end0, start1, end1, ...]: each document's text, without its `---` line. */
export type Segments = readonly number[];

const MARKERS = /^(?:---|\.\.\.|%)[^\n]*/gm;

export function splitYamlStream(text: string): Segments | undefined {
  if (text.includes("\r") || text.indexOf("\ufeff", 1) >= 0) return undefined;
  const out: number[] = [0];
  MARKERS.lastIndex = 0;
  for (let m = MARKERS.exec(text); m !== null; m = MARKERS.exec(text)) {
    if (m[0] !== "---") return undefined;
    out.push(m.index, Math.min(text.length, m.index + 4));
  }
  out.push(text.length);
  return out;
}

/** Characters the subset reader leaves to `yaml`: tabs, control characters, line separators, BOM. */
const UNUSUAL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;

/** Whether text[start, end) holds a character the subset reader does not handle. */
export function hasUnusualCharacter(text: string, start: number, end: number): boolean {
  return UNUSUAL.test(text.slice(start, end));
}
