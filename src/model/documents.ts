/**
 * Source text → documents (their resources plus a Locator). YAML files are cut into documents
 * (yaml-stream.ts) and each is read by the fast subset reader (yaml-subset.ts), or, when it
 * declines, by `yaml` on that document's text; if `yaml` finds an error there (or the stream cannot
 * be cut), the whole file is read by `yaml` as before, so every syntax diagnostic is `yaml`'s.
 * Without the fast path, YAML files are composed one document at a time so a large
 * multi-document file never holds every node tree at once. JSON files (by
 * extension) take the fast path: JSON.parse, and a JsonLocator only when something must be
 * located; a JSON List is parsed and located item by item (json-list.ts); a .json file that JSON.parse
 * rejects is read as YAML, which reports the syntax error with its position (and accepts what
 * YAML accepts).
 *
 * Inputs must mean what they say: a JSON key written twice (JSON.parse silently keeps the last)
 * is an error (json-keys.ts), and so is a YAML scalar that Kubernetes reads otherwise than YAML
 * 1.2 (yaml-11.ts: `0120`, `yes`, `1_000`, ...); the fast reader declines such a document and
 * `yaml`'s path reports it, so both paths refuse the same documents.
 */
import { Composer, isCollection, isScalar, Parser, visit, type Document } from "yaml";
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import { firstDuplicateKey, type DuplicateKey } from "./json-keys.js";
import { scanJsonList, type JsonList } from "./json-list.js";
import { isJsonWhitespace } from "./json-scan.js";
import { JsonLocator } from "./locate-json.js";
import { jsonTooDeepAt, MAX_NESTING, yamlTooDeepAt } from "./nesting.js";
import { composeOne, PointLocator, SubsetLocator, yamlLocatorAt } from "./locate-subset.js";
import { YamlLocator } from "./locate-yaml.js";
import type { Locator } from "./paths.js";
import { splitResource, splitResources, type RawResource, type SplitProblem } from "./resources.js";
import { unclosedFlowOpener } from "./unclosed-flow.js";
import { versionDisagreements } from "./yaml-11-scan.js";
import { yamlOptions } from "./yaml-scalars.js";
import { hasUnusualCharacter, splitYamlStream, type Segments } from "./yaml-stream.js";
import { readSubset } from "./yaml-subset.js";

export interface ParsedDocument {
  readonly file: string;
  /** Index of the document within its file (0-based). */
  readonly index: number;
  /** splitResources over the document's value. */
  readonly forEachResource: (onResource: (r: RawResource) => void, onProblem: (p: SplitProblem) => void) => void;
  readonly locator: Locator;
}

/** Thrown when a JSON List's item is not JSON: the file is not JSON after all. */
const NOT_JSON: unique symbol = Symbol("not JSON");

function documentOf(file: string, index: number, value: unknown, locator: Locator): ParsedDocument {
  return { file, index, forEachResource: (onResource, onProblem) => splitResources(value, onResource, onProblem), locator };
}

/**
 * Calls `onDocument` for every readable document of `source`, in order; syntax errors are pushed
 * to `diagnostics` (the first error of a broken document; that document is skipped).
 *
 * A JSON List is handed over one item at a time (a document each, located on its own). When an
 * item turns out not to be JSON, the file is not JSON after all: `onAbandon` must undo what the
 * items before it recorded, and the file is read as YAML, which reports the syntax error. The
 * same happens when a YAML document read on its own turns out to be broken.
 *
 * `fast` false reads YAML with `yaml` only (what the fast path is checked against).
 */
