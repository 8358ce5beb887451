/**
 * PC6005: a named port that no endpoint the rule can reach declares. A named port matches the
 * port number each endpoint declares under that name and protocol (a container port of a pod, a
 * port of a WorkloadEndpoint); when no candidate declares it, the rule matches nothing.
 *
 * The candidates of a side are the endpoints its selectors match (as Felix filters named-port
 * ipsets: all endpoints when the side has no selector), and, on the policy's own side (the
 * destination of an ingress rule, the source of an egress rule), only the endpoints the policy
 * or profile applies to. A side whose selectors match nothing is PC6002's business, not this one's.
 */
import { Codes } from "../../diagnostics/codes.js";
import type { Port, Protocol } from "../../model/types.js";
import { combineSelectors, entityRuleSelector } from "../../resolve/selectors.js";
import type { LintContext, LintRule, Member } from "../context.js";
import { containerName, type RuleSite, type Side } from "../sites.js";

/** As the rule scanner: a rule without protocol matches the name under any protocol (v3.32). */
function portProtocol(p: Protocol | undefined): "tcp" | "udp" | "sctp" | "any" {
  if (p === undefined) return "any";
  if (p === "udp" || p === 17) return "udp";
  if (p === "sctp" || p === 132) return "sctp";
  return "tcp";
}

function candidates(ctx: LintContext, site: RuleSite, side: Side): readonly Member[] {
  const er = site.rule[side];
  const { positive } = combineSelectors(entityRuleSelector(ctx.cache, er, site.namespace), er.notSelector ?? "");
  const own = (site.direction === "Ingress") === (side === "destination");
  const pool = own ? ctx.governed(site.container) : ctx.endpoints;
  return positive ? ctx.select(positive, pool) : pool;
}

function check(ctx: LintContext, site: RuleSite, side: Side, list: "ports" | "notPorts"): void {
  const ports: readonly Port[] = site.rule[side][list];
  if (!ports.some((p) => p.kind === "named")) return;
  const pool = candidates(ctx, site, side);
  if (pool.length === 0) return;
  const protocol = portProtocol(site.rule.protocol);
  ports.forEach((p, index) => {
    if (p.kind !== "named") return;
    if (pool.some((m) => m.ports.some((d) => d.name === p.name && (protocol === "any" || d.protocol === protocol)))) return;
    const other = pool.flatMap((m) => m.ports.filter((d) => d.name === p.name).map((d) => `${m.name} declares it as ${d.protocol.toUpperCase()} ${d.port}`));
    const hint = other.length > 0 ? `; ${other.slice(0, 3).join(", ")}${other.length > 3 ? ", ..." : ""}` : "";
    const who = pool.length === 1 ? `the one endpoint it can match (${pool[0]?.name})` : `any of the ${pool.length} endpoints it can match`;
    const effect = list === "ports" ? "this port matches nothing" : "this entry excludes nothing";
    ctx.report(
      Codes.namedPortUndeclared,
      `named port ${JSON.stringify(p.name)} (${protocol === "any" ? "any protocol" : protocol.toUpperCase()}) in the ${side} of ${site.label} of ${containerName(site.container)} is not declared by ${who}: ${effect}${hint}`,
      site.place({ kind: "port", side, list, index }),
    );
  });
}

export const namedPortUndeclared: LintRule = (ctx) => {
  for (const c of ctx.allContainers()) {
    for (const dir of ["Ingress", "Egress"] as const) {
      for (const site of ctx.ruleSites(c, dir)) {
        for (const side of ["source", "destination"] as const) {
          check(ctx, site, side, "ports");
          check(ctx, site, side, "notPorts");
        }
      }
    }
  }
};
