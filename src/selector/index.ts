/**
 * The Calico label-selector language: parse (exactly Calico's accepted language), evaluate,
 * canonical form, unique ids and ipset names, and the rewrites the policy layer needs.
 */
export type { Selector } from "./selector.js";
export { parseSelector, selectorFromAst } from "./selector.js";
export { SelectorSyntaxError, formatSelectorError } from "./errors.js";
export type {
  SelectorNode, AllNode, GlobalNode, HasNode, CompareNode, CompareKind, SetNode, SetKind, NotNode, AndNode, OrNode,
} from "./ast.js";
export type { Labels } from "./evaluate.js";
export { selectorId, selectorIpSetName, namedPortIpSetId } from "./ids.js";
export type { NamedPortProtocol } from "./ids.js";
export { compareUtf8 } from "./strings.js";
export { prefixSelector } from "./prefix.js";
export { labelRestrictions } from "./restrictions.js";
export type { LabelRestriction, LabelRestrictions } from "./restrictions.js";
