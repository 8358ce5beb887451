/**
 * `lintModel(model, sources)`: the lint stage. Pure: a function of the loaded model and the source
 * texts (for exact places), returning warnings as diagnostics, sorted like every other report.
 *
 * The checks that need endpoints (what selectors and named ports match) would warn about every
 * selector when the inputs hold policies only (the usual state of a policy repository without a
 * cluster dump), so then they are skipped with one PC6012 notice; the structural checks
 * (shadowing, redundancy, notNets) always run.
 */
import { Codes } from "../diagnostics/codes.js";
import { sortDiagnostics } from "../diagnostics/collect.js";
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import type { Model } from "../model/types.js";
import { LintContext, type LintRule } from "./context.js";
import { namedPortUndeclared } from "./rules/named-port-undeclared.js";
import { notNetsFit } from "./rules/not-nets.js";
import { policySelectsNothing } from "./rules/policy-selects-nothing.js";
import { ruleSelectorMatchesNothing } from "./rules/rule-selector-matches-nothing.js";
import { shadowedRule } from "./rules/shadowed-rule.js";
import { tierShadowing } from "./rules/tier-shadowing.js";

/** Checks that are about the policy alone. */
export const structuralRules: readonly LintRule[] = [shadowedRule, tierShadowing, notNetsFit];
/** Checks that evaluate selectors against the endpoints of the inputs. */
export const endpointRules: readonly LintRule[] = [policySelectsNothing, ruleSelectorMatchesNothing, namedPortUndeclared];

export function lintModel(model: Model, sources: readonly SourceFile[]): Diagnostic[] {
  const ctx = new LintContext(model, sources);
  for (const rule of structuralRules) rule(ctx);
  const hasEndpoints = model.endpoints.length > 0 || model.hostEndpoints.length > 0;
  if (hasEndpoints) for (const rule of endpointRules) rule(ctx);
  else if (model.policies.length > 0 || model.profiles.some((p) => p.origin !== undefined && !/^(kns|ksa)\./.test(p.name))) {
    ctx.report(
      Codes.noEndpoints,
      "the inputs hold no pods, workload endpoints or host endpoints: selectors and named ports were not checked (add the cluster's pods and namespaces with -f to check them)",
      undefined,
    );
  }
  return sortDiagnostics(ctx.reported());
}
