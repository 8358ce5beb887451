/**
 * Selector syntax errors. Calico's parser reports only a message; this one also says where
 * (offset and column within the selector text) and what was expected there, so that a selector
 * inside a YAML file can be pointed at precisely by the diagnostics layer.
 */

export class SelectorSyntaxError extends Error {
  override readonly name = "SelectorSyntaxError";
  /** 0-based UTF-16 index of the fault within the selector text (the text length at its end). */
  readonly offset: number;
  /** 1-based column of the fault: the number of characters (code points) before it, plus one. */
  readonly column: number;
  /** What would have been valid at that point, e.g. `==, !=, in, not in, contains, starts with or ends with`. */
  readonly expected: string;
  /** The selector text that failed to parse. */
  readonly selector: string;

  constructor(selector: string, offset: number, message: string, expected: string) {
    super(message);
    this.selector = selector;
    this.offset = offset;
    this.column = columnAt(selector, offset);
    this.expected = expected;
  }
}

function columnAt(text: string, offset: number): number {
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    // The second half of a surrogate pair does not start a new character.
    if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) column++;
  }
  return column + Math.max(0, offset - text.length);
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** Control characters are shown as their Unicode "control picture" so the selector stays on one line. */
function visible(ch: string): string {
  const c = ch.codePointAt(0) as number;
  if (c === 0x09) return ch;
  if (c < 0x20) return String.fromCodePoint(0x2400 + c);
  if (c === 0x7f) return "\u2421";
  return ch;
}

/**
 * The selector on one line, a caret line under the fault, then `column N: message`:
 *
 *     a == b
 *          ^
 *     column 6: expected a quoted string, found label "b"
 */
export function formatSelectorError(text: string, err: SelectorSyntaxError): string {
  const chars = [...text];
  // A long selector is shown as a window of WINDOW characters around the fault, `…` where cut,
  // so that the echo stays bounded whatever the input.
  const fault = err.column - 1;
  const from = chars.length <= WINDOW ? 0 : Math.max(0, Math.min(fault - WINDOW / 3, chars.length - WINDOW));
  const to = Math.min(chars.length, from + WINDOW);
  const before = from > 0 ? "…" : "";
  const shown = before + chars.slice(from, to).map(visible).join("") + (to < chars.length ? "…" : "");
  // Tabs are copied into the caret line so that the caret lines up in a terminal.
  const pad = (before ? " " : "") + chars
    .slice(from, fault)
    .map((ch) => (ch === "\t" ? "\t" : " "))
    .join("");
  const extra = " ".repeat(Math.max(0, fault - chars.length));
  return `${shown}\n${pad}${extra}^\ncolumn ${err.column}: ${err.message}`;
}

/** The most characters of a selector an error shows. */
const WINDOW = 120;
