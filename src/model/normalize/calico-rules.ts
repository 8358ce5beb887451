/** Validated Calico rules → model rules. Empty selector strings mean "not set", as in Calico. */
import { formatCidr } from "../cidr.js";
import type { EntityRuleInput, RuleInput } from "../schema/calico.js";
import type { EntityRule, Origin, Rule } from "../types.js";

export const emptyEntity: EntityRule = { nets: [], notNets: [], ports: [], notPorts: [] };

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s;
}

export function entityRule(e: EntityRuleInput | undefined): EntityRule {
  if (!e) return emptyEntity;
  const selector = nonEmpty(e.selector);
  const notSelector = nonEmpty(e.notSelector);
  const namespaceSelector = nonEmpty(e.namespaceSelector);
  const saSelector = nonEmpty(e.serviceAccounts?.selector);
  const saNames = e.serviceAccounts?.names ?? [];
  return {
    nets: (e.nets ?? []).map(formatCidr),
    notNets: (e.notNets ?? []).map(formatCidr),
    ...(selector !== undefined ? { selector } : {}),
    ...(notSelector !== undefined ? { notSelector } : {}),
    ...(namespaceSelector !== undefined ? { namespaceSelector } : {}),
    ...(saSelector !== undefined || saNames.length > 0
      ? { serviceAccounts: { names: saNames, ...(saSelector !== undefined ? { selector: saSelector } : {}) } }
      : {}),
    ports: e.ports ?? [],
    notPorts: e.notPorts ?? [],
  };
}

export function calicoRule(r: RuleInput, origin: Origin | undefined): Rule {
  const annotations = r.metadata?.annotations ?? {};
  const sorted = Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    action: r.action,
    ...(r.ipVersion !== undefined ? { ipVersion: r.ipVersion } : {}),
    ...(r.protocol !== undefined ? { protocol: r.protocol } : {}),
    ...(r.notProtocol !== undefined ? { notProtocol: r.notProtocol } : {}),
    ...(r.icmp?.type !== undefined ? { icmp: { type: r.icmp.type, ...(r.icmp.code !== undefined ? { code: r.icmp.code } : {}) } } : {}),
    ...(r.notICMP?.type !== undefined ? { notICMP: { type: r.notICMP.type, ...(r.notICMP.code !== undefined ? { code: r.notICMP.code } : {}) } } : {}),
    source: entityRule(r.source),
    destination: entityRule(r.destination),
    annotations: sorted,
    ...(origin ? { origin } : {}),
  };
}

/** Calico's `types` defaulting (api/pkg/defaults): egress-only rules give [Egress]. */
export function calicoDefaultTypes(hasIngress: boolean, hasEgress: boolean): ("Ingress" | "Egress")[] {
  if (hasEgress && !hasIngress) return ["Egress"];
  if (hasEgress) return ["Ingress", "Egress"];
  return ["Ingress"];
}
