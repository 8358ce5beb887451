/** The lint stage: warnings about valid policy that probably does not do what its author meant. */
export { lintModel, endpointRules, structuralRules } from "./lint.js";
export { LintContext } from "./context.js";
export type { LintRule, Member } from "./context.js";
export { selectorContains } from "./selector-contains.js";
export { ruleContains, ruleMatch, matchesEverything } from "./rule-contains.js";
export type { RuleMatch, SideMatch } from "./rule-contains.js";
