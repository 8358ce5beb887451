/**
 * The selector AST: plain readonly data tagged with `kind`, one node type per Calico AST node
 * (libcalico-go `parser/ast.go`). AND and OR are n-ary; NOT wraps exactly one operand.
 *
 * The shape is what the parser produced, not a simplified form: `!(!has(a))` is
 * Not(Not(Has)), because Calico keeps nested NOT nodes that come from parentheses and its
 * canonical form (and therefore the selector id) depends on that (selector.md §6.4).
 * Set members are already sorted in UTF-8 byte order and de-duplicated (§6.2).
 */

export interface AllNode {
  readonly kind: "All";
}

export interface GlobalNode {
  readonly kind: "Global";
}

export interface HasNode {
  readonly kind: "Has";
  readonly label: string;
}

/** `label OP "value"` for the five operators that compare with one string literal. */
export interface CompareNode {
  readonly kind: CompareKind;
  readonly label: string;
  readonly value: string;
}
export type CompareKind = "Eq" | "Ne" | "Contains" | "StartsWith" | "EndsWith";

/** `label in {…}` / `label not in {…}`; `values` sorted by UTF-8 bytes, without duplicates. */
export interface SetNode {
  readonly kind: SetKind;
  readonly label: string;
  readonly values: readonly string[];
}
export type SetKind = "In" | "NotIn";

export interface NotNode {
  readonly kind: "Not";
  readonly operand: SelectorNode;
}

/** Always at least two operands: a single operand is never wrapped. */
export interface AndNode {
  readonly kind: "And";
  readonly operands: readonly SelectorNode[];
}

/** Always at least two operands: a single operand is never wrapped. */
export interface OrNode {
  readonly kind: "Or";
  readonly operands: readonly SelectorNode[];
}

export type SelectorNode = AllNode | GlobalNode | HasNode | CompareNode | SetNode | NotNode | AndNode | OrNode;
