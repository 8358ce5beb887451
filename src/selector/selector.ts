/**
 * `parseSelector`: text → Selector. A Selector is plain readonly data plus the compiled
 * matcher: the AST, its canonical form and id (computed once), and `matches(labels)`.
 */
import { EOF, type IToken } from "chevrotain";
import type { SelectorNode } from "./ast.js";
import { SelectorSyntaxError } from "./errors.js";
import { compileMatcher, type Labels } from "./evaluate.js";
import { selectorId } from "./ids.js";
import { describeAt, Invalid, Label, StringLiteral, tokenize, type LexProblem } from "./lexer.js";
import { DEEP_NESTING, nestingDepth, parseTokensBottomUp } from "./deep.js";
import { parseTokens } from "./parser.js";
import { printSelector } from "./print.js";

export interface Selector {
  readonly kind: "Selector";
  /** Calico's canonical form (`String()`), e.g. `(app == "web" && has(tier))`. */
  readonly canonical: string;
  /** Calico's unique id: `s:` + base64url(SHA-224("s:" + canonical)), 40 characters. */
  readonly id: string;
  readonly ast: SelectorNode;
  /** Evaluates the selector against a label map (absent keys per Calico, selector.md §5). */
  matches(labels: Labels): boolean;
}

/** Builds the Selector for an AST (used by the parser and by AST rewrites such as prefixing). */
export function selectorFromAst(ast: SelectorNode): Selector {
  const canonical = printSelector(ast);
  return { kind: "Selector", canonical, id: selectorId(canonical), ast, matches: compileMatcher(ast) };
}

/**
 * Parses a selector exactly as Calico's `selector.Parse` does: the same inputs are accepted and
 * rejected, and the result has the same canonical form and id. Empty or blank input is `all()`.
 * @throws SelectorSyntaxError on the first syntax error.
 */
export function parseSelector(text: string): Selector {
  const tokens = tokenize(text);
  const nesting = nestingDepth(tokens, MAX_NESTING);
  if (nesting.firstBeyond !== undefined) {
    throw new SelectorSyntaxError(
      text,
      nesting.firstBeyond.startOffset,
      `selector nested too deeply: more than ${MAX_NESTING} levels of parentheses`,
      `at most ${MAX_NESTING} levels of parentheses`,
    );
  }
  const outcome = nesting.depth > DEEP_NESTING ? parseTokensBottomUp(text, tokens) : parseTokens(tokens);
  if (outcome.ok) return selectorFromAst(outcome.node);
  throw syntaxError(text, outcome.token, outcome.expected);
}

/**
 * The one deliberate limit Calico does not have: evaluating, printing and hashing a selector
 * recurse once per level, so nesting is capped far above anything the Calico API accepts
 * (selector fields are at most 1024 characters, i.e. at most 511 levels).
 */
export const MAX_NESTING = 2048;

function syntaxError(text: string, token: IToken, expected: string): SelectorSyntaxError {
  if (token.tokenType === Invalid) {
    const problem = token.payload as LexProblem;
    if (problem.expected !== null) return new SelectorSyntaxError(text, problem.offset, problem.message, problem.expected);
    return new SelectorSyntaxError(text, problem.offset, `expected ${expected}, found ${describeAt(text, problem.offset)}`, expected);
  }
  const offset = token.tokenType === EOF ? text.length : token.startOffset;
  return new SelectorSyntaxError(text, offset, `expected ${expected}, found ${describeToken(text, token)}`, expected);
}

function describeToken(text: string, token: IToken): string {
  if (token.tokenType === EOF) return "end of selector";
  const image = token.image.length > 40 ? `${token.image.slice(0, 37)}...` : token.image;
  if (token.tokenType === Label) return `label "${image}"`;
  if (token.tokenType === StringLiteral) return `string ${image}`;
  return `"${image}"`;
}
