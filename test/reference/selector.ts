/**
 * The reference's own Calico selector language: a tokenizer, a recursive-descent parser and an
 * evaluator written from /work/shared/reference/selector.md (§2 lexical structure, §3 grammar,
 * §5 evaluation). It shares nothing with src/selector: the reference must not fail the way the
 * compiler fails. Only evaluation matters here (no canonical form, no ids).
 */

export type Labels = Readonly<Record<string, string>>;

/**
 * A parsed selector: a predicate over a label set. `scope`, when given, is how Calico reads a
 * namespaceSelector (selector.md §9): there `all()` means "a namespaced entity" and `global()`
 * "a non-namespaced one" (host endpoints, global network sets); elsewhere both match everything.
 */
export type SelectorFn = (labels: Labels, scope?: { readonly namespaced: boolean }) => boolean;

export class RefSelectorError extends Error {}

type Token =
  | { t: "eof" }
  | { t: "(" | ")" | "{" | "}" | "," | "==" | "!=" | "!" | "&&" | "||" }
  | { t: "str"; v: string }
  | { t: "label"; v: string }
  | { t: "has"; v: string }
  | { t: "all" }
  | { t: "global" }
  | { t: "op"; v: "contains" | "starts" | "ends" | "in" | "notin" };

const isLabelByte = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_./-]$/.test(c);
const isWs = (c: string | undefined): boolean => c === " " || c === "\t";

/** §2: bytes → tokens (context-sensitive after a label). */
function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const skipWs = (): void => {
    while (isWs(s[i])) i++;
  };
  const readLabel = (): string => {
    const start = i;
    while (isLabelByte(s[i])) i++;
    const label = s.slice(start, i);
    if (label === "") throw new RefSelectorError(`expected identifier at ${i}`);
    if (Buffer.byteLength(label) > 512) throw new RefSelectorError(`label too long: ${label}`);
    return label;
  };
  /** `word` ws* `with`/`in` then the boundary rule of §2.6 (ws skipped, next byte not a label byte). */
  const twoWord = (first: string, second: string): boolean => {
    if (!s.startsWith(first, i)) return false;
    let j = i + first.length;
    while (isWs(s[j])) j++;
    if (!s.startsWith(second, j)) return false;
    j += second.length;
    while (isWs(s[j])) j++;
    if (isLabelByte(s[j])) return false;
    i = j;
    return true;
  };
  const oneWord = (w: string): boolean => {
    if (!s.startsWith(w, i) || isLabelByte(s[i + w.length])) return false;
    i += w.length;
    return true;
  };
  for (;;) {
    skipWs();
    if (i >= s.length) {
      out.push({ t: "eof" });
      return out;
    }
    const c = s[i]!;
    const prev = out[out.length - 1];
    if ("(){},".includes(c)) {
      out.push({ t: c as "(" });
      i++;
    } else if (c === '"' || c === "'") {
      const end = s.indexOf(c, i + 1);
      if (end < 0) throw new RefSelectorError("unterminated string");
      out.push({ t: "str", v: s.slice(i + 1, end) });
      i = end + 1;
    } else if (c === "=") {
      if (s[i + 1] !== "=") throw new RefSelectorError("expected ==");
      out.push({ t: "==" });
      i += 2;
    } else if (c === "!") {
      if (s[i + 1] === "=") {
        out.push({ t: "!=" });
        i += 2;
      } else {
        out.push({ t: "!" });
        i++;
      }
    } else if (c === "&" || c === "|") {
      if (s[i + 1] !== c) throw new RefSelectorError(`expected ${c}${c}`);
      out.push({ t: c === "&" ? "&&" : "||" });
      i += 2;
    } else if (prev?.t === "label") {
      if (oneWord("contains")) out.push({ t: "op", v: "contains" });
      else if (twoWord("starts", "with")) out.push({ t: "op", v: "starts" });
      else if (twoWord("ends", "with")) out.push({ t: "op", v: "ends" });
      else if (twoWord("not", "in")) out.push({ t: "op", v: "notin" });
      else if (oneWord("in")) out.push({ t: "op", v: "in" });
      else throw new RefSelectorError(`expected operator after label "${prev.v}"`);
    } else if (s.startsWith("has(", i)) {
      i += 4;
      skipWs();
      const label = readLabel();
      skipWs();
      if (s[i] !== ")") throw new RefSelectorError("no closing ')' after has(");
      i++;
      out.push({ t: "has", v: label });
    } else if (s.startsWith("all(", i) || s.startsWith("global(", i)) {
      const kind = s.startsWith("all(", i) ? "all" : "global";
      i += kind.length + 1;
      skipWs();
      if (s[i] !== ")") throw new RefSelectorError(`no closing ')' after ${kind}(`);
      i++;
      out.push({ t: kind });
    } else {
      out.push({ t: "label", v: readLabel() });
    }
  }
}

