/**
 * A JSON file that is one big List (`kubectl get ... -o json`) is read item by item: the
 * envelope is scanned here, and each item is JSON.parse'd on its own when its turn comes, so
 * only one item's tree is alive at a time instead of the whole file's (for 100,000 pods the whole
 * tree is most of the garbage collector's work and of the peak memory).
 *
 * The result must be what JSON.parse of the whole text would give. So this accepts only an
 * envelope it has checked completely against the JSON grammar: one object, unique keys, a string
 * `apiVersion`, a string `kind` that splitResources reads as a list, an `items` array; every
 * other value is JSON.parse'd here, once the text is known to be a List (a single resource, the
 * agent's every etcd value, is not: its fields are only delimited, never parsed twice). Anything else gives undefined and the caller parses the
 * whole text as before. Item texts are only delimited here; an item that JSON.parse rejects
 * makes the whole text invalid JSON, which the caller handles (see documents.ts).
 */
import { isJsonWhitespace, stringEnd, valueEnd } from "./json-scan.js";

export interface JsonList {
  readonly apiVersion: string;
  readonly kind: string;
  /** Start and end offsets of each item's text, flattened: [start0, end0, start1, end1, ...]. */
  readonly items: readonly number[];
}

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  ws(): void {
    while (this.pos < this.text.length && isJsonWhitespace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** Consumes `c` (a char code) or fails. */
  expect(c: number): boolean {
    if (this.text.charCodeAt(this.pos) !== c) return false;
    this.pos++;
    return true;
  }

  /** Moves past the string starting at `pos` (a quote); false when it does not close. */
  skipString(): boolean {
    const end = stringEnd(this.text, this.pos);
    if (end < 0) return false;
    this.pos = end;
    return true;
  }

  /** Moves past one value (see valueEnd); false when the text ends first. */
  skipValue(): boolean {
    const end = valueEnd(this.text, this.pos);
    if (end < 0) return false;
    this.pos = end;
    return true;
  }
}

function parsed(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

export function scanJsonList(text: string): JsonList | undefined {
  // No List without an "items" key (one written with escapes, "\u0069tems", is parsed whole by
  // the caller: the same value, only without the item-by-item saving).
  if (!text.includes('"items"')) return undefined;
  const cur = new Cursor(text);
  cur.ws();
  if (!cur.expect(123 /* { */)) return undefined;
  const keys = new Set<string>();
  /** Each field's value text, as [start, end): parsed only once the text is known to be a List. */
  const fields = new Map<string, readonly [number, number]>();
  let items: number[] | undefined;
  cur.ws();
  if (!cur.expect(125 /* } */)) {
    for (;;) {
      cur.ws();
      const keyStart = cur.pos;
      if (text.charCodeAt(keyStart) !== 34 || !cur.skipString()) return undefined;
      const key = parsed(text.slice(keyStart, cur.pos));
      if (key === undefined || typeof key.value !== "string" || keys.has(key.value)) return undefined;
      keys.add(key.value);
      cur.ws();
      if (!cur.expect(58 /* : */)) return undefined;
      cur.ws();
      if (key.value === "items") {
        items = scanItems(cur);
        if (items === undefined) return undefined;
      } else {
        const start = cur.pos;
        if (!cur.skipValue()) return undefined;
        fields.set(key.value, [start, cur.pos]);
      }
      cur.ws();
      if (cur.expect(44 /* , */)) continue;
      if (cur.expect(125 /* } */)) break;
      return undefined;
    }
  }
  cur.ws();
  if (cur.pos !== text.length || items === undefined) return undefined;
  const values = new Map<string, unknown>();
  for (const [key, [start, end]] of fields) {
    const value = parsed(text.slice(start, end));
    if (value === undefined) return undefined;
    values.set(key, value.value);
  }
  const apiVersion = values.get("apiVersion");
  const kind = values.get("kind");
  // Read as a list by splitResources: a kind ending in "List", with items (checked above).
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !kind.endsWith("List")) return undefined;
  return { apiVersion, kind, items };
}

/** The items array at `pos`: each item's [start, end), after checking commas and brackets. */
function scanItems(cur: Cursor): number[] | undefined {
  if (!cur.expect(91 /* [ */)) return undefined;
  const out: number[] = [];
  cur.ws();
  if (cur.expect(93 /* ] */)) return out;
  for (;;) {
    cur.ws();
    const start = cur.pos;
    if (!cur.skipValue() || cur.pos === start) return undefined;
    out.push(start, cur.pos);
    cur.ws();
    if (cur.expect(44 /* , */)) continue;
    if (cur.expect(93 /* ] */)) return out;
    return undefined;
  }
}
