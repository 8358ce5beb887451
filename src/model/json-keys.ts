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

/** Objects with more keys than this (or with an escaped key) look keys up in a Map. */
const SMALL = 16;

interface Frame {
  readonly object: boolean;
  /** Inside an object: the next string is a key. */
  expectKey: boolean;
  /** Offsets of the opening quote and just past the closing quote of each key so far. */
  readonly starts: number[];
  readonly ends: number[];
  /** Keys (unescaped) to the offset of their opening quote, once the list would be slow or inexact. */
  map: Map<string, number> | undefined;
}

/**
 * The first duplicate key in the JSON value text[start, end), or undefined. Runs on every JSON
 * input, so keys are compared in place (no string is made for a key unless it is escaped or its
 * object is large), and frames are reused by depth.
 */
export function firstDuplicateKey(text: string, start = 0, end = text.length): DuplicateKey | undefined {
  const stack: Frame[] = [];
  const pool: Frame[] = [];
  let top: Frame | undefined;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const close = stringEnd(text, i);
      if (close < 0) return undefined;
      if (top !== undefined && top.object && top.expectKey) {
        top.expectKey = false;
        const first = addKey(text, top, i, close);
        if (first >= 0) return { key: keyText(text, i, close), first: [first, stringEnd(text, first)], second: [i, close] };
      }
      i = close - 1;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (top !== undefined) stack.push(top);
      const depth = stack.length;
      let f = pool[depth];
      if (f === undefined || f.object !== (c === 123)) {
        f = { object: c === 123, expectKey: false, starts: [], ends: [], map: undefined };
        pool[depth] = f;
      }
      f.expectKey = c === 123;
      f.starts.length = 0;
      f.ends.length = 0;
      f.map = undefined;
      top = f;
    } else if (c === 125 /* } */ || c === 93 /* ] */) top = stack.pop();
    else if (c === 44 /* , */ && top !== undefined && top.object) top.expectKey = true;
  }
  return undefined;
}

function keyText(text: string, open: number, close: number): string {
  return hasEscape(text, open, close) ? (JSON.parse(text.slice(open, close)) as string) : text.slice(open + 1, close - 1);
}

function hasEscape(text: string, open: number, close: number): boolean {
  for (let j = open + 1; j < close - 1; j++) if (text.charCodeAt(j) === 92 /* \ */) return true;
  return false;
}

/** Records the key at [open, close); returns the offset of an earlier equal key, or -1. */
function addKey(text: string, f: Frame, open: number, close: number): number {
  if (f.map === undefined && f.starts.length < SMALL && !hasEscape(text, open, close)) {
    const length = close - open;
    for (let k = 0; k < f.starts.length; k++) {
      const s = f.starts[k] as number;
      if ((f.ends[k] as number) - s === length && sameText(text, s, open, length)) return s;
    }
    f.starts.push(open);
    f.ends.push(close);
    return -1;
  }
  if (f.map === undefined) {
    f.map = new Map();
    for (let k = 0; k < f.starts.length; k++) f.map.set(keyText(text, f.starts[k] as number, f.ends[k] as number), f.starts[k] as number);
  }
  const key = keyText(text, open, close);
  const at = f.map.get(key);
  if (at !== undefined) return at;
  f.map.set(key, open);
  return -1;
}

function sameText(text: string, a: number, b: number, length: number): boolean {
  for (let j = 0; j < length; j++) if (text.charCodeAt(a + j) !== text.charCodeAt(b + j)) return false;
  return true;
}
