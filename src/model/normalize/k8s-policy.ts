/**
 * Kubernetes NetworkPolicy → a `knp` policy, as Calico v3.32+ converts it
 * (libcalico-go conversion: k8sSelectorToCalico, k8sRuleToCalico, SimplifyPorts), after the API
 * server's defaulting (policyTypes from the rules present, protocol TCP). See
 * reference/k8s-semantics.md §1.4 and §2.
 */
import { formatCidr } from "../cidr.js";
import type { K8sNetworkPolicySpecInput, LabelSelectorInput, NetworkPolicyPortInput, PeerInput } from "../schema/k8s.js";
import type { Direction, EntityRule, Origin, Policy, Port, Rule } from "../types.js";
import { emptyEntity } from "./calico-rules.js";

export const orchestratorTerm = "projectcalico.org/orchestrator == 'k8s'";

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A label selector as Calico selector text. Pod selectors always start with the orchestrator
 * term (even when absent); a namespace selector that is absent gives undefined and one that is
 * empty gives `all()`.
 */
export function k8sSelectorToCalico(sel: LabelSelectorInput | undefined, kind: "pod" | "namespace"): string | undefined {
  if (sel === undefined) return kind === "pod" ? orchestratorTerm : undefined;
  return labelSelectorText(sel, kind);
}

/** What labelSelectorText reads: a Kubernetes label selector, its operator not yet checked. */
export interface LabelSelectorShape {
  readonly matchLabels?: Readonly<Record<string, string>> | undefined;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] | undefined }[] | undefined;
}

/**
 * libcalico-go's `k8sSelectorToCalico` for a selector that is present: the orchestrator term
 * first for pod selectors, matchLabels sorted by key as `k == 'v'`, matchExpressions in order
 * (`In`, `NotIn`, `Exists`, `DoesNotExist`; any other operator is skipped, as Calico's switch has
 * no default — only ClusterNetworkPolicy, whose CRD does not check operators, can have one),
 * joined with ` && `; an empty namespace selector is `all()`.
 */
export function labelSelectorText(sel: LabelSelectorShape, kind: "pod" | "namespace"): string {
  const terms: string[] = kind === "pod" ? [orchestratorTerm] : [];
  const labels = Object.entries(sel.matchLabels ?? {});
  const exprs = sel.matchExpressions ?? [];
  if (kind === "namespace" && labels.length === 0 && exprs.length === 0) return "all()";
  for (const [k, v] of labels.sort(([a], [b]) => byKey(a, b))) terms.push(`${k} == '${v}'`);
  for (const e of exprs) {
    const values = (e.values ?? []).join("', '");
    if (e.operator === "In") terms.push(`${e.key} in { '${values}' }`);
    else if (e.operator === "NotIn") terms.push(`${e.key} not in { '${values}' }`);
    else if (e.operator === "Exists") terms.push(`has(${e.key})`);
    else if (e.operator === "DoesNotExist") terms.push(`! has(${e.key})`);
  }
  return terms.join(" && ");
}

/**
 * Calico's SimplifyPorts: when more than one numeric port is involved, named ports come first
 * (in order), then the numeric ports sorted and merged into ranges (80, 81, 82 → 80:82);
 * otherwise the list is returned unchanged.
 */
export function simplifyPorts(ports: readonly Port[]): Port[] {
  if (ports.length <= 1) return [...ports];
  const ranges = ports.filter((p): p is Extract<Port, { kind: "range" }> => p.kind === "range");
  const numericCount = ranges.reduce((n, r) => n + (r.last - r.first + 1), 0);
  if (numericCount <= 1) return [...ports];
  const named = ports.filter((p) => p.kind === "named");
  const sorted = [...ranges].sort((a, b) => a.first - b.first || a.last - b.last);
  const merged: Port[] = [];
  let current = sorted[0] as Extract<Port, { kind: "range" }>;
  for (const r of sorted.slice(1)) {
    if (r.first <= current.last + 1) {
      if (r.last > current.last) current = { kind: "range", first: current.first, last: r.last };
    } else {
      merged.push(current);
      current = r;
    }
  }
  merged.push(current);
  return [...named, ...merged];
}

function portOf(p: NetworkPolicyPortInput): Port | undefined {
  if (p.port === undefined) return undefined;
  if (typeof p.port === "string") return { kind: "named", name: p.port };
  return { kind: "range", first: p.port, last: p.endPort ?? p.port };
}

/** A rule peer after conversion: what goes into one Calico rule's source or destination. */
export interface PeerFields {
  readonly selector?: string;
  readonly namespaceSelector?: string;
  readonly nets: readonly string[];
  readonly notNets: readonly string[];
}

