/**
 * Calico's PrefixVisitor (selector.md §10): prepends a fixed string to every label key of a
 * selector (all comparisons, set tests and has()), leaving all()/global() alone. The policy
 * layer uses it to turn a namespaceSelector into a selector over `pcns.`-prefixed labels.
 * The result is a new Selector with its canonical form and id recomputed.
 */
import type { SelectorNode } from "./ast.js";
import { selectorFromAst, type Selector } from "./selector.js";

export function prefixSelector(sel: Selector, prefix: string): Selector {
  return selectorFromAst(prefixNode(sel.ast, prefix));
}

function prefixNode(node: SelectorNode, prefix: string): SelectorNode {
  switch (node.kind) {
    case "All":
    case "Global":
      return node;
    case "Has":
    case "Eq":
    case "Ne":
    case "Contains":
    case "StartsWith":
    case "EndsWith":
    case "In":
    case "NotIn":
      return { ...node, label: prefix + node.label };
    case "Not":
      return { kind: "Not", operand: prefixNode(node.operand, prefix) };
    case "And":
    case "Or":
      return { kind: node.kind, operands: node.operands.map((op) => prefixNode(op, prefix)) };
  }
}
