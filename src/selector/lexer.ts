/**
 * The selector tokenizer, as a chevrotain lexer (selector.md §2).
 *
 * Calico's tokenizer is context-sensitive: right after a label only an operator word may follow
 * (`contains`, `starts with`, `ends with`, `not in`, `in`), anywhere else a word is `has(…)`,
 * `all()`, `global()` or a label. That is why keywords are not reserved (`in in {"x"}` is
 * valid). Chevrotain custom token matchers see the tokens matched so far, so each word token
 * checks whether the previous token is a Label.
 *
 * Calico stops at the first bad byte. Here the catch-all `Invalid` token takes the rest of the
 * input and carries a `LexProblem` payload saying exactly what is wrong; no grammar rule
 * consumes `Invalid`, so the parser always fails on it (or earlier) and reports the problem.
 */
import { createToken, Lexer, type CustomPatternMatcherReturn, type IToken, type TokenType } from "chevrotain";

/** Why the input cannot be tokenized at `offset`. `expected: null` means "ask the parser". */
export interface LexProblem {
  readonly offset: number;
  readonly message: string;
  readonly expected: string | null;
}

export const MAX_LABEL_LENGTH = 512;

const LABEL_START_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-";
const IS_LABEL_CHAR = new Uint8Array(128);
for (const c of LABEL_START_CHARS) IS_LABEL_CHAR[c.charCodeAt(0)] = 1;

function isLabelChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c < 128 && IS_LABEL_CHAR[c] === 1;
}

/** Index just after the run of label characters starting at `i`. */
function labelEnd(text: string, i: number): number {
  while (i < text.length && isLabelChar(text, i)) i++;
  return i;
}

/** Skips spaces and tabs, the only whitespace Calico knows. */
function skipBlanks(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return i;
    i++;
  }
}

function afterLabel(tokens: readonly IToken[]): IToken | undefined {
  const prev = tokens[tokens.length - 1];
  return prev !== undefined && prev.tokenType === Label ? prev : undefined;
}

function match(text: string, offset: number, end: number, payload?: unknown): CustomPatternMatcherReturn {
  const m = [text.slice(offset, end)] as CustomPatternMatcherReturn;
  if (payload !== undefined) m.payload = payload;
  return m;
}

// ---- function-call words: has(label), all(), global() ---------------------------------------

type CallScan = { readonly ok: true; readonly end: number; readonly label: string } | { readonly ok: false; readonly problem: LexProblem };

/** Scans `name(` … `)` at `offset` (the caller checked the `name(` prefix). */
function scanCall(text: string, offset: number, name: "has" | "all" | "global"): CallScan {
  let i = skipBlanks(text, offset + name.length + 1);
  let label = "";
  if (name === "has") {
    const end = labelEnd(text, i);
    if (end === i) {
      return { ok: false, problem: { offset: i, message: `expected a label inside has(, found ${describeAt(text, i)}`, expected: "a label" } };
    }
    if (end - i > MAX_LABEL_LENGTH) return { ok: false, problem: labelTooLong(i, end - i) };
    label = text.slice(i, end);
    i = skipBlanks(text, end);
  }
  if (text.charCodeAt(i) !== 0x29 /* ) */) {
    return {
      ok: false,
      problem: { offset: i, message: `no closing ')' after ${name}(: found ${describeAt(text, i)}`, expected: ")" },
    };
  }
  return { ok: true, end: i + 1, label };
}

function callMatcher(name: "has" | "all" | "global") {
  const prefix = `${name}(`;
  return (text: string, offset: number, tokens: IToken[]): CustomPatternMatcherReturn | null => {
    if (afterLabel(tokens) || !text.startsWith(prefix, offset)) return null;
    const scan = scanCall(text, offset, name);
    return scan.ok ? match(text, offset, scan.end, scan.label) : null;
  };
}

// ---- operator words (only right after a label) -------------------------------------------------

type OperatorWord = "contains" | "starts with" | "ends with" | "not in" | "in";

/**
 * The operator word at `offset`, in Calico's order, with its end (excluding trailing blanks),
 * or null. Two-word operators allow any blanks (or none) between the words.
 */
