/**
 * Rules that exist in no IP family's dataplane. Calico renders each rule per family after
 * dropping the other family's nets (felix-dataplane.md §4.1, pitfall 12); a negated catch-all
 * (`notNets: ["0.0.0.0/0"]` or `["::/0"]`) drops the rule from its own family, and a field that
 * had only that family's nets drops it from the other. Such a rule is accepted, as Calico
 * accepts it, but never matches anything, so it gets a warning instead of being lost silently.
 */
import { Codes } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/types.js";
import type { Policy, Profile, Rule } from "../types.js";

const isCatchAll = (net: string): boolean => net.endsWith("/0");

function ruleWarning(owner: string, direction: "ingress" | "egress", index: number, r: Rule): Diagnostic | undefined {
  for (const side of ["source", "destination"] as const) {
    const all = r[side].notNets.find(isCatchAll);
    if (all === undefined) continue;
    return {
      code: Codes.ruleInNoIpFamily.code,
      severity: Codes.ruleInNoIpFamily.severity,
      message: `${owner} ${direction} rule ${index} is in neither the IPv4 nor the IPv6 dataplane: ${side}.notNets ${all} excludes every ${all.includes(":") ? "IPv6" : "IPv4"} address, and the other family's rule would need nets of its own (Calico drops the rule in both)`,
      ...(r.origin && { span: r.origin.span }),
    };
  }
  return undefined;
}

/** Warnings for every such rule of Calico policies (`np`, `gnp`) and profiles. */
export function familyWarnings(policies: readonly Policy[], profiles: readonly Profile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const scan = (owner: string, p: { readonly ingress: readonly Rule[]; readonly egress: readonly Rule[] }): void => {
    for (const direction of ["ingress", "egress"] as const) {
      p[direction].forEach((r, i) => {
        const w = ruleWarning(owner, direction, i, r);
        if (w) out.push(w);
      });
    }
  };
  for (const p of policies) if (p.policyKind !== "knp") scan(`policy ${p.id}`, p);
  for (const p of profiles) scan(`profile ${p.name}`, p);
  return out;
}
