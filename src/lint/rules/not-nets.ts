/**
 * PC6010 and PC6011: notNets that do not fit the rule's nets. A packet matches a side when its
 * address is in one of `nets` and in none of `notNets`; so a notNets entry outside every net
 * excludes nothing (usually a typo in an address), and notNets that cover every net leave the
 * rule matching nothing.
 *
 * Kubernetes ipBlock `except` outside its `cidr` is already an error (PC3008, validation); this
 * covers Calico's nets/notNets, which Calico itself accepts in any combination.
 */
import { Codes } from "../../diagnostics/codes.js";
import type { LintRule } from "../context.js";
import { cidrContains, cidrsDisjoint } from "../rule-contains.js";
import { containerName } from "../sites.js";

export const notNetsFit: LintRule = (ctx) => {
  for (const c of ctx.allContainers()) {
    for (const dir of ["Ingress", "Egress"] as const) {
      for (const site of ctx.ruleSites(c, dir)) {
        const m = ctx.ruleMatch(site);
        for (const side of ["source", "destination"] as const) {
          const { nets, notNets } = m[side];
          if (nets.length === 0 || notNets.length === 0) continue;
          const written = site.rule[side];
          const where = `the ${side} of ${site.label} of ${containerName(c)}`;
          if (nets.every((n) => notNets.some((x) => cidrContains(x, n)))) {
            ctx.report(
              Codes.notNetsCoverNets,
              `notNets in ${where} cover every one of its nets (${written.nets.join(", ")}): the rule never matches`,
              site.place({ kind: "net", side, list: "notNets", index: 0 }),
            );
            continue;
          }
          notNets.forEach((x, index) => {
            if (!nets.every((n) => cidrsDisjoint(n, x))) return;
            ctx.report(
              Codes.notNetOutsideNets,
              `notNets entry ${written.notNets[index] ?? ""} in ${where} lies outside all of its nets (${written.nets.join(", ")}): it excludes nothing`,
              site.place({ kind: "net", side, list: "notNets", index }),
            );
          });
        }
      }
    }
  }
};
