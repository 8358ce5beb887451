/**
 * PC6006 and PC6007: a rule that no packet ever reaches, because an earlier rule of the same
 * policy (or profile) and direction matches every packet it would match and ends evaluation
 * (Allow, Deny or Pass; Log does not). "Matches every packet" is proved, never guessed
 * (rule-contains.ts): a rule the linter cannot prove shadowed is not reported.
 *
 * PC6007 is the case reviewers most often miss and that hurts most: an Allow after a Deny with no
 * match criteria at all. PC6006 is every other proved case, including rules after an
 * unconditional Allow or Pass.
 */
import { Codes } from "../../diagnostics/codes.js";
import type { LintContext, LintRule } from "../context.js";
import { matchesEverything, ruleContains } from "../rule-contains.js";
import type { RuleSite } from "../sites.js";
import { containerName } from "../sites.js";

export const terminating = (site: RuleSite): boolean => site.rule.action !== "Log";

/** The first earlier rule of the same list that shadows `sites[j]`, if any. */
export function shadowerWithin(ctx: LintContext, sites: readonly RuleSite[], j: number): RuleSite | undefined {
  const b = sites[j] as RuleSite;
  const mb = ctx.ruleMatch(b);
  for (let i = 0; i < j; i++) {
    const a = sites[i] as RuleSite;
    if (terminating(a) && ruleContains(ctx.ruleMatch(a), mb)) return a;
  }
  return undefined;
}

export const shadowedRule: LintRule = (ctx) => {
  for (const c of ctx.allContainers()) {
    for (const dir of ["Ingress", "Egress"] as const) {
      const sites = ctx.ruleSites(c, dir);
      sites.forEach((b, j) => {
        const a = shadowerWithin(ctx, sites, j);
        if (!a) return;
        const notes = [{ message: `${a.label} (${a.rule.action}) is here`, ...spanOf(a) }];
        if (b.rule.action === "Allow" && a.rule.action === "Deny" && matchesEverything(ctx.ruleMatch(a))) {
          ctx.report(Codes.allowAfterDenyAll, `${b.label} of ${containerName(c)} (Allow) is never reached: ${a.label} denies every packet before it`, b.place({ kind: "rule" }), notes);
          return;
        }
        const how = matchesEverything(ctx.ruleMatch(a)) ? `${a.label} (${a.rule.action}) matches every packet` : `${a.label} (${a.rule.action}) matches every packet it would match`;
        ctx.report(Codes.ruleShadowed, `${b.label} of ${containerName(c)} (${b.rule.action}) is never reached: ${how}`, b.place({ kind: "rule" }), notes);
      });
    }
  }
};

function spanOf(site: RuleSite): { span?: NonNullable<ReturnType<RuleSite["place"]>> } {
  const span = site.place({ kind: "rule" });
  return span ? { span } : {};
}
