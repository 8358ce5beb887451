/**
 * Spans for paths in a JSON text, without building a tree: one scan of the text that descends
 * only into the subtrees some request needs and skips everything else. JSON inputs are parsed
 * with JSON.parse (fast, little memory); this runs only for what must be located (diagnostics,
 * resource and rule origins), all requests of a file in one pass.
 */
import type { Span } from "../diagnostics/types.js";
import { rawIndexDouble } from "./locate-yaml.js";
import type { Locator, SpanRequest } from "./paths.js";
import { isJsonWhitespace, stringEnd, valueEnd } from "./json-scan.js";

/**
 * The requested paths as a tree. Each node remembers where its path was first found in the text;
 * a request resolves to the deepest node along its path that was found. (With duplicate keys,
 * which JSON.parse resolves to the last, positions come from the first occurrence that has the
 * path, as they always have.)
 */
interface Trie {
  /**
   * Children by object key or array index (as text): a short list (most nodes have one to three
   * children, and comparing a few keys in place beats hashing a sliced copy), or a Map once
   * there are many (a List's items).
   */
  keys: string[] | undefined;
  nodes: Trie[] | undefined;
  map: Map<string, Trie> | undefined;
  /** Where this path was first found. */
  found: Found | undefined;
}

const MAX_LIST = 8;

function child(t: Trie, key: string): Trie | undefined {
  if (t.map !== undefined) return t.map.get(key);
  if (t.keys === undefined) return undefined;
  const i = t.keys.indexOf(key);
  return i < 0 ? undefined : t.nodes?.[i];
}

function addChild(t: Trie, key: string): Trie {
  const existing = child(t, key);
  if (existing !== undefined) return existing;
  const c = newTrie();
  if (t.map !== undefined) t.map.set(key, c);
  else if (t.keys === undefined || t.nodes === undefined) {
    t.keys = [key];
    t.nodes = [c];
  } else {
    t.keys.push(key);
    t.nodes.push(c);
    if (t.keys.length > MAX_LIST) {
      const nodes = t.nodes;
      t.map = new Map(t.keys.map((k, i) => [k, nodes[i] as Trie]));
      t.keys = t.nodes = undefined;
    }
  }
  return c;
}

interface Found {
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly start: number;
  end: number;
}

function countNodes(t: Trie): number {
  let n = 1;
  if (t.map !== undefined) for (const c of t.map.values()) n += countNodes(c);
  else for (const c of t.nodes ?? []) n += countNodes(c);
  return n;
}

function newTrie(): Trie {
  return { keys: undefined, nodes: undefined, map: undefined, found: undefined };
}

export class JsonLocator implements Locator {
  /**
   * Locates in the value that starts at `start` (after whitespace; the whole text by default).
   * Request paths then begin with that value's own path, `depth` segments long, which is skipped:
   * a JSON List's item is located on its own, so its trie and scan stay small and short-lived.
   * When the value's `end` is known too, the scan stops as soon as every requested path has been
   * found (after an item's metadata, its spec and status need not be scanned again).
   */
  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly start = 0,
    private readonly depth = 0,
    private readonly end = -1,
  ) {}

  /** True when this locates in one value whose end is known (a List's item): a resolve scans only that value. */
  get itemScoped(): boolean {
    return this.end >= 0;
  }

  resolve(requests: readonly SpanRequest[]): Span[] {
    const root = newTrie();
    for (const req of requests) {
      let t = root;
      for (let d = this.depth; d < req.path.length; d++) {
        const seg = req.path[d] as string | number;
        t = addChild(t, typeof seg === "number" ? String(seg) : seg);
      }
    }
    const scanner = new Scanner(this.text);
    if (this.end >= 0) {
      scanner.knownEnd = this.end;
      scanner.unfound = countNodes(root) - 1; // all but the root, which is found first
    }
    scanner.pos = this.start;
    scanner.skipWs();
    const rootFound: Found = { keyStart: -1, keyEnd: -1, start: scanner.pos, end: scanner.pos };
    root.found = rootFound;
    // Only the value itself, whose end is known (a List's item): nothing to scan.
    if (this.end >= 0 && root.keys === undefined && root.map === undefined) rootFound.end = this.end;
    else scanner.scanValue(root, rootFound, true);

    const spans: Span[] = new Array(requests.length);
    for (let i = 0; i < requests.length; i++) {
      const req = requests[i] as SpanRequest;
      // The deepest node found along the path.
      let f = rootFound;
      let depth = this.depth;
      let t: Trie | undefined = root;
      for (let d = this.depth; d < req.path.length; d++) {
        const seg = req.path[d] as string | number;
        t = child(t, typeof seg === "number" ? String(seg) : seg);
        if (t === undefined) break;
        if (t.found !== undefined) {
          f = t.found;
          depth = d + 1;
        }
      }
      spans[i] = this.span(req, f, depth === req.path.length);
    }
    return spans;
  }

  private span(req: SpanRequest, f: Found, exact: boolean): Span {
    if (!exact || req.part === "key") {
      if (f.keyStart >= 0) return { file: this.file, start: f.keyStart, end: f.keyEnd };
      return { file: this.file, start: f.start, end: f.end };
    }
    if (req.inner !== undefined && this.text[f.start] === '"') {
      const raw = this.text.slice(f.start, f.end);
      const start = f.start + 1 + rawIndexDouble(raw, req.inner);
      return { file: this.file, start, end: start + Math.max(0, req.innerLength ?? 1) };
    }
    return { file: this.file, start: f.start, end: f.end };
  }
}

