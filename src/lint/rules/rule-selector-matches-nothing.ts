/**
 * PC6002, PC6003, PC6004: rule selectors that match nothing in the inputs. A rule whose source or
 * destination selects nothing never matches a packet (an Allow that allows nothing is the usual
 * symptom of a typo in a label); a notSelector that matches nothing the rule would otherwise match
 * excludes nothing.
 *
 * The selectors are combined as Calico combines them (resolve/selectors.ts: the policy's
 * namespace, namespaceSelector, serviceAccounts) and evaluated over every endpoint and network set
 * of the inputs. The warning points at the part to blame: a namespaceSelector that matches no
 * namespace (PC6003), else the selector (or serviceAccounts, or the namespaceSelector whose
 * namespaces hold nothing) (PC6002).
 */
import { Codes } from "../../diagnostics/codes.js";
import type { EntityRule, Labels } from "../../model/types.js";
import { orchestratorTerm } from "../../model/normalize/k8s-policy.js";
import { entityRuleSelector, NAMESPACE_LABEL } from "../../resolve/selectors.js";
import type { LintContext, LintRule, Member } from "../context.js";
import type { RuleSite, Side } from "../sites.js";
import { containerName } from "../sites.js";

/** Label sets of every namespace the inputs know: Namespace resources and those of members. */
function namespaceLabelSets(ctx: LintContext): Labels[] {
  const sets: Labels[] = [];
  for (const p of ctx.model.profiles) {
    if (p.name.startsWith("kns.")) sets.push({ ...p.labelsToApply, [NAMESPACE_LABEL]: p.name.slice(4) });
  }
  for (const m of ctx.members) sets.push(m.labels);
  return sets;
}

function namespaceSelectorText(ctx: LintContext, text: string): string {
  return ctx.cache
    .prefixed(text, "pcns.")
    .replaceAll("all()", `has(${NAMESPACE_LABEL})`)
    .replaceAll("global()", `!has(${NAMESPACE_LABEL})`);
}

function check(ctx: LintContext, site: RuleSite, side: Side, er: EntityRule, namespaces: readonly Labels[]): void {
  const k8s = site.container.kind === "policy" && site.container.policy.policyKind === "knp";
  const where = `${side} of ${site.label} of ${containerName(site.container)}`;
  if (er.namespaceSelector) {
    const ns = ctx.parse(namespaceSelectorText(ctx, er.namespaceSelector));
    if (!namespaces.some((l) => ns.matches(l))) {
      const shown = k8s ? "namespaceSelector" : `namespaceSelector ${JSON.stringify(er.namespaceSelector)}`;
      ctx.report(Codes.namespaceSelectorMatchesNothing, `${shown} in the ${where} matches no namespace in the inputs`, site.place({ kind: "selector", side, which: "namespaceSelector" }));
      return;
    }
  }
  const positive = entityRuleSelector(ctx.cache, er, site.namespace);
  let matched: readonly Member[] = ctx.members;
  if (positive) {
    matched = ctx.select(positive, ctx.members);
    if (matched.length === 0) {
      const scope = er.namespaceSelector ? "in the namespaces its namespaceSelector matches" : site.namespace !== undefined ? `in namespace ${site.namespace}` : "in the inputs";
      // A Kubernetes peer without podSelector (or with podSelector {}) selects every pod, and any selector is not to
      // blame when the namespaces the namespaceSelector matches hold nothing at all: blame the namespaceSelector.
      const allPods = k8s && er.selector === orchestratorTerm && er.namespaceSelector !== undefined;
      const { selector: _selector, ...withoutSelector } = er;
      const emptyNamespaces = er.namespaceSelector !== undefined && ctx.select(entityRuleSelector(ctx.cache, withoutSelector, site.namespace) ?? "all()", ctx.members).length === 0;
      if (er.selector && !allPods && !emptyNamespaces) {
        const shown = k8s ? "podSelector" : `selector ${JSON.stringify(er.selector)}`;
        const elsewhere = scope === "in the inputs" ? 0 : ctx.select(er.selector, ctx.members).length;
        const note = elsewhere > 0 ? ` (it matches ${elsewhere} outside ${er.namespaceSelector ? "them" : "it"})` : "";
        ctx.report(Codes.ruleSelectorMatchesNothing, `${shown} in the ${where} matches no ${k8s ? "pod" : "endpoint or network set"} ${scope}${note}: the rule never matches`, site.place({ kind: "selector", side, which: "selector" }));
      } else if (er.serviceAccounts) {
        ctx.report(Codes.ruleSelectorMatchesNothing, `serviceAccounts in the ${where} match no endpoint ${scope}: the rule never matches`, site.place({ kind: "selector", side, which: "serviceAccounts" }));
      } else if (er.namespaceSelector) {
        const shown = k8s ? "namespaceSelector" : `namespaceSelector ${JSON.stringify(er.namespaceSelector)}`;
        ctx.report(Codes.ruleSelectorMatchesNothing, `${shown} in the ${where} matches only namespaces without endpoints or network sets: the rule never matches`, site.place({ kind: "selector", side, which: "namespaceSelector" }));
      }
      return;
    }
  }
  if (er.notSelector) {
    const not = ctx.parse(er.notSelector);
    if (!matched.some((m) => not.matches(m.labels))) {
      const scope = positive ? "of what the rule's selectors match" : "in the inputs";
      ctx.report(Codes.notSelectorExcludesNothing, `notSelector ${JSON.stringify(er.notSelector)} in the ${where} matches nothing ${scope}: it excludes nothing`, site.place({ kind: "selector", side, which: "notSelector" }));
    }
  }
}

export const ruleSelectorMatchesNothing: LintRule = (ctx) => {
  const namespaces = namespaceLabelSets(ctx);
  for (const c of ctx.allContainers()) {
    for (const dir of ["Ingress", "Egress"] as const) {
      for (const site of ctx.ruleSites(c, dir)) {
        check(ctx, site, "source", site.rule.source, namespaces);
        check(ctx, site, "destination", site.rule.destination, namespaces);
      }
    }
  }
};