export function forEachDocument(
  source: SourceFile,
  diagnostics: Diagnostic[],
  onDocument: (doc: ParsedDocument) => void,
  onAbandon: () => void,
  fast = true,
): void {
  const json = source.format === "json" || (source.format === undefined && /\.json$/i.test(source.file));
  // Measured before any parser sees the text: every reader below recurses once per level.
  const tooDeep = json ? jsonTooDeepAt(source.text) : yamlTooDeepAt(source.text);
  if (tooDeep !== undefined) {
    diagnostics.push({
      code: Codes.nestingTooDeep.code,
      severity: "error",
      message: `${json ? "JSON" : "YAML"} nested deeper than ${MAX_NESTING} levels; the file is not read (real policy nests about 6 levels)`,
      span: { file: source.file, start: tooDeep, end: tooDeep + 1 },
    });
    return;
  }
  if (json) {
    const list = scanJsonList(source.text);
    if (list) {
      try {
        forEachListItem(source, list, diagnostics, onDocument);
        return;
      } catch (e) {
        if (e !== NOT_JSON) throw e;
        onAbandon();
      }
    }
    let value: unknown;
    let ok = true;
    try {
      value = JSON.parse(source.text);
    } catch {
      ok = false;
    }
    if (ok) {
      const dup = firstDuplicateKey(source.text);
      if (dup !== undefined) diagnostics.push(duplicateKeyDiagnostic(source.file, dup));
      // The value ends where its trailing whitespace starts (JSON.parse accepted it): a locator
      // that knows the end scans only as far as its requests need (a Pod's: not at all).
      else onDocument(documentOf(source.file, 0, value, new JsonLocator(source.file, source.text, 0, 0, jsonValueEnd(source.text))));
      return;
    }
  }
  if (fast) {
    const segments = splitYamlStream(source.text);
    if (segments !== undefined) {
      if (forEachSegment(source, segments, onDocument)) return;
      onAbandon();
    }
  }
  const parser = new Parser();
  const composer = new Composer(yamlOptions);
  let index = 0;
  const handle = (doc: Document.Parsed): void => {
    const i = index++;
    const error = doc.errors[0];
    if (error) {
      const first = error.code === "DUPLICATE_KEY" ? firstOccurrence(doc, error.pos[0]) : undefined;
      const language = /\.json$/i.test(source.file) ? "JSON" : "YAML";
      const noticed = { file: source.file, start: error.pos[0], end: Math.max(error.pos[0] + 1, error.pos[1]) };
      const opener = error.code === "BAD_INDENT" ? unclosedFlowOpener(source.text, error.pos[0], error.message) : undefined;
      if (opener !== undefined) {
        const bracket = source.text[opener] as string;
        diagnostics.push({
          code: Codes.yamlSyntax.code,
          severity: "error",
          message: `${language} syntax error: this '${bracket}' is never closed with '${bracket === "{" ? "}" : "]"}'`,
          span: { file: source.file, start: opener, end: opener + 1 },
          notes: [{ message: `the parser noticed here: ${firstLine(error.message)}`, span: noticed }],
        });
        return;
      }
      diagnostics.push({
        code: Codes.yamlSyntax.code,
        severity: "error",
        message: `${language} syntax error: ${firstLine(error.message)}`,
        span: noticed,
        ...(first ? { notes: [{ message: "first occurrence", span: { file: source.file, start: first[0], end: first[1] } }] } : {}),
      });
      return;
    }
    // An empty document (a lone `---`, a comment-only file) holds no resource.
    if (doc.contents === null) return;
    const disagreements = versionDisagreements(doc);
    if (disagreements.length > 0) {
      for (const d of disagreements) diagnostics.push({ code: Codes.yamlVersionScalar.code, severity: "error", message: d.message, span: { file: source.file, start: d.start, end: d.end } });
      return;
    }
    const value = valueOf(doc);
    if (value.ok) {
      onDocument(documentOf(source.file, i, value.value, new YamlLocator(source.file, source.text, doc)));
      return;
    }
    const at = value.at ?? mergeKeyOffset(doc) ?? rangeStart(doc.contents);
    diagnostics.push({ code: Codes.yamlSyntax.code, severity: "error", message: `${/\.json$/i.test(source.file) ? "JSON" : "YAML"} syntax error: ${value.message}`, span: { file: source.file, start: at, end: at + 1 } });
  };
  for (const doc of composer.compose(parser.parse(source.text), true, source.text.length)) {
    handle(doc as Document.Parsed);
  }
}

/** Each document of a cut stream, fast where the reader can; false when one is broken. */
function forEachSegment(source: SourceFile, segments: Segments, onDocument: (doc: ParsedDocument) => void): boolean {
  const { file, text } = source;
  for (let i = 0; i < segments.length / 2; i++) {
    const start = segments[2 * i] as number;
    const end = segments[2 * i + 1] as number;
    const read = hasUnusualCharacter(text, start, end) ? undefined : readSubset(text, start, end);
    if (read !== undefined) {
      onDocument(documentOf(file, i, read.value, new SubsetLocator(file, text, start, end, read.range)));
      continue;
    }
    const doc = composeOne(text, start, end);
    if (doc === undefined) return false;
    if (doc.contents === null) {
      // Nothing but comments: no document before the first `---`; after a `---`, an empty one,
      // which `yaml` gives as a null placed right after the marker (reported as not a resource).
      if (i > 0) onDocument(documentOf(file, i, null, new PointLocator(file, text.charCodeAt(start - 1) === 10 ? start - 1 : start)));
      continue;
    }
    const value = valueOf(doc);
    // A broken document, or a scalar Kubernetes reads otherwise: the whole-file path reports it.
    if (!value.ok || versionDisagreements(doc).length > 0) return false;
    onDocument(documentOf(file, i, value.value, yamlLocatorAt(file, text, start, end, doc)));
  }
  return true;
}

