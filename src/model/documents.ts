/**
 * Source text → documents (their resources plus a Locator). YAML files are composed one document
 * at a time so a large multi-document file never holds every node tree at once. JSON files (by
 * extension) take the fast path: JSON.parse, and a JsonLocator only when something must be
 * located; a JSON List is parsed and located item by item (json-list.ts); a .json file that JSON.parse
 * rejects is read as YAML, which reports the syntax error with its position (and accepts what
 * YAML accepts).
 */
import { Composer, Parser, type Document } from "yaml";
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import { scanJsonList, type JsonList } from "./json-list.js";
import { JsonLocator } from "./locate-json.js";
import { YamlLocator } from "./locate-yaml.js";
import type { Locator } from "./paths.js";
import { splitResource, splitResources, type RawResource, type SplitProblem } from "./resources.js";

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

const yamlOptions = { merge: true, uniqueKeys: true, prettyErrors: false } as const;

/**
 * Calls `onDocument` for every readable document of `source`, in order; syntax errors are pushed
 * to `diagnostics` (the first error of a broken document; that document is skipped).
 *
 * A JSON List is handed over one item at a time (a document each, located on its own). When an
 * item turns out not to be JSON, the file is not JSON after all: `onAbandon` must undo what the
 * items before it recorded, and the file is read as YAML, which reports the syntax error.
 */
export function forEachDocument(
  source: SourceFile,
  diagnostics: Diagnostic[],
  onDocument: (doc: ParsedDocument) => void,
  onAbandon: () => void,
): void {
  if (source.format === "json" || (source.format === undefined && /\.json$/i.test(source.file))) {
    const list = scanJsonList(source.text);
    if (list) {
      try {
        forEachListItem(source, list, onDocument);
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
      onDocument(documentOf(source.file, 0, value, new JsonLocator(source.file, source.text)));
      return;
    }
  }
  const parser = new Parser();
  const composer = new Composer(yamlOptions);
  let index = 0;
  const handle = (doc: Document.Parsed): void => {
    const i = index++;
    const error = doc.errors[0];
    if (error) {
      diagnostics.push({
        code: Codes.yamlSyntax.code,
        severity: "error",
        message: `${/\.json$/i.test(source.file) ? "JSON" : "YAML"} syntax error: ${firstLine(error.message)}`,
        span: { file: source.file, start: error.pos[0], end: Math.max(error.pos[0] + 1, error.pos[1]) },
      });
      return;
    }
    // An empty document (a lone `---`, a comment-only file) holds no resource.
    if (doc.contents === null) return;
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    onDocument(documentOf(source.file, i, value, new YamlLocator(source.file, source.text, doc)));
  };
  for (const doc of composer.compose(parser.parse(source.text), true, source.text.length)) {
    handle(doc as Document.Parsed);
  }
}

function forEachListItem(source: SourceFile, list: JsonList, onDocument: (doc: ParsedDocument) => void): void {
  const { file, text } = source;
  const itemKind = list.kind === "List" ? undefined : list.kind.slice(0, -"List".length);
  const inherited = { apiVersion: list.apiVersion, ...(itemKind ? { kind: itemKind } : {}) };
  for (let i = 0; i < list.items.length / 2; i++) {
    const start = list.items[2 * i] as number;
    let item: unknown;
    try {
      item = JSON.parse(text.slice(start, list.items[2 * i + 1]));
    } catch {
      throw NOT_JSON;
    }
    const path = ["items", i] as const;
    onDocument({
      file,
      index: 0,
      forEachResource: (onResource, onProblem) => splitResource(item, path, inherited, onResource, onProblem),
      locator: new JsonLocator(file, text, start, path.length, list.items[2 * i + 1]),
    });
  }
}

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  // The yaml package appends " at line N, column M"; we print our own position.
  return line.replace(/ at line \d+, column \d+:?$/, "");
}