function scanOperatorWord(text: string, offset: number): { readonly word: OperatorWord; readonly end: number } | null {
  if (text.startsWith("contains", offset)) return { word: "contains", end: offset + 8 };
  for (const [first, second, word] of [
    ["starts", "with", "starts with"],
    ["ends", "with", "ends with"],
    ["not", "in", "not in"],
  ] as const) {
    if (text.startsWith(first, offset)) {
      const j = skipBlanks(text, offset + first.length);
      return text.startsWith(second, j) ? { word, end: j + second.length } : null;
    }
  }
  if (text.startsWith("in", offset)) return { word: "in", end: offset + 2 };
  return null;
}

/**
 * Calico's boundary rule (§2.6): after `contains`/`in` the next byte, after the two-word
 * operators the next non-blank byte, must not be a label character.
 */
function operatorBoundaryOk(text: string, scan: { readonly word: OperatorWord; readonly end: number }): boolean {
  const next = scan.word === "contains" || scan.word === "in" ? scan.end : skipBlanks(text, scan.end);
  return !isLabelChar(text, next);
}

function operatorMatcher(word: OperatorWord) {
  return (text: string, offset: number, tokens: IToken[]): CustomPatternMatcherReturn | null => {
    if (!afterLabel(tokens)) return null;
    const scan = scanOperatorWord(text, offset);
    return scan !== null && scan.word === word && operatorBoundaryOk(text, scan) ? match(text, offset, scan.end) : null;
  };
}

// ---- the catch-all -------------------------------------------------------------------------------

function labelTooLong(offset: number, length: number): LexProblem {
  return {
    offset,
    message: `label too long: ${length} bytes, at most ${MAX_LABEL_LENGTH} are allowed`,
    expected: `a label of at most ${MAX_LABEL_LENGTH} bytes`,
  };
}

/** A short human description of the character at `i` (or the end of the input). */
export function describeAt(text: string, i: number): string {
  if (i >= text.length) return "end of selector";
  const cp = text.codePointAt(i) as number;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  if (cp === 0x0a) return `a newline (${hex})`;
  if (cp === 0x0d) return `a carriage return (${hex})`;
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || /\s/u.test(String.fromCodePoint(cp))) return `the character ${hex}`;
  if (cp > 0x7e) return `"${String.fromCodePoint(cp)}" (${hex})`;
  return `"${String.fromCodePoint(cp)}"`;
}

/** What is wrong at `offset`, given that no real token matched there. */
function classify(text: string, offset: number, prev: IToken | undefined): LexProblem {
  const c = text[offset];
  if (c === '"' || c === "'") {
    return { offset, message: `unterminated string: no closing ${c} before the end of the selector`, expected: `closing ${c}` };
  }
  if (c === "=") return { offset, message: `expected == but found a single =`, expected: "==" };
  if (c === "&") return { offset, message: `expected && but found a single &`, expected: "&&" };
  if (c === "|") return { offset, message: `expected || but found a single |`, expected: "||" };
  if (prev !== undefined) {
    const expected = "==, !=, in, not in, contains, starts with or ends with";
    const op = scanOperatorWord(text, offset);
    if (op !== null && op.word !== "contains" && op.word !== "in") {
      // A complete two-word operator followed by a label: report the missing literal.
      const next = skipBlanks(text, op.end);
      if (next > op.end) {
        return { offset: next, message: `expected a quoted string after ${op.word}, found label "${text.slice(next, labelEnd(text, next))}"`, expected: "a quoted string" };
      }
    }
    const end = labelEnd(text, offset);
    const found = end > offset ? `"${text.slice(offset, end)}"` : describeAt(text, offset);
    return { offset, message: `expected an operator after label "${prev.image}", found ${found}`, expected };
  }
  for (const name of ["has", "all", "global"] as const) {
    if (text.startsWith(`${name}(`, offset)) {
      const scan = scanCall(text, offset, name);
      if (!scan.ok) return scan.problem;
    }
  }
  const end = labelEnd(text, offset);
  if (end - offset > MAX_LABEL_LENGTH) return labelTooLong(offset, end - offset);
  return { offset, message: `unexpected ${describeAt(text, offset)}`, expected: null };
}

// ---- token types -----------------------------------------------------------------------------------