function peerFields(peer: PeerInput | undefined): PeerFields {
  if (!peer) return { nets: [], notNets: [] };
  if (peer.ipBlock) {
    return { nets: [formatCidr(peer.ipBlock.cidr)], notNets: (peer.ipBlock.except ?? []).map(formatCidr) };
  }
  const selector = k8sSelectorToCalico(peer.podSelector, "pod");
  const namespaceSelector = k8sSelectorToCalico(peer.namespaceSelector, "namespace");
  return {
    ...(selector !== undefined ? { selector } : {}),
    ...(namespaceSelector !== undefined ? { namespaceSelector } : {}),
    nets: [],
    notNets: [],
  };
}

/** One K8s rule → (protocol group × peer) Calico Allow rules. */
export function k8sRuleToCalico(
  peers: readonly PeerInput[] | undefined,
  ports: readonly NetworkPolicyPortInput[] | undefined,
  direction: Direction,
  origin: Origin | undefined,
): Rule[] {
  return peerRulesToCalico(peers && peers.length > 0 ? peers.map(peerFields) : undefined, ports, direction, origin);
}

/**
 * Converted peers × ports → Calico Allow rules, protocol-major (protocols sorted, "" = no ports
 * first), then one rule per peer in order: the shape libcalico-go gives K8s and admin policies.
 */
export function peerRulesToCalico(
  peers: readonly PeerFields[] | undefined,
  ports: readonly NetworkPolicyPortInput[] | undefined,
  direction: Direction,
  origin: Origin | undefined,
): Rule[] {
  // Protocol → ports; `null` means every port of the protocol. "" is the no-ports rule.
  const groups = new Map<string, Port[] | null>();
  if (!ports || ports.length === 0) groups.set("", null);
  else
    for (const p of ports) {
      const proto = p.protocol ?? "TCP";
      const port = portOf(p);
      if (port === undefined) groups.set(proto, null);
      else {
        const existing = groups.get(proto);
        if (existing === undefined) groups.set(proto, [port]);
        else if (existing !== null) existing.push(port);
      }
    }
  const peerList: PeerFields[] = peers && peers.length > 0 ? [...peers] : [{ nets: [], notNets: [] }];
  const rules: Rule[] = [];
  for (const proto of [...groups.keys()].sort(byKey)) {
    const list = groups.get(proto);
    const dstPorts = list ? simplifyPorts(list) : [];
    const protocol = proto === "" ? undefined : (proto.toLowerCase() as "tcp" | "udp" | "sctp");
    for (const f of peerList) {
      const entity: EntityRule = {
        ...emptyEntity,
        nets: f.nets,
        notNets: f.notNets,
        ...(f.selector !== undefined ? { selector: f.selector } : {}),
        ...(f.namespaceSelector !== undefined ? { namespaceSelector: f.namespaceSelector } : {}),
      };
      const portsOnly: EntityRule = { ...emptyEntity, ports: dstPorts };
      rules.push({
        action: "Allow",
        ...(protocol !== undefined ? { protocol } : {}),
        source: direction === "Ingress" ? entity : emptyEntity,
        destination: direction === "Ingress" ? portsOnly : { ...entity, ports: dstPorts },
        annotations: {},
        ...(origin ? { origin } : {}),
      });
    }
  }
  return rules;
}

/** The API server's policyTypes defaulting (SetDefaults_NetworkPolicy). */
export function k8sPolicyTypes(spec: K8sNetworkPolicySpecInput): Direction[] {
  if (spec.policyTypes && spec.policyTypes.length > 0) {
    return (["Ingress", "Egress"] as const).filter((t) => spec.policyTypes?.includes(t));
  }
  return (spec.egress?.length ?? 0) > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

export function k8sNetworkPolicy(
  name: string,
  namespace: string,
  spec: K8sNetworkPolicySpecInput,
  origins: { readonly policy?: Origin; readonly ingress: readonly (Origin | undefined)[]; readonly egress: readonly (Origin | undefined)[] },
): Policy {
  const types = k8sPolicyTypes(spec);
  const ingress = types.includes("Ingress")
    ? (spec.ingress ?? []).flatMap((r, i) => k8sRuleToCalico(r.from, r.ports, "Ingress", origins.ingress[i]))
    : [];
  const egress = types.includes("Egress")
    ? (spec.egress ?? []).flatMap((r, i) => k8sRuleToCalico(r.to, r.ports, "Egress", origins.egress[i]))
    : [];
  return {
    kind: "Policy",
    policyKind: "knp",
    name,
    namespace,
    id: `knp/${namespace}/${name}`,
    tier: "default",
    order: 1000,
    selector: k8sSelectorToCalico(spec.podSelector, "pod") as string,
    types,
    ingress,
    egress,
    doNotTrack: false,
    preDNAT: false,
    applyOnForward: false,
    ...(origins.policy ? { origin: origins.policy } : {}),
  };
}
