/**
 * Deeply nested selectors. Recursive descent uses about twenty JavaScript stack frames per
 * level of parentheses, so a few hundred levels (well within the 1024-character limit the
 * Calico API puts on selector fields) would overflow the stack. Calico itself has no depth
 * limit, so such input must still parse.
 *
 * For deep input the groups are parsed bottom-up instead: each innermost `( … )` is parsed on
 * its own and replaced by one pre-parsed Group token, until no parenthesis is left, and then the
 * flat remainder is parsed. The result is the same AST (a group adds no node of its own and
 * stops AND/OR flattening either way). The only visible difference is which error is reported
 * first when deep input has several.
 */
import { EOF, type IToken } from "chevrotain";
import type { SelectorNode } from "./ast.js";
import { Group, LParen, RParen } from "./lexer.js";
import { EXPECTED_CONTINUATION, EXPECTED_TERM, parseTokens, type ParseOutcome } from "./parser.js";

/** Above this parenthesis depth, groups are parsed bottom-up. */
export const DEEP_NESTING = 48;

/** Maximum parenthesis depth of the tokens, and where it is first exceeded beyond `limit`. */
export function nestingDepth(tokens: readonly IToken[], limit: number): { readonly depth: number; readonly firstBeyond: IToken | undefined } {
  let depth = 0;
  let max = 0;
  let firstBeyond: IToken | undefined;
  for (const t of tokens) {
    if (t.tokenType === LParen) {
      depth++;
      if (depth > max) max = depth;
      if (depth > limit && firstBeyond === undefined) firstBeyond = t;
    } else if (t.tokenType === RParen && depth > 0) depth--;
  }
  return { depth: max, firstBeyond };
}

export function parseTokensBottomUp(text: string, tokens: readonly IToken[]): ParseOutcome {
  const out: IToken[] = [];
  const opens: number[] = [];
  for (const t of tokens) {
    if (t.tokenType === LParen) {
      opens.push(out.length);
      out.push(t);
    } else if (t.tokenType === RParen && opens.length > 0) {
      const start = opens.pop() as number;
      const open = out[start] as IToken;
      const inner = parseGroup(out.slice(start + 1), t);
      if (!inner.ok) return inner;
      out.length = start;
      out.push(groupToken(text, open, t, inner.node));
    } else {
      out.push(t);
    }
  }
  const unclosed = opens[opens.length - 1];
  if (unclosed !== undefined) {
    // The innermost unclosed group: report what is wrong inside it, or the missing `)`.
    const inner = parseTokens(out.slice(unclosed + 1));
    return inner.ok ? { ok: false, token: endOf(text), expected: "&&, || or )" } : inner;
  }
  return parseTokens(out);
}

/** Parses the content of one group; errors at its end are reported at its `)`. */
function parseGroup(content: IToken[], close: IToken): ParseOutcome {
  if (content.length === 0) return { ok: false, token: close, expected: EXPECTED_TERM };
  const outcome = parseTokens(content);
  if (outcome.ok) return outcome;
  const expected = outcome.expected === EXPECTED_CONTINUATION ? "&&, || or )" : outcome.expected;
  return { ok: false, token: outcome.token.tokenType === EOF ? close : outcome.token, expected };
}

function groupToken(text: string, open: IToken, close: IToken, node: SelectorNode): IToken {
  return {
    image: text.slice(open.startOffset, close.startOffset + 1),
    startOffset: open.startOffset,
    endOffset: close.startOffset,
    tokenType: Group,
    tokenTypeIdx: Group.tokenTypeIdx as number,
    payload: node,
  };
}

function endOf(text: string): IToken {
  return { image: "", startOffset: text.length, tokenType: EOF, tokenTypeIdx: EOF.tokenTypeIdx as number };
}