/**
 * A quoted key's value. The text is JSON where this runs from the loader, but a caller may hand
 * a JSON-looking text that JSON.parse rejected and `yaml` read (a raw control character in a
 * string): then the key is taken as written, and a span is at worst less precise, never a throw.
 */
function unescapedKey(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

class Scanner {
  pos = 0;
  /** With knownEnd: how many trie nodes are still to be found; at 0 the root's scan may stop. */
  unfound = -1;
  /** Where the root value ends, when the caller knows it (-1: unknown). */
  knownEnd = -1;
  constructor(private readonly text: string) {}


  /**
   * Scans the value at `pos` (whose node is `t`, found at `found`), descending only into the
   * children some request needs, and records where each of them is first found.
   */
  scanValue(t: Trie, found: Found, root = false): void {
    const text = this.text;
    if (t.keys === undefined && t.map === undefined) {
      this.skipValue();
      found.end = this.pos;
      return;
    }
    const c = text.charCodeAt(this.pos);
    if (c === 123 /* { */) {
      this.pos++;
      this.skipWs();
      if (text.charCodeAt(this.pos) === 125) this.pos++;
      else
        for (;;) {
          this.skipWs();
          const keyStart = this.pos;
          const c = this.childForKey(t);
          const keyEnd = this.pos;
          this.skipWs();
          this.pos++; // ':'
          this.skipWs();
          this.scanChild(c, keyStart, keyEnd);
          if (root && this.stopAtRoot(found)) return;
          this.skipWs();
          if (text.charCodeAt(this.pos++) !== 44 /* , */) break;
        }
    } else if (c === 91 /* [ */) {
      this.pos++;
      this.skipWs();
      if (text.charCodeAt(this.pos) === 93) this.pos++;
      else
        for (let index = 0; ; index++) {
          this.skipWs();
          this.scanChild(child(t, String(index)), -1, -1);
          if (root && this.stopAtRoot(found)) return;
          this.skipWs();
          if (text.charCodeAt(this.pos++) !== 44 /* , */) break;
        }
    } else this.skipValue();
    found.end = this.pos;
  }

  /**
   * Back at the root with every node found (so every found node has been scanned to its end),
   * nothing further can change a span: skip to the root's known end.
   */
  private stopAtRoot(found: Found): boolean {
    if (this.unfound !== 0) return false;
    this.pos = this.knownEnd;
    found.end = this.knownEnd;
    return true;
  }

  private scanChild(t: Trie | undefined, keyStart: number, keyEnd: number): void {
    if (t === undefined) {
      this.skipValue();
      return;
    }
    const f: Found = { keyStart, keyEnd, start: this.pos, end: this.pos };
    if (t.found === undefined) {
      t.found = f;
      this.unfound--;
    }
    this.scanValue(t, f);
  }

  /** Reads the key string at `pos` and returns the child it names, without slicing plain keys. */
  private childForKey(t: Trie): Trie | undefined {
    const start = this.pos;
    this.skipString();
    const length = this.pos - start - 2;
    const text = this.text;
    let escaped = false;
    for (let i = start + 1; i < this.pos - 1; i++) if (text.charCodeAt(i) === 92 /* \\ */) escaped = true;
    const keys = t.keys;
    if (escaped || keys === undefined) return child(t, escaped ? unescapedKey(text.slice(start, this.pos)) : text.slice(start + 1, this.pos - 1));
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (key.length === length && text.startsWith(key, start + 1)) return t.nodes?.[i];
    }
    return undefined;
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length && isJsonWhitespace(t.charCodeAt(this.pos))) this.pos++;
  }

  /** The text is valid JSON here (JSON.parse accepted it); an unterminated tail just ends the scan. */
  skipString(): void {
    const end = stringEnd(this.text, this.pos);
    this.pos = end < 0 ? this.text.length : end;
  }

  skipValue(): void {
    const end = valueEnd(this.text, this.pos);
    this.pos = end < 0 ? this.text.length : end;
  }
}
