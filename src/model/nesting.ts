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
    if (!blank && quote === 0 && flow === 0) {
      if (indent === 0 && (text.startsWith("---", i) || text.startsWith("...", i))) indents.length = 0;
      while (indents.length > 0 && (indents[indents.length - 1] as number) >= indent) indents.pop();
      indents.push(indent);
      // Compact nested sequences and complex keys: in `- - - a` the line's own collection is the
      // first sequence, each further indicator opens one more.
      let depth = indents.length;
      let first = true;
      while ((text.charCodeAt(i) === 45 /* - */ || text.charCodeAt(i) === 63 /* ? */) && (i + 1 >= eol || text.charCodeAt(i + 1) === 32)) {
        if (!first && ++depth > limit) return i;
        first = false;
        i += 2;
        while (i < eol && text.charCodeAt(i) === 32) i++;
      }
      if (depth > limit) return i < eol ? i : pos + indent;
      flowBase = depth;
    }
    // The rest of the line: quotes, comments, brackets, a block scalar header.
    let atNodeStart = flow === 0 && quote === 0;
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
      const nodeStart = flow > 0 || atNodeStart;
      atNodeStart = false;
      if ((c === 34 || c === 39) && nodeStart) quote = c;
      else if ((c === 91 || c === 123) && nodeStart) {
        if (++flow + flowBase > limit) return i;
        atNodeStart = true;
      } else if ((c === 93 || c === 125) && flow > 0) flow--;
      else if (flow === 0 && (c === 124 /* | */ || c === 62 /* > */) && nodeStart) scalarParent = indent;
      else if (flow === 0 && (c === 38 /* & */ || c === 33 /* ! */) && nodeStart) {
        // An anchor or tag comes before the node it names: skip it, the node starts after it.
        while (i + 1 < eol && text.charCodeAt(i + 1) !== 32) i++;
        atNodeStart = true;
      } else if (flow === 0 && (c === 58 /* : */ || c === 45 /* - */) && text.charCodeAt(i + 1) === 32) atNodeStart = true;
      else if (flow === 0 && c === 58 && i + 1 === eol) atNodeStart = true;
    }
    pos = eol + 1;
  }
  return undefined;
}
