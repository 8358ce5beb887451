/**
 * The selector grammar as a chevrotain parser with embedded actions that build the AST
 * directly (selector.md §3–§4). One parser instance is reused for every parse.
 *
 * Error handling: recovery is off, so parsing stops at the first error, and the error message
 * provider phrases each failure as "what was expected here" in the words a user knows
 * (`==, !=, in, …`) rather than token names. `parse.ts` turns that into a SelectorSyntaxError.
 */
import { EmbeddedActionsParser, type IParserErrorMessageProvider, type IToken } from "chevrotain";
import type { CompareKind, SelectorNode, SetKind } from "./ast.js";
import {
  All, allTokens, And, Comma, Contains, EndsWith, Eq, Global, Has, In, Label, LCurly, LParen, Ne, Not, NotIn, Or,
  RCurly, RParen, StartsWith, StringLiteral,
} from "./lexer.js";
import { toSortedSet } from "./strings.js";

const ALL: SelectorNode = { kind: "All" };

export const EXPECTED_TERM = "a label, has(label), all(), global(), ! or (";
export const EXPECTED_OPERATOR = "==, !=, in, not in, contains, starts with or ends with";
export const EXPECTED_STRING = "a quoted string";
export const EXPECTED_CONTINUATION = "&&, || or end of selector";

function literalValue(token: IToken): string {
  return token.image.slice(1, -1);
}

/** Phrases every failure as the `expected` text of a SelectorSyntaxError. */
const expectationProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, previous, ruleName }) {
    if (expected === RParen) return "&&, || or )";
    if (expected === RCurly) return previous.tokenType === StringLiteral ? ", or }" : "a quoted string or }";
    if (expected === LCurly) return "a set literal {…}";
    if (expected === StringLiteral) return EXPECTED_STRING;
    return `${expected.LABEL ?? expected.name} (in ${ruleName})`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return firstRedundant === parserState.firstToken ? EXPECTED_TERM : EXPECTED_CONTINUATION;
  },
  buildNoViableAltMessage({ ruleName }) {
    return ruleName === "comparison" ? EXPECTED_OPERATOR : EXPECTED_TERM;
  },
  buildEarlyExitMessage() {
    return EXPECTED_TERM;
  },
};

/** The first token of the current input, to tell "nothing parsed yet" from "leftover input". */
const parserState: { firstToken: IToken | undefined } = { firstToken: undefined };

class SelectorParser extends EmbeddedActionsParser {
  constructor() {
    super([...allTokens], { recoveryEnabled: false, maxLookahead: 2, errorMessageProvider: expectationProvider });
    this.performSelfAnalysis();
  }

  /** selector ::= [ or_expr ] EOF   (* empty or blank input means all() *) */
  readonly selector = this.RULE("selector", (): SelectorNode => {
    const node = this.OPTION(() => this.SUBRULE(this.orExpr));
    return node ?? ALL;
  });

  /** or_expr ::= and_expr ( '||' and_expr )* */
  private readonly orExpr = this.RULE("orExpr", (): SelectorNode => {
    const first = this.SUBRULE(this.andExpr);
    let operands: SelectorNode[] | undefined;
    this.MANY(() => {
      this.CONSUME(Or);
      const next = this.SUBRULE2(this.andExpr);
      (operands ??= [first]).push(next);
    });
    return operands === undefined ? first : { kind: "Or", operands };
  });

  /** and_expr ::= unary ( '&&' unary )* */
  private readonly andExpr = this.RULE("andExpr", (): SelectorNode => {
    const first = this.SUBRULE(this.unary);
    let operands: SelectorNode[] | undefined;
    this.MANY(() => {
      this.CONSUME(And);
      const next = this.SUBRULE2(this.unary);
      (operands ??= [first]).push(next);
    });
    return operands === undefined ? first : { kind: "And", operands };
  });

  /** unary ::= '!'* primary   (* consecutive '!' fold: an even count adds no NOT node *) */
  private readonly unary = this.RULE("unary", (): SelectorNode => {
    let negated = false;
    this.MANY(() => {
      this.CONSUME(Not);
      negated = !negated;
    });
    const operand = this.SUBRULE(this.primary);
    return negated ? { kind: "Not", operand } : operand;
  });

  /** primary ::= 'has(' LABEL ')' | 'all()' | 'global()' | '(' or_expr ')' | comparison */
  private readonly primary = this.RULE("primary", (): SelectorNode =>
    this.OR([
      { ALT: () => ({ kind: "Has", label: this.CONSUME(Has).payload as string }) },
      { ALT: () => (this.CONSUME(All), ALL) },
      { ALT: () => (this.CONSUME(Global), { kind: "Global" }) },
      {
        ALT: () => {
          this.CONSUME(LParen);
          const inner = this.SUBRULE(this.orExpr);
          this.CONSUME(RParen);
          return inner;
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]),
  );

  /**
   * comparison ::= LABEL ( ( '==' | '!=' | 'contains' | 'starts with' | 'ends with' ) STRING
   *                      | ( 'in' | 'not in' ) set )
   */
  private readonly comparison = this.RULE("comparison", (): SelectorNode => {
    const label = this.CONSUME(Label).image;
    return this.OR([
      {
        ALT: () => {
          const kind = this.OR2<CompareKind>([
            { ALT: () => (this.CONSUME(Eq), "Eq") },
            { ALT: () => (this.CONSUME(Ne), "Ne") },
            { ALT: () => (this.CONSUME(Contains), "Contains") },
            { ALT: () => (this.CONSUME(StartsWith), "StartsWith") },
            { ALT: () => (this.CONSUME(EndsWith), "EndsWith") },
          ]);
          return { kind, label, value: literalValue(this.CONSUME(StringLiteral)) };
        },
      },
      {
        ALT: () => {
          const kind = this.OR3<SetKind>([
            { ALT: () => (this.CONSUME(In), "In") },
            { ALT: () => (this.CONSUME(NotIn), "NotIn") },
          ]);
          return { kind, label, values: this.SUBRULE(this.set) };
        },
      },
    ]);
  });

  /** set ::= '{' [ STRING ( ',' STRING )* [ ',' ] ] '}'   (* sorted and de-duplicated *) */
  private readonly set = this.RULE("set", (): readonly string[] => {
    const values: string[] = [];
    this.CONSUME(LCurly);
    this.OPTION(() => {
      values.push(literalValue(this.CONSUME(StringLiteral)));
      this.MANY(() => {
        this.CONSUME(Comma);
        values.push(literalValue(this.CONSUME2(StringLiteral)));
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RCurly);
    return this.ACTION(() => toSortedSet(values));
  });
}

const parser = new SelectorParser();

export type ParseOutcome =
  | { readonly ok: true; readonly node: SelectorNode }
  | { readonly ok: false; readonly token: IToken; readonly expected: string };

export function parseTokens(tokens: IToken[]): ParseOutcome {
  parserState.firstToken = tokens[0];
  parser.input = tokens;
  const node = parser.selector();
  const error = parser.errors[0];
  if (error !== undefined) return { ok: false, token: error.token, expected: error.message };
  return { ok: true, node };
}

/** The grammar as chevrotain serializes it, for the railroad diagram. */
export function serializedSelectorGrammar() {
  return parser.getSerializedGastProductions();
}