/** §3: or_expr EOF, with n-ary AND/OR, `!` binding to one primary. */
export function parseRefSelector(text: string): SelectorFn {
  const toks = tokenize(text);
  let p = 0;
  const peek = (): Token => toks[p]!;
  const next = (): Token => toks[p++]!;
  const expect = (t: Token["t"]): Token => {
    const k = next();
    if (k.t !== t) throw new RefSelectorError(`expected ${t}, found ${k.t}`);
    return k;
  };
  const str = (): string => {
    const k = next();
    if (k.t !== "str") throw new RefSelectorError("expected string");
    return k.v;
  };
  const set = (): Set<string> => {
    expect("{");
    const out = new Set<string>();
    if (peek().t === "}") {
      next();
      return out;
    }
    for (;;) {
      out.add(str());
      const k = next();
      if (k.t === "}") return out;
      if (k.t !== ",") throw new RefSelectorError("expected }");
      if (peek().t === "}") {
        next();
        return out;
      }
    }
  };
  const primary = (): SelectorFn => {
    const k = next();
    switch (k.t) {
      case "has":
        return (l) => Object.hasOwn(l, k.v);
      case "all":
        return (_l, scope) => scope?.namespaced ?? true;
      case "global":
        return (_l, scope) => (scope ? !scope.namespaced : true);
      case "(": {
        const e = orExpr();
        expect(")");
        return e;
      }
      case "label": {
        const key = k.v;
        const op = next();
        const val = (l: Labels): string | undefined => (Object.hasOwn(l, key) ? l[key] : undefined);
        if (op.t === "==") {
          const s = str();
          return (l) => val(l) === s;
        }
        if (op.t === "!=") {
          const s = str();
          return (l) => val(l) !== s;
        }
        if (op.t !== "op") throw new RefSelectorError(`expected == or != not: ${op.t}`);
        if (op.v === "in" || op.v === "notin") {
          const members = set();
          return op.v === "in" ? (l) => val(l) !== undefined && members.has(val(l)!) : (l) => val(l) === undefined || !members.has(val(l)!);
        }
        const s = str();
        if (op.v === "contains") return (l) => val(l)?.includes(s) ?? false;
        if (op.v === "starts") return (l) => val(l)?.startsWith(s) ?? false;
        return (l) => val(l)?.endsWith(s) ?? false;
      }
      default:
        throw new RefSelectorError(`unexpected token: ${k.t}`);
    }
  };
  const unary = (): SelectorFn => {
    let negate = false;
    while (peek().t === "!") {
      next();
      negate = !negate;
    }
    const e = primary();
    return negate ? (l) => !e(l) : e;
  };
  const andExpr = (): SelectorFn => {
    const parts = [unary()];
    while (peek().t === "&&") {
      next();
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0]! : (l, sc) => parts.every((f) => f(l, sc));
  };
  function orExpr(): SelectorFn {
    const parts = [andExpr()];
    while (peek().t === "||") {
      next();
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0]! : (l, sc) => parts.some((f) => f(l, sc));
  }
  if (peek().t === "eof") return () => true;
  const e = orExpr();
  if (peek().t !== "eof") throw new RefSelectorError("unexpected content at end of selector");
  return e;
}

const cache = new Map<string, SelectorFn>();
/** A selector's predicate (parsed once per text); an empty or absent selector is all(). */
export function refSelector(text: string | undefined): SelectorFn {
  const key = text ?? "";
  let f = cache.get(key);
  if (!f) {
    f = parseRefSelector(key);
    cache.set(key, f);
  }
  return f;
}