/** Each item of a JSON List; an item with a duplicate key is reported and skipped, as a broken YAML document is. */
function forEachListItem(source: SourceFile, list: JsonList, diagnostics: Diagnostic[], onDocument: (doc: ParsedDocument) => void): void {
  const { file, text } = source;
  const itemKind = list.kind === "List" ? undefined : list.kind.slice(0, -"List".length);
  const inherited = { apiVersion: list.apiVersion, ...(itemKind ? { kind: itemKind } : {}) };
  for (let i = 0; i < list.items.length / 2; i++) {
    const start = list.items[2 * i] as number;
    const end = list.items[2 * i + 1] as number;
    let item: unknown;
    try {
      item = JSON.parse(text.slice(start, end));
    } catch {
      throw NOT_JSON;
    }
    const dup = firstDuplicateKey(text, start, end);
    if (dup !== undefined) {
      diagnostics.push(duplicateKeyDiagnostic(file, dup));
      continue;
    }
    const path = ["items", i] as const;
    onDocument({
      file,
      index: 0,
      forEachResource: (onResource, onProblem) => splitResource(item, path, inherited, onResource, onProblem),
      locator: new JsonLocator(file, text, start, path.length, end),
    });
  }
}

function duplicateKeyDiagnostic(file: string, dup: DuplicateKey): Diagnostic {
  return {
    code: Codes.duplicateJsonKey.code,
    severity: "error",
    message: `JSON syntax error: the key ${JSON.stringify(dup.key)} appears twice in one object (JSON.parse would silently keep the last one): remove one of them`,
    span: { file, start: dup.second[0], end: dup.second[1] },
    notes: [{ message: "first occurrence", span: { file, start: dup.first[0], end: dup.first[1] } }],
  };
}

/**
 * The document's value. `yaml` throws here, not while parsing, for a merge key (`<<`) whose value
 * is not a mapping and for too many aliases: that is a syntax error of the document too.
 */
function valueOf(doc: Document.Parsed): { ok: true; value: unknown } | { ok: false; message: string; at?: number } {
  // `yaml` would turn a collection used as a key (`? [a, b]`) into the key "[ a, b ]" and warn on
  // the process's stderr; no resource has such a key, so it is an error of the document.
  const key = collectionKeyOffset(doc);
  if (key !== undefined) return { ok: false, message: "a mapping key is a sequence or mapping; keys must be strings", at: key };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 1000 }) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/** Offset of the document's first key that is a collection, if any. */
function collectionKeyOffset(doc: Document.Parsed): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key)) {
        at = pair.key.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return at;
}

/** The range of the first key equal to the scalar key at `offset` (a duplicate), in the same mapping. */
function firstOccurrence(doc: Document.Parsed, offset: number): [number, number] | undefined {
  let found: [number, number] | undefined;
  visit(doc, {
    Map(_, map) {
      const dup = map.items.find((p) => isScalar(p.key) && p.key.range?.[0] === offset);
      if (dup === undefined || !isScalar(dup.key)) return undefined;
      const value = dup.key.value;
      const first = map.items.find((p) => isScalar(p.key) && p.key.value === value);
      const range = first && isScalar(first.key) ? first.key.range : undefined;
      if (range && first !== dup) found = [range[0], range[1]];
      return visit.BREAK;
    },
  });
  return found;
}

/** Offset of the document's first `<<` key, where a merge error points. */
function mergeKeyOffset(doc: Document.Parsed): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.source === "<<" && pair.key.range) {
        at = pair.key.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return at;
}

function rangeStart(node: unknown): number {
  return (node as { range?: readonly number[] } | null)?.range?.[0] ?? 0;
}

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  // The yaml package appends " at line N, column M"; we print our own position.
  return line.replace(/ at line \d+, column \d+:?$/, "");
}

/** The end of a text that JSON.parse accepted: before its trailing JSON whitespace. */
function jsonValueEnd(text: string): number {
  let end = text.length;
  while (end > 0 && isJsonWhitespace(text.charCodeAt(end - 1))) end--;
  return end;
}
