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
  All, allTokens, And, Comma, Contains, EndsWith, Eq, Global, Group, Has, In, Label, LCurly, LParen, Ne, Not, NotIn, Or,
  RCurly, RParen, StartsWith, StringLiteral,
} from "./lexer.js";
import { toSortedSet } from "./strings.js";

const ALL: SelectorNode = { kind: "All" };
const GLOBAL: SelectorNode = { kind: "Global" };

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

/**
 * The grammar, one rule per EBNF line. Performance note: chevrotain runs the grammar actions on
 * every parse, so the alternatives and repetition bodies are created once (as fields) rather
 * than as fresh closures per call; the little state they share lives on the instance (each
 * piece is read back before any nested rule can overwrite it).
 */
class SelectorParser extends EmbeddedActionsParser {
  /** Operand lists of the or_expr / and_expr invocations in progress, innermost last. */
  private operandLists: SelectorNode[][] = [];
  private notCount = 0;
  private currentLabel = "";
  private setValues: string[] = [];

  constructor() {
    super([...allTokens, Group], { recoveryEnabled: false, maxLookahead: 2, errorMessageProvider: expectationProvider });
    this.performSelfAnalysis();
  }

  /** Clears the per-parse state (a failed parse can leave entries behind). */
  resetState(): void {
    this.operandLists = [];
  }

  /** selector ::= [ or_expr ] EOF   (* empty or blank input means all() *) */
  readonly selector = this.RULE("selector", (): SelectorNode => this.OPTION(() => this.SUBRULE(this.orExpr)) ?? ALL);

  /** or_expr ::= and_expr ( '||' and_expr )* */
  private readonly orExpr = this.RULE("orExpr", (): SelectorNode => {
    this.operandLists.push([this.SUBRULE(this.andExpr)]);
    this.MANY(this.orTail);
    const operands = this.operandLists.pop() as SelectorNode[];
    return operands.length === 1 ? (operands[0] as SelectorNode) : { kind: "Or", operands };
  });

  private readonly orTail = (): void => {
    this.CONSUME(Or);
    const next = this.SUBRULE2(this.andExpr);
    this.operandLists[this.operandLists.length - 1]?.push(next);
  };

  /** and_expr ::= unary ( '&&' unary )* */
  private readonly andExpr = this.RULE("andExpr", (): SelectorNode => {
    this.operandLists.push([this.SUBRULE(this.unary)]);
    this.MANY(this.andTail);
    const operands = this.operandLists.pop() as SelectorNode[];
    return operands.length === 1 ? (operands[0] as SelectorNode) : { kind: "And", operands };
  });

  private readonly andTail = (): void => {
    this.CONSUME(And);
    const next = this.SUBRULE2(this.unary);
    this.operandLists[this.operandLists.length - 1]?.push(next);
  };

  /** unary ::= '!'* primary   (* consecutive '!' fold: an even count adds no NOT node *) */
  private readonly unary = this.RULE("unary", (): SelectorNode => {
    this.notCount = 0;
    this.MANY(this.consumeNot);
    const negated = this.notCount % 2 === 1;
    const operand = this.SUBRULE(this.primary);
    return negated ? { kind: "Not", operand } : operand;
  });

  private readonly consumeNot = (): void => {
    this.CONSUME(Not);
    this.notCount++;
  };

  /** primary ::= 'has(' LABEL ')' | 'all()' | 'global()' | '(' or_expr ')' | comparison   (* | GROUP, see deep.ts *) */
  private readonly primary = this.RULE("primary", (): SelectorNode => this.OR(this.primaryAlternatives));

  private readonly primaryAlternatives = [
    { ALT: (): SelectorNode => ({ kind: "Has", label: this.CONSUME(Has).payload as string }) },
    { ALT: (): SelectorNode => (this.CONSUME(All), ALL) },
    { ALT: (): SelectorNode => (this.CONSUME(Global), GLOBAL) },
    {
      ALT: (): SelectorNode => {
        this.CONSUME(LParen);
        const inner = this.SUBRULE(this.orExpr);
        this.CONSUME(RParen);
        return inner;
      },
    },
    { ALT: (): SelectorNode => this.SUBRULE(this.comparison) },
    { ALT: (): SelectorNode => this.CONSUME(Group).payload as SelectorNode },
  ];

  /**
   * comparison ::= LABEL ( ( '==' | '!=' | 'contains' | 'starts with' | 'ends with' ) STRING
   *                      | ( 'in' | 'not in' ) set )
   */
  private readonly comparison = this.RULE("comparison", (): SelectorNode => {
    this.currentLabel = this.CONSUME(Label).image;
    return this.OR(this.comparisonAlternatives);
  });

  private readonly comparisonAlternatives = [
    {
      ALT: (): SelectorNode => {
        const label = this.currentLabel;
        const kind = this.OR2(this.compareOperators);
        return { kind, label, value: literalValue(this.CONSUME(StringLiteral)) };
      },
    },
    {
      ALT: (): SelectorNode => {
        const label = this.currentLabel;
        const kind = this.OR3(this.setOperators);
        return { kind, label, values: this.SUBRULE(this.set) };
      },
    },
  ];

  private readonly compareOperators = [
    { ALT: (): CompareKind => (this.CONSUME(Eq), "Eq") },
    { ALT: (): CompareKind => (this.CONSUME(Ne), "Ne") },
    { ALT: (): CompareKind => (this.CONSUME(Contains), "Contains") },
    { ALT: (): CompareKind => (this.CONSUME(StartsWith), "StartsWith") },
    { ALT: (): CompareKind => (this.CONSUME(EndsWith), "EndsWith") },
  ];

  private readonly setOperators = [
    { ALT: (): SetKind => (this.CONSUME(In), "In") },
    { ALT: (): SetKind => (this.CONSUME(NotIn), "NotIn") },
  ];

  /** set ::= '{' [ STRING ( ',' STRING )* [ ',' ] ] '}'   (* sorted and de-duplicated *) */
  private readonly set = this.RULE("set", (): readonly string[] => {
    this.setValues = [];
    this.CONSUME(LCurly);
    this.OPTION(this.setBody);
    this.CONSUME(RCurly);
    const values = this.setValues;
    return this.ACTION(() => toSortedSet(values));
  });

  private readonly setBody = (): void => {
    this.setValues.push(literalValue(this.CONSUME(StringLiteral)));
    this.MANY(this.setMember);
    this.OPTION2(this.trailingComma);
  };

  private readonly setMember = (): void => {
    this.CONSUME(Comma);
    this.setValues.push(literalValue(this.CONSUME2(StringLiteral)));
  };

  private readonly trailingComma = (): void => {
    this.CONSUME2(Comma);
  };
}

const parser = new SelectorParser();

export type ParseOutcome =
  | { readonly ok: true; readonly node: SelectorNode }
  | { readonly ok: false; readonly token: IToken; readonly expected: string };

export function parseTokens(tokens: IToken[]): ParseOutcome {
  parserState.firstToken = tokens[0];
  parser.resetState();
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
