/**
 * Spans for paths in a JSON text, without building a tree: one scan of the text that descends
 * only into the subtrees some request needs and skips everything else. JSON inputs are parsed
 * with JSON.parse (fast, little memory); this runs only for what must be located (diagnostics,
 * resource and rule origins), all requests of a file in one pass.
 */
import type { Span } from "../diagnostics/types.js";
import { rawIndexDouble } from "./locate-yaml.js";
import type { Locator, SpanRequest } from "./paths.js";

interface Trie {
  readonly children: Map<string, Trie>;
  /** Indices of requests that end here. */
  readonly here: number[];
}

interface Found {
  keyStart: number;
  keyEnd: number;
  start: number;
  end: number;
}

function newTrie(): Trie {
  return { children: new Map(), here: [] };
}

export class JsonLocator implements Locator {
  constructor(
    private readonly file: string,
    private readonly text: string,
  ) {}

  resolve(requests: readonly SpanRequest[]): Span[] {
    const root = newTrie();
    requests.forEach((req, i) => {
      let t = root;
      for (const seg of req.path) {
        const k = String(seg);
        let c = t.children.get(k);
        if (!c) {
          c = newTrie();
          t.children.set(k, c);
        }
        t = c;
      }
      t.here.push(i);
    });
    // For each request, the deepest node found along its path.
    const best: (Found | undefined)[] = new Array(requests.length);
    const depth: number[] = new Array(requests.length).fill(-1);
    const scanner = new Scanner(this.text);
    scanner.skipWs();
    const rootFound: Found = { keyStart: -1, keyEnd: -1, start: scanner.pos, end: scanner.pos };
    const visit = (t: Trie, level: number, found: Found, below: (t: Trie) => void): void => {
      // Every request in this subtree has at least this node as its best match so far.
      const mark = (n: Trie): void => {
        for (const i of n.here) if (depth[i]! < level) ((best[i] = found), (depth[i] = level));
        for (const c of n.children.values()) mark(c);
      };
      mark(t);
      below(t);
    };
    const scanValue = (t: Trie | undefined, level: number, found: Found): void => {
      if (!t) {
        scanner.skipValue();
        found.end = scanner.pos;
        return;
      }
      const c = this.text[scanner.pos];
      if (c === "{") {
        scanner.pos++;
        scanner.skipWs();
        if (this.text[scanner.pos] === "}") scanner.pos++;
        else
          for (;;) {
            scanner.skipWs();
            const keyStart = scanner.pos;
            const key = scanner.readString();
            const keyEnd = scanner.pos;
            scanner.skipWs();
            scanner.pos++; // ':'
            scanner.skipWs();
            const child = t.children.get(key);
            const f: Found = { keyStart, keyEnd, start: scanner.pos, end: scanner.pos };
            if (child) visit(child, level + 1, f, (n) => scanValue(n, level + 1, f));
            else scanValue(undefined, level + 1, f);
            scanner.skipWs();
            if (this.text[scanner.pos++] !== ",") break;
          }
      } else if (c === "[") {
        scanner.pos++;
        scanner.skipWs();
        if (this.text[scanner.pos] === "]") scanner.pos++;
        else
          for (let index = 0; ; index++) {
            scanner.skipWs();
            const child = t.children.get(String(index));
            const f: Found = { keyStart: -1, keyEnd: -1, start: scanner.pos, end: scanner.pos };
            if (child) visit(child, level + 1, f, (n) => scanValue(n, level + 1, f));
            else scanValue(undefined, level + 1, f);
            scanner.skipWs();
            if (this.text[scanner.pos++] !== ",") break;
          }
      } else scanner.skipValue();
      found.end = scanner.pos;
    };
    visit(root, 0, rootFound, (n) => scanValue(n, 0, rootFound));

    return requests.map((req, i) => {
      const f = best[i] ?? rootFound;
      const exact = depth[i] === req.path.length;
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
    });
  }
}

class Scanner {
  pos = 0;
  constructor(private readonly text: string) {}

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else break;
    }
  }

  /** Reads a string token starting at `pos` (which must be a quote) and returns its value. */
  readString(): string {
    const start = this.pos;
    this.skipString();
    const raw = this.text.slice(start, this.pos);
    return raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
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
