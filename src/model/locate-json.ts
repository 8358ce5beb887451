/**
 * Spans for paths in a JSON text, without building a tree: one scan of the text that descends
 * only into the subtrees some request needs and skips everything else. JSON inputs are parsed
 * with JSON.parse (fast, little memory); this runs only for what must be located (diagnostics,
 * resource and rule origins), all requests of a file in one pass.
 */
import type { Span } from "../diagnostics/types.js";
import { rawIndexDouble } from "./locate-yaml.js";
import type { Locator, SpanRequest } from "./paths.js";

/**
 * The requested paths as a tree. Each node remembers where its path was first found in the text;
 * a request resolves to the deepest node along its path that was found. (With duplicate keys,
 * which JSON.parse resolves to the last, positions come from the first occurrence that has the
 * path, as they always have.)
 */
interface Trie {
  /** Created only for nodes that have children; keys are object keys or array indices as text. */
  children: Map<string, Trie> | undefined;
  /** Where this path was first found. */
  found: Found | undefined;
}

interface Found {
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly start: number;
  end: number;
}

function newTrie(): Trie {
  return { children: undefined, found: undefined };
}

export class JsonLocator implements Locator {
  constructor(
    private readonly file: string,
    private readonly text: string,
  ) {}

  resolve(requests: readonly SpanRequest[]): Span[] {
    const root = newTrie();
    for (const req of requests) {
      let t = root;
      for (const seg of req.path) {
        const k = typeof seg === "number" ? String(seg) : seg;
        let children = t.children;
        if (children === undefined) t.children = children = new Map();
        let c = children.get(k);
        if (c === undefined) {
          c = newTrie();
          children.set(k, c);
        }
        t = c;
      }
    }
    const scanner = new Scanner(this.text);
    scanner.skipWs();
    const rootFound: Found = { keyStart: -1, keyEnd: -1, start: scanner.pos, end: scanner.pos };
    root.found = rootFound;
    scanner.scanValue(root, rootFound);

    const spans: Span[] = new Array(requests.length);
    for (let i = 0; i < requests.length; i++) {
      const req = requests[i] as SpanRequest;
      // The deepest node found along the path.
      let f = rootFound;
      let depth = 0;
      let t: Trie | undefined = root;
      for (let d = 0; d < req.path.length; d++) {
        const seg = req.path[d] as string | number;
        t = t.children?.get(typeof seg === "number" ? String(seg) : seg);
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

class Scanner {
  pos = 0;
  constructor(private readonly text: string) {}

  /**
   * Scans the value at `pos` (whose node is `t`, found at `found`), descending only into the
   * children some request needs, and records where each of them is first found.
   */
  scanValue(t: Trie, found: Found): void {
    const children = t.children;
    const text = this.text;
    if (children === undefined) {
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
          const child = this.childForKey(children);
          const keyEnd = this.pos;
          this.skipWs();
          this.pos++; // ':'
          this.skipWs();
          this.scanChild(child, keyStart, keyEnd);
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
          this.scanChild(children.get(String(index)), -1, -1);
          this.skipWs();
          if (text.charCodeAt(this.pos++) !== 44 /* , */) break;
        }
    } else this.skipValue();
    found.end = this.pos;
  }

  private scanChild(child: Trie | undefined, keyStart: number, keyEnd: number): void {
    if (child === undefined) {
      this.skipValue();
      return;
    }
    const f: Found = { keyStart, keyEnd, start: this.pos, end: this.pos };
    if (child.found === undefined) child.found = f;
    this.scanValue(child, f);
  }

  /** Reads the key string at `pos` and returns the child it names, without slicing plain keys. */
  private childForKey(children: Map<string, Trie>): Trie | undefined {
    const start = this.pos;
    this.skipString();
    const length = this.pos - start - 2;
    const text = this.text;
    let escaped = false;
    for (let i = start + 1; i < this.pos - 1; i++) if (text.charCodeAt(i) === 92 /* \\ */) escaped = true;
    if (escaped || children.size > 8) return children.get(escaped ? (JSON.parse(text.slice(start, this.pos)) as string) : text.slice(start + 1, this.pos - 1));
    for (const [key, child] of children) {
      if (key.length === length && text.startsWith(key, start + 1)) return child;
    }
    return undefined;
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else break;
    }
  }

  skipString(): void {
    const t = this.text;
    let i = this.pos + 1;
    for (;;) {
      const q = t.indexOf('"', i);
      if (q < 0) {
        this.pos = t.length;
        return;
      }
      let backslashes = 0;
      for (let j = q - 1; j >= i && t.charCodeAt(j) === 92; j--) backslashes++;
      if (backslashes % 2 === 0) {
        this.pos = q + 1;
        return;
      }
      i = q + 1;
    }
  }

  skipValue(): void {
    const t = this.text;
    let depth = 0;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        this.skipString();
        if (depth === 0) return;
        continue;
      }
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) return;
        depth--;
        if (depth === 0) {
          this.pos++;
          return;
        }
      } else if (depth === 0 && (c === 44 || c === 32 || c === 10 || c === 13 || c === 9)) return;
      this.pos++;
    }
  }
}
