/**
 * Spans for a document read by the subset reader (yaml-subset.ts), the same as YamlLocator gives
 * for it. The root's range is known from the read; anything deeper is answered from a second read
 * that keeps ranges (a policy's rules), and an offset inside a string (which YamlLocator maps
 * through quotes and escapes) from `yaml` itself on the document's text, parsed only then.
 */
import { Composer, Parser, type Document } from "yaml";
import type { Span } from "../diagnostics/types.js";
import { YamlLocator } from "./locate-yaml.js";
import type { Locator, SpanRequest } from "./paths.js";
import { yamlOptions } from "./yaml-scalars.js";
import { readSubset, type NodeRange, type SubsetNode } from "./yaml-subset.js";

/** text[start, end) composed by `yaml` alone, or undefined when it has errors or is not one document. */
export function composeOne(text: string, start: number, end: number): Document.Parsed | undefined {
  const sub = text.slice(start, end);
  const docs = [...new Composer(yamlOptions).compose(new Parser().parse(sub), true, sub.length)];
  const doc = docs[0] as Document.Parsed | undefined;
  return docs.length === 1 && doc !== undefined && doc.errors.length === 0 ? doc : undefined;
}

/** A YamlLocator for text[start, end) parsed on its own, with spans moved back into the file. */
export function yamlLocatorAt(file: string, text: string, start: number, end: number, doc: Document.Parsed): Locator {
  const inner = new YamlLocator(file, text.slice(start, end), doc);
  return { resolve: (requests) => inner.resolve(requests).map((s) => ({ file, start: s.start + start, end: s.end + start })) };
}

export class SubsetLocator implements Locator {
  private tree: SubsetNode | undefined;
  private yaml: Locator | undefined;

  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly start: number,
    private readonly end: number,
    private readonly range: NodeRange,
  ) {}

  resolve(requests: readonly SpanRequest[]): Span[] {
    return requests.map((r) => (r.path.length === 0 && r.inner === undefined ? this.span(this.range) : (this.fromTree(r) ?? this.fromYaml(r))));
  }

  private span(r: NodeRange): Span {
    return { file: this.file, start: r[0], end: Math.max(r[0], r[1]) };
  }

  /** YamlLocator.resolveOne's walk over the range tree; undefined where the tree cannot answer. */
  private fromTree(req: SpanRequest): Span | undefined {
    if (req.inner !== undefined) return undefined;
    this.tree ??= readSubset(this.text, this.start, this.end, true)?.tree;
    let node = this.tree;
    if (node === undefined) return undefined;
    let keyRange: NodeRange | undefined;
    for (let i = 0; i < req.path.length; i++) {
      const seg = req.path[i] as string | number;
      let next: SubsetNode | undefined;
      let nextKey: NodeRange | undefined;
      if (node.kind === "map") {
        const entry = node.entries.get(String(seg));
        next = entry?.node;
        nextKey = entry?.key;
      } else if (node.kind === "seq" && typeof seg === "number") {
        next = node.items[seg];
      }
      if (next === undefined) {
        if (keyRange !== undefined) return this.span(keyRange);
        return this.span(node.range);
      }
      node = next;
      keyRange = nextKey;
      if (i === req.path.length - 1 && req.part === "key" && nextKey) return this.span(nextKey);
    }
    return this.span(node.range);
  }

  private fromYaml(req: SpanRequest): Span {
    if (this.yaml === undefined) {
      const doc = composeOne(this.text, this.start, this.end);
      // The reader read this text, so `yaml` reads it too; if not, that is a bug to hear about.
      if (doc === undefined) throw new Error("internal: a document the YAML fast path read does not compose");
      this.yaml = yamlLocatorAt(this.file, this.text, this.start, this.end, doc);
    }
    return this.yaml.resolve([req])[0] as Span;
  }
}

/** The locator of an empty document: `yaml` places its null (and so everything) at one offset. */
export class PointLocator implements Locator {
  constructor(
    private readonly file: string,
    private readonly at: number,
  ) {}

  resolve(requests: readonly SpanRequest[]): Span[] {
    // As YamlLocator for an empty plain scalar: an inner offset counts from the scalar's start.
    return requests.map((r) => (r.inner === undefined ? { file: this.file, start: this.at, end: this.at } : { file: this.file, start: this.at + r.inner, end: this.at + r.inner + Math.max(0, r.innerLength ?? 1) }));
  }
}
