/**
 * PC6008 and PC6009: rules and policies made redundant by earlier policies of the same tier.
 *
 * Within a tier, policies are evaluated in order (resolve/ordering.ts) and a terminating rule
 * (Allow, Deny, Pass) ends the tier's evaluation. So a rule of policy B is never reached when an
 * earlier policy A of the same tier and direction
 *   1. provably applies to every endpoint B applies to (A's combined selector contains B's, for
 *      every endpoint, not only those in the inputs: selector-contains.ts), and
 *   2. has a terminating rule that provably matches every packet B's rule matches
 *      (rule-contains.ts).
 * Policies with preDNAT, doNotTrack or applyOnForward run elsewhere and are left out.
 *
 * B is redundant (PC6009, instead of one PC6008 per rule) when, for each of its directions, such
 * an A exists (so the tier already applies to B's endpoints: B's end-of-tier effect is A's too)
 * and every rule of B is shadowed, by A-like policies or by B's own earlier rules. A policy with
 * no rules (a "default deny") is redundant when an earlier policy of its tier covers it.
 */
import { Codes } from "../../diagnostics/codes.js";
import type { DiagnosticNote } from "../../diagnostics/types.js";
import { isStaged } from "../../model/policy-kinds.js";
import type { Direction, Policy } from "../../model/types.js";
import type { LintContext, LintRule } from "../context.js";
import { ruleContains } from "../rule-contains.js";
import { selectorContains } from "../selector-contains.js";
import type { RuleSite } from "../sites.js";
import { shadowerWithin, terminating } from "./shadowed-rule.js";

/**
 * Left out: host-endpoint flavours, and staged policies, which are never enforced, so they
 * neither shadow an enforced rule nor are shadowed by one that their promotion may replace.
 */
const special = (p: Policy): boolean => p.preDNAT || p.doNotTrack || p.applyOnForward || isStaged(p);

interface Shadow {
  readonly site: RuleSite;
  readonly by: RuleSite;
}

function coveringPolicies(ctx: LintContext, b: Policy, dir: Direction, earlier: readonly Policy[]): Policy[] {
  const sb = ctx.policySelector(b).ast;
  return earlier.filter((a) => a.types.includes(dir) && selectorContains(ctx.policySelector(a).ast, sb));
}

function shadowerInTier(ctx: LintContext, site: RuleSite, covering: readonly Policy[], dir: Direction): RuleSite | undefined {
  const mb = ctx.ruleMatch(site);
  for (const a of covering) {
    for (const r of ctx.ruleSites(ctx.policyContainer(a), dir)) {
      if (terminating(r) && ruleContains(ctx.ruleMatch(r), mb)) return r;
    }
  }
  return undefined;
}

const noteFor = (by: RuleSite, what: string): DiagnosticNote => {
  const span = by.place({ kind: "rule" });
  return { message: what, ...(span ? { span } : {}) };
};

export const tierShadowing: LintRule = (ctx) => {
  const byTier = new Map<string, Policy[]>();
  for (const p of ctx.orderedPolicies) {
    if (special(p)) continue;
    const list = byTier.get(p.tier);
    if (list) list.push(p);
    else byTier.set(p.tier, [p]);
  }
  for (const [tier, policies] of byTier) {
    policies.forEach((b, index) => {
      const earlier = policies.slice(0, index);
      if (earlier.length === 0) return;
      const shadows: Shadow[] = [];
      let redundant = true;
      const coveredBy = new Set<Policy>();
      for (const dir of b.types) {
        const covering = coveringPolicies(ctx, b, dir, earlier);
        if (covering.length === 0) redundant = false;
        else covering.forEach((p) => coveredBy.add(p));
        const sites = ctx.ruleSites(ctx.policyContainer(b), dir);
        sites.forEach((site, j) => {
          // A rule its own policy already shadows is PC6006's; it does not stop B being redundant.
          if (shadowerWithin(ctx, sites, j)) return;
          const by = covering.length > 0 ? shadowerInTier(ctx, site, covering, dir) : undefined;
          if (by) shadows.push({ site, by });
          else redundant = false;
        });
      }
      const bContainer = ctx.policyContainer(b);
      if (redundant) {
        const names = [...coveredBy].map((p) => p.id);
        const notes: DiagnosticNote[] = shadows.map((s) => noteFor(s.by, `${s.site.label} is shadowed by ${s.by.label} of ${policyName(s.by)}`));
        const what = shadows.length === 0 && ctx.ruleSites(bContainer, "Ingress").length + ctx.ruleSites(bContainer, "Egress").length === 0 ? "it has no rules and" : "every rule is shadowed, and";
        ctx.report(
          Codes.policyRedundant,
          `policy ${b.id} changes nothing: ${what} earlier ${names.length === 1 ? "policy" : "policies"} ${names.join(", ")} of tier ${tier} already ${names.length === 1 ? "applies" : "apply"} to every endpoint it applies to`,
          b.origin ? ctx.places.field(b.origin.span, ["metadata", "name"]) : undefined,
          notes,
        );
        return;
      }
      for (const s of shadows) {
        ctx.report(
          Codes.ruleShadowedInTier,
          `${s.site.label} of policy ${b.id} (${s.site.rule.action}) is never reached: earlier policy ${policyName(s.by)} of tier ${tier} applies to every endpoint this one does, and its ${s.by.label} (${s.by.rule.action}) matches every packet this rule would`,
          s.site.place({ kind: "rule" }),
          [noteFor(s.by, `${s.by.label} of ${policyName(s.by)} is here`)],
        );
      }
    });
  }
};

function policyName(site: RuleSite): string {
  return site.container.kind === "policy" ? site.container.policy.id : site.container.profile.name;
}