export const Blank = createToken({ name: "Blank", pattern: /[ \t]+/, group: Lexer.SKIPPED });
export const StringLiteral = createToken({ name: "StringLiteral", label: "STRING", pattern: /"[^"]*"|'[^']*'/, line_breaks: true });
export const LParen = createToken({ name: "LParen", label: "'('", pattern: "(" });
export const RParen = createToken({ name: "RParen", label: "')'", pattern: ")" });
export const LCurly = createToken({ name: "LCurly", label: "'{'", pattern: "{" });
export const RCurly = createToken({ name: "RCurly", label: "'}'", pattern: "}" });
export const Comma = createToken({ name: "Comma", label: "','", pattern: "," });
export const Eq = createToken({ name: "Eq", label: "'=='", pattern: "==" });
export const Ne = createToken({ name: "Ne", label: "'!='", pattern: "!=" });
export const Not = createToken({ name: "Not", label: "'!'", pattern: "!" });
export const And = createToken({ name: "And", label: "'&&'", pattern: "&&" });
export const Or = createToken({ name: "Or", label: "'||'", pattern: "||" });
export const Has = createToken({ name: "Has", label: "'has(' LABEL ')'", pattern: { exec: callMatcher("has") }, start_chars_hint: ["h"], line_breaks: false });
export const All = createToken({ name: "All", label: "'all()'", pattern: { exec: callMatcher("all") }, start_chars_hint: ["a"], line_breaks: false });
export const Global = createToken({ name: "Global", label: "'global()'", pattern: { exec: callMatcher("global") }, start_chars_hint: ["g"], line_breaks: false });
export const Contains = createToken({ name: "Contains", label: "'contains'", pattern: { exec: operatorMatcher("contains") }, start_chars_hint: ["c"], line_breaks: false });
export const StartsWith = createToken({ name: "StartsWith", label: "'starts with'", pattern: { exec: operatorMatcher("starts with") }, start_chars_hint: ["s"], line_breaks: false });
export const EndsWith = createToken({ name: "EndsWith", label: "'ends with'", pattern: { exec: operatorMatcher("ends with") }, start_chars_hint: ["e"], line_breaks: false });
export const NotIn = createToken({ name: "NotIn", label: "'not in'", pattern: { exec: operatorMatcher("not in") }, start_chars_hint: ["n"], line_breaks: false });
export const In = createToken({ name: "In", label: "'in'", pattern: { exec: operatorMatcher("in") }, start_chars_hint: ["i"], line_breaks: false });

const CALL_NAMES: ReadonlySet<string> = new Set(["has", "all", "global"]);

export const Label: TokenType = createToken({
  name: "Label",
  label: "LABEL",
  pattern: {
    exec: (text: string, offset: number, tokens: IToken[]) => {
      if (afterLabel(tokens)) return null;
      const end = labelEnd(text, offset);
      if (end === offset || end - offset > MAX_LABEL_LENGTH) return null;
      // `has(`, `all(` and `global(` always start a function call (§2.5), even a malformed one.
      if (text.charCodeAt(end) === 0x28 /* ( */ && CALL_NAMES.has(text.slice(offset, end))) return null;
      return match(text, offset, end);
    },
  },
  start_chars_hint: [...LABEL_START_CHARS],
  line_breaks: false,
});

/** Every UTF-16 code unit, so that the lexer's first-character optimisation stays enabled. */
const ANY_CHAR: number[] = Array.from({ length: 0x10000 }, (_, i) => i);

export const Invalid = createToken({
  name: "Invalid",
  pattern: {
    exec: (text: string, offset: number, tokens: IToken[]) => match(text, offset, text.length, classify(text, offset, afterLabel(tokens))),
  },
  start_chars_hint: ANY_CHAR,
  line_breaks: true,
});

/**
 * A parenthesised group that deep.ts has already parsed (its payload is the group's
 * SelectorNode). The lexer never produces it; it only stands in for `'(' or_expr ')'` when
 * nesting is too deep for recursive descent on the JavaScript stack.
 */
export const Group = createToken({ name: "Group", label: "'(' or_expr ')' (pre-parsed, deep nesting only)", pattern: Lexer.NA });

/** In matching priority order: the first token type that matches wins. */
export const allTokens: readonly TokenType[] = [
  Blank, StringLiteral, LParen, RParen, LCurly, RCurly, Comma, Eq, Ne, Not, And, Or,
  Has, All, Global, Contains, StartsWith, EndsWith, NotIn, In, Label, Invalid,
];

const lexer = new Lexer([...allTokens], { positionTracking: "onlyOffset", ensureOptimizations: true });

/** Tokens of `text`; an `Invalid` token (always the last) carries a `LexProblem` payload. */
export function tokenize(text: string): IToken[] {
  return lexer.tokenize(text).tokens;
}
