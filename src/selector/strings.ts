/**
 * String helpers shared by the printer and the parser. Calico is written in Go, where strings
 * are byte strings and sorting compares UTF-8 bytes; JavaScript compares UTF-16 code units,
 * which orders astral characters (emoji) before U+E000–U+FFFF. `compareUtf8` restores Go's
 * order without encoding (selector.md §6.2).
 */

/** Maps a UTF-16 code unit to a key whose numeric order matches UTF-8 byte order. */
function orderKey(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800; // U+E000..U+FFFF sort below all astral characters
  if (unit >= 0xd800) return unit + 0x2000; // surrogates (astral characters) sort last
  return unit;
}

/** Compares two strings the way Go compares their UTF-8 encodings. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return orderKey(x) - orderKey(y);
  }
  return a.length - b.length;
}

/** Sorts in UTF-8 byte order and removes exact duplicates (Calico's StringSet). */
export function toSortedSet(values: readonly string[]): readonly string[] {
  if (values.length <= 1) return values.slice();
  const sorted = values.slice().sort(compareUtf8);
  const out: string[] = [sorted[0] as string];
  for (let i = 1; i < sorted.length; i++) {
    const v = sorted[i] as string;
    if (v !== out[out.length - 1]) out.push(v);
  }
  return out;
}

/** A literal in double quotes, or in single quotes when it contains a double quote. Never escapes. */
export function quoteLiteral(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}
