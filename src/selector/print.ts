/**
 * The canonical form (Calico's `String()`, selector.md §6). It is printed from the AST, never
 * from the input text, so whitespace, quote style, operator spellings, runs of `!`, redundant
 * parentheses and set order all disappear. AND/OR are always parenthesised, even at top level;
 * NOT never adds parentheses of its own.
 */
import type { SelectorNode } from "./ast.js";
import { quoteLiteral } from "./strings.js";

const COMPARE_OPERATOR = {
  Eq: " == ",
  Ne: " != ",
  Contains: " contains ",
  StartsWith: " starts with ",
  EndsWith: " ends with ",
} as const;

export function printSelector(node: SelectorNode): string {
  const parts: string[] = [];
  collect(node, parts);
  return parts.join("");
}

function collect(node: SelectorNode, out: string[]): void {
  switch (node.kind) {
    case "All":
      out.push("all()");
      return;
    case "Global":
      out.push("global()");
      return;
    case "Has":
      out.push("has(", node.label, ")");
      return;
    case "Eq":
    case "Ne":
    case "Contains":
    case "StartsWith":
    case "EndsWith":
      out.push(node.label, COMPARE_OPERATOR[node.kind], quoteLiteral(node.value));
      return;
    case "In":
    case "NotIn":
      out.push(node.label, node.kind === "In" ? " in {" : " not in {", node.values.map(quoteLiteral).join(", "), "}");
      return;
    case "Not":
      out.push("!");
      collect(node.operand, out);
      return;
    case "And":
    case "Or": {
      const separator = node.kind === "And" ? " && " : " || ";
      out.push("(");
      node.operands.forEach((operand, i) => {
        if (i > 0) out.push(separator);
        collect(operand, out);
      });
      out.push(")");
      return;
    }
  }
}
