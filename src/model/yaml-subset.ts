/**
 * The fast path for YAML: a reader for the plain block subset that generators and `kubectl`
 * write (block mappings and sequences, one scalar per line, `[]`/`{}`), which gives exactly what
 * the `yaml` package gives for such a document (same value, same node ranges) at a fraction of
 * its cost. It *declines* (returns undefined) everything else — anchors, aliases, tags, merge
 * keys, flow collections, block and multi-line scalars, `?` keys, tabs, CR, control characters,
 * duplicate or non-string keys, over-long keys, a comment glued to a token, anything malformed —
 * and the caller hands that document to `yaml`, which words the diagnostics.
 *
 * Why not another parser (js-yaml was measured, notes/yaml-at-scale.md): it reads YAML 1.1-ish
 * scalars, merge keys, null keys and several malformed texts differently from `yaml`, and keeps
 * no node ranges, so it would need this same screen and range logic on top of its own pass.
 * Here the screen *is* the parser, and every scalar's type is decided by `yaml`'s own core-schema
 * tags (yaml-scalars.ts), so the two paths cannot type a scalar differently.
 */
import { tokenizeLine, DECLINE_LINE, INDENTED_COMMENT, type Line, type Scalar } from "./yaml-subset-line.js";
import { DECLINE } from "./yaml-scalars.js";

/** Range of a node as `yaml` reports it: [start, end). */
export type NodeRange = readonly [number, number];

/** The shape of a read document with ranges, for locating (built only when asked for). */
export type SubsetNode =
  | { readonly kind: "map"; readonly range: NodeRange; readonly entries: ReadonlyMap<string, { readonly key: NodeRange; readonly node: SubsetNode }> }
  | { readonly kind: "seq"; readonly range: NodeRange; readonly items: readonly SubsetNode[] }
  | { readonly kind: "scalar"; readonly range: NodeRange };

export interface SubsetDocument {
  readonly value: unknown;
  /** Range of the document's root collection. */
  readonly range: NodeRange;
  /** Set when read with `positions`. */
  readonly tree?: SubsetNode;
}

/**
 * Reads text[start, end) (one document, without its `---` line) or declines. `positions` adds the
 * range tree that locating needs; values never depend on it.
 */
export function readSubset(text: string, start: number, end: number, positions = false): SubsetDocument | undefined {
  const lines: Line[] = [];
  try {
    let p = start;
    let comment = false;
    while (p < end) {
      let nl = text.indexOf("\n", p);
      if (nl < 0 || nl >= end) nl = end;
      const line = tokenizeLine(text, p, nl, nl < end ? nl + 1 : end);
      p = nl + 1;
      if (line === DECLINE_LINE) return undefined;
      if (line === INDENTED_COMMENT) comment = lines.length > 0;
      else if (line !== undefined) {
        if (comment && !absorbsNoComment(lines[lines.length - 1] as Line, line)) return undefined;
        comment = false;
        lines.push(line);
      }
    }
    if (lines.length === 0 || comment) return undefined;
    const reader = new Reader(lines, positions);
    const first = lines[0] as Line;
    if (first.dashes.length === 0 && first.key === undefined) return undefined; // a scalar document
    const root = reader.node(first.indent);
    if (reader.li !== lines.length) return undefined;
    const range: NodeRange = [first.start + first.indent, reader.lastEnd];
    return positions ? { value: root.value, range, tree: root.tree as SubsetNode } : { value: root.value, range };
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  }
}

/**
 * `yaml` counts indented comment lines after a collection's last line into its range by rules of
 * its parser that are not copied here (they depend on the comment's indentation relative to each
 * collection ending there). They are safe when no collection ends before the next content line:
 * that line is at least as deep as the innermost node of the line before the comments.
 */
function absorbsNoComment(before: Line, after: Line): boolean {
  const innermost = before.key !== undefined ? before.key.start : (before.dashes[before.dashes.length - 1] as number);
  return after.indent >= innermost - before.start;
}

const MAX_DEPTH = 200;

interface Read {
  readonly value: unknown;
  readonly tree: SubsetNode | undefined;
}

