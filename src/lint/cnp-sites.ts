/**
 * Rule sites of a ClusterNetworkPolicy. A CNP rule becomes (protocol group × peer) Calico rules,
 * in that order (model/normalize/cluster-network-policy.ts), all with the CNP rule's span and its
 * written index; a rule that failed closed is one bare Deny with no peer. A site maps each model
 * rule back to its peer and protocol entry, so a warning points at `from[1].pods.podSelector` or
 * `protocols[2]` rather than at the whole rule.
 */
import type { Direction, Rule } from "../model/types.js";
import type { Path } from "../model/paths.js";
import type { Places } from "./places.js";
import { containerSpan, type Container, type RuleField, type RuleSite } from "./sites.js";

type Peer = Readonly<Record<string, unknown>>;
type DestinationPort = { readonly number?: unknown; readonly range?: { readonly start?: unknown; readonly end?: unknown } };
type ProtocolEntry = Readonly<Record<string, { readonly destinationPort?: DestinationPort } | string | undefined>>;

interface CnpRuleValue {
  readonly from?: readonly Peer[];
  readonly to?: readonly Peer[];
  readonly protocols?: readonly ProtocolEntry[];
}

/** The protocol entry a model port came from: its named port, or the first entry inside its (merged) range. */
function protocolEntry(value: CnpRuleValue, rule: Rule, index: number): number {
  const port = rule.destination.ports[index];
  const entries = value.protocols ?? [];
  if (port?.kind === "named") return entries.findIndex((e) => e.destinationNamedPort === port.name);
  const key = typeof rule.protocol === "string" ? rule.protocol : "";
  return entries.findIndex((e) => {
    const dp = (e[key] as { destinationPort?: DestinationPort } | undefined)?.destinationPort;
    const first = typeof dp?.number === "number" ? dp.number : dp?.range?.start;
    return typeof first === "number" && port !== undefined && first >= port.first && first <= port.last;
  });
}

function cnpPath(field: RuleField, value: CnpRuleValue, direction: Direction, peer: number | undefined, rule: Rule): Path {
  const key = direction === "Ingress" ? "from" : "to";
  const peerPath: Path = peer === undefined ? [] : [key, peer];
  const peerValue = peer === undefined ? undefined : (direction === "Ingress" ? value.from : value.to)?.[peer];
  switch (field.kind) {
    case "rule":
      return peerPath;
    case "selector":
      if (peerValue?.namespaces !== undefined) return [...peerPath, "namespaces"];
      return field.which === "selector" ? [...peerPath, "pods", "podSelector"] : field.which === "namespaceSelector" ? [...peerPath, "pods", "namespaceSelector"] : peerPath;
    case "net":
      return [...peerPath, "networks", field.index];
    case "port": {
      const at = protocolEntry(value, rule, field.index);
      return at < 0 ? ["protocols"] : ["protocols", at];
    }
  }
}

export function cnpSites(container: Container, direction: Direction, rules: readonly Rule[], places: Places): RuleSite[] {
  const dir = direction.toLowerCase();
  const out: RuleSite[] = [];
  let current: number | undefined;
  let within = 0;
  let value: CnpRuleValue = {};
  rules.forEach((rule, index) => {
    const span = rule.origin?.span;
    const written = rule.origin?.ruleIndex ?? index;
    if (index === 0 || written !== current) {
      current = written;
      within = 0;
      const v = span ? places.value(span) : undefined;
      value = typeof v === "object" && v !== null ? (v as CnpRuleValue) : {};
    } else within++;
    // A fail-closed Deny stands for the whole rule: it has no peer.
    const failedClosed = rule.origin?.note !== undefined;
    const peers = failedClosed ? [] : ((direction === "Ingress" ? value.from : value.to) ?? []);
    const peer = peers.length > 0 ? within % peers.length : undefined;
    const v = value;
    out.push({
      container,
      direction,
      index,
      rule,
      label: `${dir} rule ${written}${peer !== undefined && peers.length > 1 ? `, peer ${peer}` : ""}`,
      namespace: undefined,
      place: (field) => (span ? places.field(span, cnpPath(field, v, direction, peer, rule)) : containerSpan(container)),
    });
  });
  return out;
}
