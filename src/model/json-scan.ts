/**
 * Skipping over JSON text without parsing it, shared by the List splitter (json-list.ts) and
 * the position locator (locate-json.ts). Only strings and brackets are tracked: the skipped
 * text itself is checked by JSON.parse elsewhere.
 */

export function isJsonWhitespace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** The index just past the string whose opening quote is at `pos`; -1 when it never closes. */
export function stringEnd(text: string, pos: number): number {
  let i = pos + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let j = q - 1; j >= i && text.charCodeAt(j) === 92; j--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/**
 * The index just past the value starting at `pos`: after a string or a closing bracket, or at
 * the comma, whitespace or bracket that ends a bare scalar. -1 when the text ends inside a string
 * or an open bracket.
 */
export function valueEnd(text: string, pos: number): number {
  let depth = 0;
  let i = pos;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
      if (depth === 0) return i;
      continue;
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && (c === 44 || isJsonWhitespace(c))) return i;
    i++;
  }
  return depth === 0 ? i : -1;
}