/** Recursive descent over content lines; `ti` is the position within the current line's tokens. */
class Reader {
  li = 0;
  /** 0..dashes.length-1: at that dash; dashes.length: at the key or value. */
  ti = 0;
  lastEnd = 0;
  private depth = 0;

  constructor(
    private readonly lines: readonly Line[],
    private readonly positions: boolean,
  ) {}

  private get line(): Line | undefined {
    return this.lines[this.li];
  }

  private advance(): void {
    this.lastEnd = (this.lines[this.li] as Line).end;
    this.li++;
    this.ti = 0;
  }

  /** Offset (within its line) of the token at the cursor. */
  private column(line: Line): number {
    return (this.ti < line.dashes.length ? (line.dashes[this.ti] as number) : ((line.key ?? line.value) as Scalar).start) - line.start;
  }

  /** The node at the cursor, whose first token is at `col`. */
  node(col: number): Read {
    // Deep nesting is left to `yaml` (the recursion here should not be what limits it).
    if (++this.depth > MAX_DEPTH) throw DECLINE;
    try {
      return this.nodeAt(col);
    } finally {
      this.depth--;
    }
  }

  private nodeAt(col: number): Read {
    const line = this.line as Line;
    if (this.ti < line.dashes.length) return this.seq(col);
    if (line.key !== undefined) return this.map(col);
    // A lone scalar is read only after a dash on the same line (a multi-line plain scalar otherwise).
    if (this.ti === 0) throw DECLINE;
    const v = line.value as Scalar;
    this.advance();
    return { value: v.value, tree: this.positions ? scalarNode(v) : undefined };
  }

  private seq(col: number): Read {
    const items: unknown[] = [];
    const trees: SubsetNode[] = [];
    const start = (this.line as Line).dashes[this.ti] as number;
    for (;;) {
      const line = this.line as Line;
      this.ti++;
      const item = this.node(this.column(line));
      items.push(item.value);
      if (this.positions) trees.push(item.tree as SubsetNode);
      const next = this.line;
      if (next === undefined || next.indent < col) break;
      if (next.indent > col) throw DECLINE;
      if (next.dashes.length === 0) break; // the enclosing mapping's next key
    }
    return { value: items, tree: this.positions ? { kind: "seq", range: [start, this.lastEnd], items: trees } : undefined };
  }

  private map(col: number): Read {
    const obj: Record<string, unknown> = {};
    const entries = this.positions ? new Map<string, { key: NodeRange; node: SubsetNode }>() : undefined;
    const start = ((this.line as Line).key as Scalar).start;
    for (;;) {
      const line = this.line as Line;
      const key = line.key;
      if (key === undefined || this.ti !== line.dashes.length) throw DECLINE;
      const name = key.value as string;
      if (Object.hasOwn(obj, name)) throw DECLINE; // `yaml` reports the duplicate
      let read: Read;
      if (line.value !== undefined) {
        const v = line.value;
        this.advance();
        read = { value: v.value, tree: this.positions ? scalarNode(v) : undefined };
        const next = this.line;
        if (next !== undefined && next.indent > col) throw DECLINE;
      } else {
        this.advance();
        const next = this.line;
        if (next !== undefined && next.indent > col) read = this.node(next.indent);
        else if (next !== undefined && next.indent === col && next.dashes.length > 0) read = this.seq(col);
        // `key:` with nothing: a null that `yaml` places (and ends its parents) by rules not copied here.
        else throw DECLINE;
      }
      // As yaml's toJS does: a key that is an inherited name ("__proto__") becomes an own property.
      if (name in obj) Object.defineProperty(obj, name, { value: read.value, writable: true, enumerable: true, configurable: true });
      else obj[name] = read.value;
      entries?.set(name, { key: [key.start, key.end], node: read.tree as SubsetNode });
      const next = this.line;
      if (next === undefined || next.indent < col) break;
      if (next.indent > col || next.dashes.length > 0) throw DECLINE;
    }
    return { value: obj, tree: entries ? { kind: "map", range: [start, this.lastEnd], entries } : undefined };
  }
}

function scalarNode(v: Scalar): SubsetNode {
  return { kind: "scalar", range: [v.start, v.end] };
}
