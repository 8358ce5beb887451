/**
 * Spans from a YAML document's node ranges. Selector errors need an offset inside a string
 * scalar: plain and single-line quoted scalars map exactly (quote doubling and backslash escapes
 * are walked); folded multi-line and block scalars map to the start of their content.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Scalar } from "yaml";
import type { Span } from "../diagnostics/types.js";
import type { Locator, SpanRequest } from "./paths.js";

type Range = readonly [number, number, number];

function rangeOf(node: unknown): Range | undefined {
  const r = (node as { range?: Range | null } | null)?.range;
  return r ?? undefined;
}

export class YamlLocator implements Locator {
  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly doc: Document.Parsed,
  ) {}

  resolve(requests: readonly SpanRequest[]): Span[] {
    return requests.map((r) => this.resolveOne(r));
  }

  private span(range: Range | undefined, fallback: number): Span {
    if (!range) return { file: this.file, start: fallback, end: fallback };
    return { file: this.file, start: range[0], end: Math.max(range[0], range[1]) };
  }

  private resolveOne(req: SpanRequest): Span {
    const docStart = rangeOf(this.doc.contents)?.[0] ?? rangeOf(this.doc)?.[0] ?? 0;
    let node: unknown = this.doc.contents;
    let keyRange: Range | undefined;
    let found = true;
    for (let i = 0; i < req.path.length; i++) {
      const seg = req.path[i];
      node = this.deref(node);
      let next: unknown;
      let nextKey: Range | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
        if (pair) {
          next = pair.value ?? pair.key;
          nextKey = rangeOf(pair.key);
        }
      } else if (isSeq(node) && typeof seg === "number") {
        next = node.items[seg];
      }
      if (next === undefined) {
        found = false;
        break;
      }
      node = next;
      keyRange = nextKey;
      if (i === req.path.length - 1 && req.part === "key" && nextKey) return this.span(nextKey, docStart);
    }
    if (!found) return this.span(keyRange ?? rangeOf(node), docStart);
    node = this.deref(node);
    if (req.inner !== undefined && isScalar(node)) return this.innerSpan(node, req.inner, req.innerLength ?? 1);
    return this.span(rangeOf(node), docStart);
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  private innerSpan(node: Scalar, inner: number, length: number): Span {
    const range = rangeOf(node);
    if (!range) return this.span(undefined, 0);
    const start = range[0];
    const raw = this.text.slice(start, range[1]);
    const at = (offset: number): Span => ({ file: this.file, start: offset, end: offset + Math.max(0, length) });
    const multiLine = raw.includes("\n") || raw.includes("\r");
    switch (node.type) {
      case "PLAIN":
        return multiLine ? at(start) : at(start + inner);
      case "QUOTE_SINGLE":
        return multiLine ? at(start) : at(start + 1 + rawIndexSingle(raw, inner));
      case "QUOTE_DOUBLE":
        return multiLine ? at(start) : at(start + 1 + rawIndexDouble(raw, inner));
      default: {
        // Block scalar: the content starts on the line after the header, after its indentation.
        const nl = raw.search(/\r?\n/);
        if (nl < 0) return at(start);
        let i = nl + (raw[nl] === "\r" ? 2 : 1);
        while (raw[i] === " ") i++;
        const lineEnd = raw.slice(i).search(/\r?\n/);
        const firstLineLength = lineEnd < 0 ? raw.length - i : lineEnd;
        return at(start + i + (inner < firstLineLength ? inner : 0));
      }
    }
  }
}

/** Raw index (after the opening quote) of decoded index `inner` in a single-quoted scalar. */
function rawIndexSingle(raw: string, inner: number): number {
  let decoded = 0;
  let i = 1;
  while (i < raw.length - 1 && decoded < inner) {
    i += raw[i] === "'" && raw[i + 1] === "'" ? 2 : 1;
    decoded++;
  }
  return i - 1;
}

/** Raw index (after the opening quote) of decoded index `inner` in a double-quoted scalar. */
export function rawIndexDouble(raw: string, inner: number): number {
  let decoded = 0;
  let i = 1;
  while (i < raw.length - 1 && decoded < inner) {
    if (raw[i] === "\\") {
      const c = raw[i + 1];
      if (c === "x") i += 4;
      else if (c === "u") i += 6;
      else if (c === "U") {
        const cp = Number.parseInt(raw.slice(i + 2, i + 10), 16);
        i += 10;
        if (cp > 0xffff) decoded++;
      } else i += 2;
    } else i++;
    decoded++;
  }
  return i - 1;
}

