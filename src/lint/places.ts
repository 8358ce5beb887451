/**
 * Exact places for lint warnings. The model keeps the span of every resource and rule, not of
 * every field (the loader locates only what it needs, which keeps large inputs fast). A lint
 * warning points at the field itself — the selector string, the port, the net — so `Places`
 * finds it again from the rule's span: it re-reads only the documents that have a warning, and walks
 * a path relative to the rule with the loader's own locators (same columns as validate).
 *
 * Pure: it reads nothing but the source texts it is given.
 */
import { isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document } from "yaml";
import type { SourceFile, Span } from "../diagnostics/types.js";
import { JsonLocator } from "../model/locate-json.js";
import { YamlLocator } from "../model/locate-yaml.js";
import type { Path, PathSegment } from "../model/paths.js";

type Range = readonly [number, number, number];

interface YamlFile {
  readonly docs: readonly Document.Parsed[];
}

function rangeOf(node: unknown): Range | undefined {
  return (node as { range?: Range | null } | null)?.range ?? undefined;
}

export class Places {
  private readonly texts = new Map<string, string>();
  private readonly yaml = new Map<string, YamlFile>();
  private readonly segments = new Map<string, readonly number[] | undefined>();

  constructor(sources: readonly SourceFile[]) {
    for (const s of sources) this.texts.set(s.file, s.text);
  }

  /**
   * The span of the field at `path` under the value whose span is `base` (a resource or a rule).
   * A path that does not exist gives its deepest existing ancestor, as the loader's locators do;
   * a base that cannot be found again gives the base itself.
   */
  field(base: Span, path: Path): Span {
    if (path.length === 0) return base;
    const text = this.texts.get(base.file);
    if (text === undefined) return base;
    if (this.isJson(base, text)) return new JsonLocator(base.file, text, base.start).resolve([{ path }])[0] ?? base;
    const found = this.yamlPath(base, text);
    if (!found) return base;
    return new YamlLocator(base.file, text, found.doc).resolve([{ path: [...found.path, ...path] }])[0] ?? base;
  }

  /** The plain value at `base` (a resource or rule as written), or undefined when it cannot be read. */
  value(base: Span): unknown {
    const text = this.texts.get(base.file);
    if (text === undefined) return undefined;
    if (this.isJson(base, text)) {
      try {
        return JSON.parse(text.slice(base.start, base.end)) as unknown;
      } catch {
        return undefined;
      }
    }
    const found = this.yamlPath(base, text);
    if (!found) return undefined;
    const node = found.path.length === 0 ? found.doc.contents : found.doc.getIn(found.path, true);
    return isCollection(node) || isScalar(node) ? node.toJS(found.doc, { maxAliasCount: 1000 }) : undefined;
  }

  /** JSON files the loader read as JSON: their values start with `{` (YAML in a .json file does not). */
  private isJson(base: Span, text: string): boolean {
    return /\.json$/i.test(base.file) && text[base.start] === "{";
  }

  /**
   * The parsed documents around `offset`. A plain stream (no directive, no `...`) is cut at its
   * `---` lines and only the document holding `offset` is parsed, behind one comment line as long
   * as the text before it, so every range is still an offset into the whole file: a warning in a
   * 5,000-policy file no longer parses all 5,000. Any other stream is parsed whole, once.
   */
  private yamlFile(file: string, text: string, offset: number): YamlFile {
    const parse = (source: string): YamlFile => {
      const parsed = parseAllDocuments(source, { merge: true, uniqueKeys: false, prettyErrors: false });
      return { docs: Array.isArray(parsed) ? (parsed as Document.Parsed[]) : [] };
    };
    const starts = this.starts(file, text);
    if (starts === undefined) {
      let f = this.yaml.get(file);
      if (f === undefined) this.yaml.set(file, (f = parse(text)));
      return f;
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    const start = starts[lo] as number;
    const key = `${file}\u0000${start}`;
    let f = this.yaml.get(key);
    if (f === undefined) {
      const end = starts[lo + 1] ?? text.length;
      const pad = start === 0 ? "" : start === 1 ? "\n" : `#${" ".repeat(start - 2)}\n`;
      this.yaml.set(key, (f = parse(pad + text.slice(start, end))));
    }
    return f;
  }

  /** Where each `---` line starts a document (and 0), or undefined when the stream has directives or `...` lines. */
  private starts(file: string, text: string): readonly number[] | undefined {
    if (this.segments.has(file)) return this.segments.get(file);
    let starts: number[] | undefined = [0];
    if (/^(?:%|\.\.\.(?:[ \t\r\n]|$))/m.test(text)) starts = undefined;
    else for (const m of text.matchAll(/^---(?=[ \t\r\n]|$)/gm)) if (m.index > 0) starts.push(m.index);
    this.segments.set(file, starts);
    return starts;
  }

  /** The document holding `base` and the path from its root to the node spanning exactly `base`. */
  private yamlPath(base: Span, text: string): { doc: Document.Parsed; path: PathSegment[] } | undefined {
    for (const doc of this.yamlFile(base.file, text, base.start).docs) {
      const r = rangeOf(doc.contents);
      if (!r || base.start < r[0] || base.start > r[1]) continue;
      const path: PathSegment[] = [];
      let node: unknown = doc.contents;
      for (;;) {
        const nr = rangeOf(node);
        if (nr && nr[0] === base.start && nr[1] === base.end) return { doc, path };
        let next: unknown;
        if (isMap(node)) {
          for (const pair of node.items) {
            if (!isPair(pair)) continue;
            const vr = rangeOf(pair.value);
            if (vr && vr[0] <= base.start && base.start <= vr[1]) {
              path.push(isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
              next = pair.value;
              break;
            }
          }
        } else if (isSeq(node)) {
          node.items.forEach((item, i) => {
            const ir = rangeOf(item);
            if (next === undefined && ir && ir[0] <= base.start && base.start <= ir[1]) {
              path.push(i);
              next = item;
            }
          });
        }
        if (next === undefined) return undefined;
        node = next;
      }
    }
    return undefined;
  }
}
