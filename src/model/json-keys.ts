/**
 * Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys without a word, so
 * `{"action": "Deny", "action": "Allow"}` would compile to Allow; YAML refuses such a mapping, and
 * so must JSON. This scans text that JSON.parse has already accepted (so only strings and
 * brackets need tracking) and returns the first key that repeats within one object.
 */
import { stringEnd } from "./json-scan.js";

export interface DuplicateKey {
  readonly key: string;
  /** [start, end) of the first occurrence's key text, quotes included. */
  readonly first: readonly [number, number];
  /** [start, end) of the repeated key text. */
  readonly second: readonly [number, number];
}

/** Objects with more keys than this look keys up in a Set instead of their key list. */
const SMALL = 16;

interface Frame {
  readonly object: boolean;
  /** Inside an object: the next string is a key. */
  expectKey: boolean;
  readonly keys: string[];
  readonly starts: number[];
  set: Map<string, number> | undefined;
}

/** The first duplicate key in the JSON value text[start, end), or undefined. */
export function firstDuplicateKey(text: string, start = 0, end = text.length): DuplicateKey | undefined {
  const stack: Frame[] = [];
  // Frames are reused by depth: most documents are a few levels deep with small objects.
  const pool: Frame[] = [];
  let top: Frame | undefined;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const close = stringEnd(text, i);
      if (close < 0) return undefined;
      if (top !== undefined && top.object && top.expectKey) {
        top.expectKey = false;
        const dup = addKey(text, top, keyText(text, i, close), i, close);
        if (dup !== undefined) return dup;
      }
      i = close - 1;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (top !== undefined) stack.push(top);
      const depth = stack.length;
      let f = pool[depth];
      if (f === undefined || f.object !== (c === 123)) {
        f = { object: c === 123, expectKey: false, keys: [], starts: [], set: undefined };
        pool[depth] = f;
      }
      f.expectKey = c === 123;
      f.keys.length = 0;
      f.starts.length = 0;
      f.set = undefined;
      top = f;
    } else if (c === 125 /* } */ || c === 93 /* ] */) top = stack.pop();
    else if (c === 44 /* , */ && top !== undefined && top.object) top.expectKey = true;
  }
  return undefined;
}

function keyText(text: string, open: number, close: number): string {
  const raw = text.slice(open + 1, close - 1);
  return raw.includes("\\") ? (JSON.parse(text.slice(open, close)) as string) : raw;
}

function addKey(text: string, f: Frame, key: string, start: number, end: number): DuplicateKey | undefined {
  let at = -1;
  if (f.set !== undefined) at = f.set.get(key) ?? -1;
  else {
    const i = f.keys.indexOf(key);
    if (i >= 0) at = f.starts[i] as number;
  }
  if (at >= 0) return { key, first: [at, stringEnd(text, at)], second: [start, end] };
  if (f.set !== undefined) f.set.set(key, start);
  else {
    f.keys.push(key);
    f.starts.push(start);
    if (f.keys.length > SMALL) f.set = new Map(f.keys.map((k, j) => [k, f.starts[j] as number]));
  }
  return undefined;
}
