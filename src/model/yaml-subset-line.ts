/**
 * One line of the YAML subset read by yaml-subset.ts: indentation, `- ` indicators, then either
 * `key:` (plain or single-line quoted key) with an optional inline value, or a lone value. A value
 * is a single-line plain scalar, a single-line quoted scalar, `[]` or `{}`; a comment must be
 * separated by a space. Anything else declines the whole document (the caller uses `yaml`).
 * The caller has already declined documents holding tabs, CR or control characters.
 */
import { disagreement, mayDisagree } from "./yaml-11.js";
import { DECLINE, resolvePlain } from "./yaml-scalars.js";

export interface Scalar {
  readonly value: unknown;
  readonly start: number;
  readonly end: number;
}

/** One content line: its dashes, then a key (with or without an inline value) or a lone value. */
export interface Line {
  readonly start: number;
  /** Offset after the line break (or the end of the document's text). */
  readonly end: number;
  readonly indent: number;
  /** Offsets of the `- ` indicators, in order. */
  readonly dashes: readonly number[];
  readonly key: Scalar | undefined;
  /** After `key: `, or after the dashes when there is no key; undefined after a bare `key:`. */
  readonly value: Scalar | undefined;
}

export const DECLINE_LINE: unique symbol = Symbol("decline line");
/** A comment line that does not start at column 0 (`yaml` may count it into a collection's range). */
export const INDENTED_COMMENT: unique symbol = Symbol("indented comment");

const SPACE = 0x20;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const SQ = 0x27;
const DQ = 0x22;

/** `yaml` rejects an implicit key longer than 1024 characters; stay well clear of the limit. */
const MAX_KEY = 1000;

/** Characters that cannot start a plain scalar here (indicators; `-` is checked separately). */
function isIndicator(c: number): boolean {
  // ? : , [ ] { } # & * ! | > ' " % @ `
  return c === 0x3f || c === COLON || c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === HASH || c === 0x26 || c === 0x2a || c === 0x21 || c === 0x7c || c === 0x3e || c === SQ || c === DQ || c === 0x25 || c === 0x40 || c === 0x60;
}

/**
 * Tokenizes text[start, eol) (`next` is the offset after its line break): undefined for a blank
 * or column-0 comment line, INDENTED_COMMENT for another comment line, DECLINE_LINE when the line
 * leaves the subset.
 */
export function tokenizeLine(text: string, start: number, eol: number, next: number): Line | undefined | typeof DECLINE_LINE | typeof INDENTED_COMMENT {
  let p = start;
  while (p < eol && text.charCodeAt(p) === SPACE) p++;
  if (p === eol) return undefined;
  if (text.charCodeAt(p) === HASH) return p === start ? undefined : INDENTED_COMMENT;
  const indent = p - start;
  const dashes: number[] = [];
  while (text.charCodeAt(p) === DASH && p + 1 <= eol && (p + 1 === eol || text.charCodeAt(p + 1) === SPACE)) {
    dashes.push(p);
    p++;
    while (p < eol && text.charCodeAt(p) === SPACE) p++;
    // `-` with nothing (or only a comment) after it: a null item, or one continued on the next line.
    if (p === eol || text.charCodeAt(p) === HASH) return DECLINE_LINE;
  }
  try {
    const first = scalarAt(text, p, eol, true);
    if (first === undefined) return DECLINE_LINE;
    let q = first.end;
    if (first.isKey) {
      q++; // the colon
      while (q < eol && text.charCodeAt(q) === SPACE) q++;
      if (q === eol || (text.charCodeAt(q) === HASH && text.charCodeAt(q - 1) === SPACE)) {
        return { start, end: next, indent, dashes, key: first, value: undefined };
      }
      const value = scalarAt(text, q, eol, false);
      if (value === undefined || value.isKey || !restIsComment(text, value.end, eol)) return DECLINE_LINE;
      return { start, end: next, indent, dashes, key: first, value };
    }
    if (!restIsComment(text, first.end, eol)) return DECLINE_LINE;
    return { start, end: next, indent, dashes, key: undefined, value: first };
  } catch (e) {
    if (e === DECLINE) return DECLINE_LINE;
    throw e;
  }
}

/** Spaces to the end of the line, or spaces then a comment. */
function restIsComment(text: string, p: number, eol: number): boolean {
  const from = p;
  while (p < eol && text.charCodeAt(p) === SPACE) p++;
  return p === eol || (text.charCodeAt(p) === HASH && p > from);
}

