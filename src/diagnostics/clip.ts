/**
 * Keeping what a diagnostic echoes from its input bounded and harmless. Inputs can hold
 * megabyte-long lines and names, and control characters; a report must stay readable and
 * small whatever it quotes, so every message and every source excerpt passes through here on
 * its way out (messages are built in many places; the renderers are the one place all of them
 * pass).
 */

/** A quoted value longer than this shows its start, `…`, and its length. */
export const MAX_QUOTED = 80;
/** A whole message longer than this (after clipping its quotes) shows its start and its length. */
export const MAX_MESSAGE = 1000;
/** Display columns of a source line shown around the caret. */
export const EXCERPT_WIDTH = 120;

const QUOTED = /"((?:[^"\\\n]|\\.)*)"/g;
// C0 controls but tab and line feed, DEL, C1 controls, and bidirectional overrides: echoed
// raw they move the cursor, recolour the terminal or reorder what the reader sees.
const UNPRINTABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** `s` without characters a terminal would interpret; each becomes U+FFFD (one column). */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, "\ufffd");
}

/** The first `n` UTF-16 units of `s`, not splitting a surrogate pair. */
function head(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** `s` (the start of a JSON string's inside) without a trailing escape that the cut left incomplete. */
function withoutBrokenEscape(s: string): string {
  let i = 0;
  while (i < s.length) {
    if (s.charCodeAt(i) !== 92 /* \\ */) {
      i++;
      continue;
    }
    const length = s[i + 1] === "u" ? 6 : 2;
    if (i + length > s.length) return s.slice(0, i);
    i += length;
  }
  return s;
}

/** Quoted values clipped to MAX_QUOTED, then the message to MAX_MESSAGE; control characters replaced. */
export function clipMessage(message: string): string {
  let m = message;
  if (m.length > MAX_QUOTED) {
    m = m.replace(QUOTED, (whole, inner: string) =>
      inner.length <= MAX_QUOTED ? whole : `"${withoutBrokenEscape(head(inner, MAX_QUOTED))}…" (${inner.length} characters)`,
    );
  }
  if (m.length > MAX_MESSAGE) m = `${head(m, MAX_MESSAGE)}… (${m.length} characters)`;
  return printable(m);
}

const ZERO_WIDTH = /^[\p{M}\u200b-\u200f\u2060\ufe00-\ufe0f\ufeff]$/u;
const WIDE = /^[\p{Emoji_Presentation}\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]$/u;

/** Terminal columns of one code point: 0 for combining marks, 2 for wide (CJK, emoji), else 1. */
export function displayWidth(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c < 0x300) return 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/**
 * The source line text[lineStart, lineEnd) and a caret line under [start, end) of it (offsets
 * into `text`), at most about EXCERPT_WIDTH columns wide: a longer line is cut to a window around
 * the start of the range, with `…` on each side that was cut (only the window is ever copied, so
 * a diagnostic on a megabyte-long line costs no more than one on a short line). The caret line
 * pads with spaces as wide as the characters above them, tabs kept so that both lines expand
 * them alike; at least one caret.
 */
export function excerptLines(text: string, lineStart: number, lineEnd: number, start: number, end: number): [string, string] {
  let from = lineStart;
  let to = lineEnd;
  if (lineEnd - lineStart > EXCERPT_WIDTH) {
    // From the line's start while the caret fits with some context after it; else the caret
    // a third into the window.
    from = start - lineStart <= EXCERPT_WIDTH - 20 ? lineStart : Math.max(lineStart, Math.min(start - EXCERPT_WIDTH / 3, lineEnd - EXCERPT_WIDTH));
    to = Math.min(lineEnd, from + EXCERPT_WIDTH);
    // Never split a surrogate pair.
    if (from > lineStart && isLowSurrogate(text.charCodeAt(from))) from--;
    if (to < lineEnd && isLowSurrogate(text.charCodeAt(to))) to++;
  }
  const before = from > lineStart ? "…" : "";
  const after = to < lineEnd ? "…" : "";
  let shown = before;
  let pad = before === "" ? "" : " ";
  let carets = 0;
  const caretStart = Math.min(Math.max(start, lineStart), lineEnd);
  const caretEnd = Math.min(Math.max(end, caretStart + 1), to);
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    const safe = printable(ch);
    if (i < caretStart) pad += ch === "\t" ? "\t" : " ".repeat(displayWidth(safe));
    else if (i < caretEnd) carets += ch === "\t" ? 1 : displayWidth(safe);
    shown += safe;
    i += ch.length;
  }
  return [`${shown}${after}`, `${pad}${"^".repeat(Math.max(1, carets))}`];
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
