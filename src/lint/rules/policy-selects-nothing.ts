/**
 * PC6001: a policy that applies to no endpoint in the inputs. Usually a typo in a label or a
 * namespace, or a policy written for pods that do not exist yet; either way it enforces nothing.
 * The warning names the part that selects nothing: the selector on its own, the
 * namespaceSelector or serviceAccountSelector (global policies), the namespace, or only their
 * combination.
 */
import { Codes } from "../../diagnostics/codes.js";
import type { Span } from "../../diagnostics/types.js";
import { isKubernetesPolicyKind } from "../../model/policy-kinds.js";
import type { Policy } from "../../model/types.js";
import { NAMESPACE_LABEL } from "../../resolve/selectors.js";
import type { LintContext, LintRule } from "../context.js";

function field(ctx: LintContext, p: Policy, path: readonly string[]): Span | undefined {
  return p.origin ? ctx.places.field(p.origin.span, path) : undefined;
}

export const policySelectsNothing: LintRule = (ctx) => {
  for (const p of ctx.model.policies) {
    // A staged Delete selects nothing by design: it names the policy to remove.
    if (p.stagedAction === "Delete" || ctx.appliesTo(p).length > 0) continue;
    const k8s = isKubernetesPolicyKind(p.policyKind);
    const selectorPath = k8s ? ["spec", "podSelector"] : ["spec", "selector"];
    const selectorText = p.selector.trim() === "" ? "all()" : p.selector;
    const shown = k8s ? "its podSelector" : `selector ${JSON.stringify(selectorText)}`;
    const alone = ctx.select(selectorText, ctx.endpoints);
    const inNamespace = p.namespace === undefined ? alone : alone.filter((m) => m.labels[NAMESPACE_LABEL] === p.namespace);
    const where = p.namespace === undefined ? "" : ` in namespace ${p.namespace}`;
    let part: { path: readonly string[]; what: string };
    if (alone.length === 0) part = { path: selectorPath, what: `${shown} matches no endpoint in the inputs` };
    else if (p.namespace !== undefined && inNamespace.length === 0) {
      const hasNamespace = ctx.endpoints.some((m) => m.labels[NAMESPACE_LABEL] === p.namespace);
      part = {
        path: p.selector.trim() === "" || k8s ? ["metadata", "namespace"] : selectorPath,
        what: hasNamespace ? `${shown} matches endpoints only outside namespace ${p.namespace}` : `namespace ${p.namespace} has no endpoints in the inputs`,
      };
    } else if (p.namespaceSelector && ctx.select(ctx.cache.prefixed(p.namespaceSelector, "pcns.").replaceAll("all()", `has(${NAMESPACE_LABEL})`), ctx.endpoints).length === 0) {
      part = { path: ["spec", "namespaceSelector"], what: `namespaceSelector ${JSON.stringify(p.namespaceSelector)} matches no namespace that has endpoints` };
    } else if (p.serviceAccountSelector && ctx.select(ctx.cache.prefixed(p.serviceAccountSelector, "pcsa."), ctx.endpoints).length === 0) {
      part = { path: ["spec", "serviceAccountSelector"], what: `serviceAccountSelector ${JSON.stringify(p.serviceAccountSelector)} matches no endpoint's service account` };
    } else {
      part = { path: selectorPath, what: `${shown}${where} matches endpoints, but none together with the policy's other selectors` };
    }
    ctx.report(Codes.policySelectsNothing, `policy ${p.id} applies to no endpoint: ${part.what}`, field(ctx, p, part.path));
  }
};
