/**
 * Source text → documents (plain values plus a Locator). YAML files are composed one document at
 * a time so a large multi-document file never holds every node tree at once. JSON files (by
 * extension) take the fast path: JSON.parse, and a JsonLocator only when something must be
 * located; a .json file that JSON.parse rejects is read as YAML, which reports the syntax error
 * with its position (and accepts what YAML accepts).
 */
import { Composer, Parser, type Document } from "yaml";
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import { JsonLocator } from "./locate-json.js";
import { YamlLocator } from "./locate-yaml.js";
import type { Locator } from "./paths.js";

export interface ParsedDocument {
  readonly file: string;
  /** Index of the document within its file (0-based). */
  readonly index: number;
  readonly value: unknown;
  readonly locator: Locator;
}

const yamlOptions = { merge: true, uniqueKeys: true, prettyErrors: false } as const;

/**
 * Calls `onDocument` for every readable document of `source`, in order; syntax errors are pushed
 * to `diagnostics` (the first error of a broken document; that document is skipped).
 */
export function forEachDocument(
  source: SourceFile,
  diagnostics: Diagnostic[],
  onDocument: (doc: ParsedDocument) => void,
): void {
  if (/\.json$/i.test(source.file)) {
    let value: unknown;
    let ok = true;
    try {
      value = JSON.parse(source.text);
    } catch {
      ok = false;
    }
    if (ok) {
      onDocument({ file: source.file, index: 0, value, locator: new JsonLocator(source.file, source.text) });
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
    onDocument({ file: source.file, index: i, value, locator: new YamlLocator(source.file, source.text, doc) });
  };
  for (const doc of composer.compose(parser.parse(source.text), true, source.text.length)) {
    handle(doc as Document.Parsed);
  }
}

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  // The yaml package appends " at line N, column M"; we print our own position.
  return line.replace(/ at line \d+, column \d+:?$/, "");
}