interface Token extends Scalar {
  /** Followed by `:` and a space or the end of the line (then `end` is the colon's offset). */
  readonly isKey: boolean;
}

/** The scalar at p: its value, range and whether it is a key; undefined outside the subset. */
function scalarAt(text: string, p: number, eol: number, keyAllowed: boolean): Token | undefined {
  const c = text.charCodeAt(p);
  if (c === SQ || c === DQ) {
    const close = c === SQ ? singleEnd(text, p, eol) : doubleEnd(text, p, eol);
    if (close < 0) return undefined;
    const raw = text.slice(p, close + 1);
    const value = c === SQ ? raw.slice(1, -1).replaceAll("''", "'") : raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    const isKey = keyAllowed && text.charCodeAt(close + 1) === COLON && (close + 2 === eol || text.charCodeAt(close + 2) === SPACE);
    if (isKey && (close + 1 - p > MAX_KEY || value === "<<")) return undefined;
    return { value, start: p, end: close + 1, isKey };
  }
  if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
    const closing = c === 0x5b ? 0x5d : 0x7d;
    if (text.charCodeAt(p + 1) !== closing) return undefined;
    const isKey = text.charCodeAt(p + 2) === COLON;
    if (isKey) return undefined; // a collection as a key
    return { value: c === 0x5b ? [] : {}, start: p, end: p + 2, isKey: false };
  }
  if (isIndicator(c)) return undefined;
  // `-x` is plain (as `-1`); `- ` was taken as an indicator by the caller.
  if (c === DASH && (p + 1 === eol || text.charCodeAt(p + 1) === SPACE)) return undefined;
  // A plain scalar ends at `: `, at `:` ending the line, at ` #`, or at the end of the line.
  let q = p;
  let end = -1;
  let isKey = false;
  for (; q < eol; q++) {
    const d = text.charCodeAt(q);
    if (d === COLON && (q + 1 === eol || text.charCodeAt(q + 1) === SPACE)) {
      end = q;
      isKey = true;
      break;
    }
    if (d === HASH && text.charCodeAt(q - 1) === SPACE) {
      end = q;
      break;
    }
  }
  if (end < 0) end = eol;
  let e = end;
  while (text.charCodeAt(e - 1) === SPACE) e--;
  if (isKey) {
    // `key :` (space before the colon) and over-long keys are left to `yaml`.
    if (!keyAllowed || e !== end || end - p > MAX_KEY) return undefined;
    const value = resolvePlain(text.slice(p, end), true);
    if (typeof value !== "string" || value === "<<") return undefined;
    // A key Kubernetes reads otherwise (`yes`, `1_000`) is left to `yaml`'s path, which reports it.
    if (mayDisagree(value, true) && disagreement(value, value, true) !== undefined) return undefined;
    return { value, start: p, end, isKey: true };
  }
  const source = text.slice(p, e);
  const value = resolvePlain(source, false);
  if (mayDisagree(source, false) && disagreement(source, value, false) !== undefined) return undefined;
  return { value, start: p, end: e, isKey: false };
}

/** Offset of the closing quote of the single-quoted scalar at p, or -1 (not closed on this line). */
function singleEnd(text: string, p: number, eol: number): number {
  for (let q = p + 1; q < eol; q++) {
    if (text.charCodeAt(q) !== SQ) continue;
    if (text.charCodeAt(q + 1) === SQ && q + 1 < eol) {
      q++;
      continue;
    }
    return q;
  }
  return -1;
}

/**
 * Offset of the closing quote of the double-quoted scalar at p, or -1. Only the escapes that mean
 * the same in JSON are accepted (so JSON.parse decodes them as `yaml` would); `\x`, `\N`, `\ `,
 * line folding and the rest are left to `yaml`.
 */
function doubleEnd(text: string, p: number, eol: number): number {
  for (let q = p + 1; q < eol; q++) {
    const c = text.charCodeAt(q);
    if (c === DQ) return q;
    if (c !== 0x5c /* \ */) continue;
    const e = text[q + 1];
    if (e === "u") {
      if (!/^[0-9a-fA-F]{4}$/.test(text.slice(q + 2, q + 6)) || q + 6 > eol) return -1;
      q += 5;
    } else if (e !== undefined && q + 1 < eol && '"\\/bfnrt'.includes(e)) q++;
    else return -1;
  }
  return -1;
}
