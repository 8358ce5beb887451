/**
 * Rule sites: every rule of every policy and profile, with what a lint rule needs to talk about
 * it — its position as the user numbers it ("ingress rule 2"), and where each of its fields is.
 *
 * Calico rules are the model's rules one to one. A Kubernetes rule becomes (protocol group ×
 * peer) Calico rules, in that order (model/normalize/k8s-policy.ts), all with the Kubernetes
 * rule's span; a site maps each back to its peer, so a warning points at `from[1].podSelector`
 * rather than at the whole rule. ClusterNetworkPolicy rules likewise (cnp-sites.ts).
 */
import type { Span } from "../diagnostics/types.js";
import type { Direction, Policy, Profile, Rule } from "../model/types.js";
import type { Path } from "../model/paths.js";
import type { Places } from "./places.js";
import { cnpSites } from "./cnp-sites.js";

export type Container = { readonly kind: "policy"; readonly policy: Policy } | { readonly kind: "profile"; readonly profile: Profile };

export type Side = "source" | "destination";

/** A field of a rule that a warning can point at. */
export type RuleField =
  | { readonly kind: "rule" }
  | { readonly kind: "selector"; readonly side: Side; readonly which: "selector" | "notSelector" | "namespaceSelector" | "serviceAccounts" }
  | { readonly kind: "port"; readonly side: Side; readonly list: "ports" | "notPorts"; readonly index: number }
  | { readonly kind: "net"; readonly side: Side; readonly list: "nets" | "notNets"; readonly index: number };

export interface RuleSite {
  readonly container: Container;
  readonly direction: Direction;
  /** Index in the model's list for the direction. */
  readonly index: number;
  readonly rule: Rule;
  /** "ingress rule 2", "egress rule 1, peer 3" (1-based, as written). */
  readonly label: string;
  /** The namespace the rule's selectors are scoped to (np, knp), undefined for gnp and profiles. */
  readonly namespace: string | undefined;
  readonly place: (field: RuleField) => Span | undefined;
}

export function containerName(c: Container): string {
  return c.kind === "policy" ? `policy ${c.policy.id}` : `profile ${c.profile.name}`;
}

export function containerSpan(c: Container): Span | undefined {
  return c.kind === "policy" ? c.policy.origin?.span : c.profile.origin?.span;
}

function calicoPath(field: RuleField): Path {
  switch (field.kind) {
    case "rule":
      return [];
    case "selector":
      return [field.side, field.which];
    case "port":
    case "net":
      return [field.side, field.list, field.index];
  }
}

interface K8sRuleValue {
  readonly from?: readonly Record<string, unknown>[];
  readonly to?: readonly Record<string, unknown>[];
  readonly ports?: readonly { readonly port?: unknown; readonly protocol?: unknown }[];
}

/** The path of a field of a converted Kubernetes rule, inside the Kubernetes rule. */
function k8sPath(field: RuleField, value: K8sRuleValue, direction: Direction, peer: number | undefined, rule: Rule): Path {
  const key = direction === "Ingress" ? "from" : "to";
  const peerPath: Path = peer === undefined ? [] : [key, peer];
  switch (field.kind) {
    case "rule":
      return peerPath;
    case "selector":
      return field.which === "selector" ? [...peerPath, "podSelector"] : field.which === "namespaceSelector" ? [...peerPath, "namespaceSelector"] : peerPath;
    case "net":
      return field.list === "nets" ? [...peerPath, "ipBlock", "cidr"] : [...peerPath, "ipBlock", "except", field.index];
    case "port": {
      const port = rule.destination.ports[field.index];
      const name = port?.kind === "named" ? port.name : undefined;
      const protocol = (rule.protocol ?? "tcp").toString().toUpperCase();
      const at = (value.ports ?? []).findIndex((p) => (name !== undefined ? p.port === name : port?.kind === "range" && p.port === port.first) && (p.protocol ?? "TCP") === protocol);
      return at < 0 ? ["ports"] : ["ports", at, "port"];
    }
  }
}

function sitesOf(container: Container, direction: Direction, rules: readonly Rule[], places: Places, namespace: string | undefined): RuleSite[] {
  const dir = direction.toLowerCase();
  if (container.kind === "policy" && container.policy.policyKind === "kcnp") return cnpSites(container, direction, rules, places);
  const k8s = container.kind === "policy" && container.policy.policyKind === "knp";
  if (!k8s) {
    return rules.map((rule, index) => ({
      container,
      direction,
      index,
      rule,
      label: `${dir} rule ${index}`,
      namespace,
      place: (field) => (rule.origin ? places.field(rule.origin.span, calicoPath(field)) : containerSpan(container)),
    }));
  }
  // Consecutive rules with the same span come from one Kubernetes rule.
  const out: RuleSite[] = [];
  let sourceIndex = -1;
  let within = 0;
  let previous: Span | undefined;
  let value: K8sRuleValue = {};
  rules.forEach((rule, index) => {
    const span = rule.origin?.span;
    if (index === 0 || !span || !previous || span.start !== previous.start || span.file !== previous.file) {
      sourceIndex++;
      within = 0;
      const v = span ? places.value(span) : undefined;
      value = typeof v === "object" && v !== null ? (v as K8sRuleValue) : {};
    } else within++;
    previous = span;
    const peers = (direction === "Ingress" ? value.from : value.to) ?? [];
    const peer = peers.length > 0 ? within % peers.length : undefined;
    const v = value;
    out.push({
      container,
      direction,
      index,
      rule,
      label: `${dir} rule ${sourceIndex}${peer !== undefined && peers.length > 1 ? `, peer ${peer}` : ""}`,
      namespace,
      place: (field) => (span ? places.field(span, k8sPath(field, v, direction, peer, rule)) : containerSpan(container)),
    });
  });
  return out;
}

/** The rule sites of a policy or profile for one direction, in evaluation order. */
export function ruleSites(container: Container, direction: Direction, places: Places): RuleSite[] {
  const owner = container.kind === "policy" ? container.policy : container.profile;
  const rules = direction === "Ingress" ? owner.ingress : owner.egress;
  const namespace = container.kind === "policy" ? container.policy.namespace : undefined;
  return sitesOf(container, direction, rules, places, namespace);
}
