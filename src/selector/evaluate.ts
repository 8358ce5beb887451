/**
 * Compiles an AST into a matcher closure once, at parse time, so that evaluating a selector
 * against an endpoint's labels walks no AST and allocates nothing (selector.md §5 semantics).
 *
 * Labels are a plain object; only *own* string-valued properties count as present. Reading
 * `labels[k]` on an absent key can yield an inherited value (`toString`, `__proto__`), which is
 * never a string, so `typeof v === "string"` is the presence test and `===`/`!==` against a
 * string literal are already correct for absent labels (false for ==, true for !=).
 */
import type { SelectorNode } from "./ast.js";

export type Labels = Readonly<Record<string, string>>;
export type Matcher = (labels: Labels) => boolean;

const always: Matcher = () => true;

export function compileMatcher(node: SelectorNode): Matcher {
  switch (node.kind) {
    case "All":
    case "Global":
      return always;
    case "Has": {
      const k = node.label;
      return (l) => typeof l[k] === "string";
    }
    case "Eq": {
      const k = node.label;
      const v = node.value;
      return (l) => l[k] === v;
    }
    case "Ne": {
      const k = node.label;
      const v = node.value;
      return (l) => l[k] !== v;
    }
    case "Contains": {
      const k = node.label;
      const v = node.value;
      return (l) => {
        const x = l[k];
        return typeof x === "string" && x.includes(v);
      };
    }
    case "StartsWith": {
      const k = node.label;
      const v = node.value;
      return (l) => {
        const x = l[k];
        return typeof x === "string" && x.startsWith(v);
      };
    }
    case "EndsWith": {
      const k = node.label;
      const v = node.value;
      return (l) => {
        const x = l[k];
        return typeof x === "string" && x.endsWith(v);
      };
    }
    case "In":
      return inSet(node.label, node.values);
    case "NotIn": {
      const m = inSet(node.label, node.values);
      return (l) => !m(l);
    }
    case "Not": {
      const operand = node.operand;
      if (operand.kind === "Has") {
        const k = operand.label;
        return (l) => typeof l[k] !== "string";
      }
      const m = compileMatcher(operand);
      return (l) => !m(l);
    }
    case "And":
      return allOf(node.operands.map(compileMatcher));
    case "Or":
      return anyOf(node.operands.map(compileMatcher));
  }
}

function inSet(k: string, values: readonly string[]): Matcher {
  if (values.length === 0) return () => false;
  if (values.length === 1) {
    const v = values[0];
    return (l) => l[k] === v;
  }
  const set: ReadonlySet<unknown> = new Set(values);
  return (l) => set.has(l[k]);
}

function allOf(ms: readonly Matcher[]): Matcher {
  const [a, b, c] = ms;
  if (ms.length === 2 && a && b) return (l) => a(l) && b(l);
  if (ms.length === 3 && a && b && c) return (l) => a(l) && b(l) && c(l);
  return (l) => {
    for (const m of ms) if (!m(l)) return false;
    return true;
  };
}

function anyOf(ms: readonly Matcher[]): Matcher {
  const [a, b, c] = ms;
  if (ms.length === 2 && a && b) return (l) => a(l) || b(l);
  if (ms.length === 3 && a && b && c) return (l) => a(l) || b(l) || c(l);
  return (l) => {
    for (const m of ms) if (m(l)) return true;
    return false;
  };
}
