/**
 * How deeply a text nests, measured before anything parses it. The `yaml` composer, its toJS,
 * splitResources and the schema checks all recurse once per level, so a few thousand levels
 * (`[[[[...]]]]`) overflow the stack in whichever of them comes first; measuring the text up
 * front turns that into one located diagnostic instead of an internal error.
 *
 * The limit, MAX_NESTING = 100 levels: the deepest real input is a Pod's managedFields
 * (`fieldsV1` mirrors the object: about 12 levels), a Calico policy needs 6; the stages
 * overflow somewhere between one and three thousand. The YAML measure below may count a level
 * twice (a plain scalar continued on a more indented line), so far below the limit either way.
 *
 * Both scanners are one pass over the text, linear and without allocation per character.
 */
import { stringEnd } from "./json-scan.js";

export const MAX_NESTING = 100;

/**
 * The offset of the first `[` or `{` that opens level `limit + 1` of a JSON text (strings are
 * skipped), or undefined when the text stays within the limit.
 */
export function jsonTooDeepAt(text: string, limit = MAX_NESTING): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      i = end - 1;
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return i;
    } else if (c === 93 || c === 125) depth--;
  }
  return undefined;
}

/**
 * The same for YAML: block nesting is read from indentation (a stack of the indents of the
 * enclosing lines, plus one level per `- `/`? ` indicator at the start of a line's content), flow
 * nesting from brackets outside quotes and comments, added to the block depth where the flow
 * collection starts. Block scalars (`|`, `>`) are skipped. The measure is approximate by design
 * (it never needs to be exact, only never far below the truth): it returns where the first
 * line's content or bracket goes beyond `limit`.
 */
export function yamlTooDeepAt(text: string, limit = MAX_NESTING): number | undefined {
  // Every block level moves a line's content at least one column right (an indent or a `- `),
  // so without brackets and without content at column `limit`, no level can be beyond the limit:
  // two searches the engine runs natively instead of a scan in JavaScript (large pod lists).
  if (!text.includes("[") && !text.includes("{") && !new RegExp(`^[ ?-]{${limit}}`, "m").test(text)) return undefined;
  const indents: number[] = [];
  let flow = 0;
  let flowBase = 0;
  /** Inside a quoted scalar that spans lines: its quote character code. */
  let quote = 0;
  /** Inside a block scalar: the indent its content must exceed (-1: not in one). */
  let scalarParent = -1;
  /** Whether the next character starts a node (carried from line to line inside flow collections). */
  let atNodeStart = true;
  let pos = 0;
  while (pos <= text.length) {
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = text.length;
    let i = pos;
    while (i < eol && text.charCodeAt(i) === 32) i++;
    const indent = i - pos;
    const blank = i >= eol || text.charCodeAt(i) === 13 || (text.charCodeAt(i) === 35 /* # */ && quote === 0 && flow === 0);
    if (scalarParent >= 0 && (blank || indent > scalarParent)) {
      pos = eol + 1;
      continue;
    }
    scalarParent = -1;
    // Where this line's node starts (after any `- `/`? `), and the column of the last such indicator.
    let contentCol = indent;
    let dashCol = -1;
    if (!blank && quote === 0 && flow === 0) {
      if (indent === 0 && (text.startsWith("---", i) || text.startsWith("...", i))) indents.length = 0;
      while (indents.length > 0 && (indents[indents.length - 1] as number) >= indent) indents.pop();
      indents.push(indent);
      // `- ` and `? ` open the item's node at the column after them: a level of its own, which
      // later lines indented to that column belong to (`- a:` then `    b: 1` is three levels).
      // A scalar item counts one too many, which only errs on the safe side.
      while ((text.charCodeAt(i) === 45 /* - */ || text.charCodeAt(i) === 63 /* ? */) && (i + 1 >= eol || text.charCodeAt(i + 1) === 32)) {
        if (indents.length + 1 > limit) return i;
        dashCol = i - pos;
        i = Math.min(i + 2, eol);
        while (i < eol && text.charCodeAt(i) === 32) i++;
        indents.push(i - pos);
      }
      contentCol = i - pos;
      const depth = indents.length;
      if (depth > limit) return i < eol ? i : pos + indent;
      flowBase = depth;
    }
    // The rest of the line: quotes, comments, brackets, a block scalar header. A quote, a
    // bracket in block context, a block scalar header, an anchor or a tag counts only where a
    // node starts (the line's content, after `: `, `- `, `[`, `{`, `,`, an anchor or a tag);
    // inside a plain scalar (`don't`, `a[0]`, `x > 1`) it is text. In flow context every
    // bracket counts (a plain scalar cannot hold one there).
    if (flow === 0 && quote === 0) atNodeStart = true;
    for (; i < eol; i++) {
      const c = text.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) {
          if (quote === 39 && text.charCodeAt(i + 1) === 39) i++; // '' inside '...'
          else quote = 0;
        } else if (c === 92 /* \ */ && quote === 34) i++;
        continue;
      }
      if (c === 32 || c === 9) continue;
      if (c === 35 /* # */ && (i === pos || text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) break;
      const nodeStart = atNodeStart;
      atNodeStart = false;
      const next = text.charCodeAt(i + 1);
      if (c === 34 || c === 39) {
        if (nodeStart) quote = c;
      } else if (c === 91 || c === 123) {
        if (flow > 0 || nodeStart) {
          if (++flow + flowBase > limit) return i;
          atNodeStart = true;
        }
      } else if (c === 93 || c === 125) {
        if (flow > 0) flow--;
      } else if (c === 44 /* , */ && flow > 0) atNodeStart = true;
      else if (c === 58 /* : */ && (flow > 0 || next === 32 || i + 1 === eol || next === 13)) atNodeStart = true;
      else if ((c === 45 /* - */ || c === 63 /* ? */) && flow === 0 && next === 32) atNodeStart = true;
      else if ((c === 124 /* | */ || c === 62 /* > */) && flow === 0 && nodeStart) {
        // The content is indented past its parent node: the key's column (`- a: |`: the `a`), or
        // for an item that is itself the scalar (`- |`), the indicator's.
        scalarParent = i - pos === contentCol && dashCol >= 0 ? dashCol : contentCol;
      }
      else if ((c === 38 /* & */ || c === 33 /* ! */) && nodeStart) {
        // An anchor or tag comes before the node it names: skip it, the node starts after it.
        while (i + 1 < eol && !" ,[]{}".includes(text[i + 1] as string)) i++;
        atNodeStart = true;
      }
    }
    pos = eol + 1;
  }
  return undefined;
}
