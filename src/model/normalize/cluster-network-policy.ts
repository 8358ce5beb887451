/**
 * ClusterNetworkPolicy → a `kcnp` policy, exactly as Calico v3.32.1 converts it
 * (libcalico-go `K8sClusterNetworkPolicyToCalico`, then the update processor and Felix's
 * validation filter; calico-332.md §2):
 *
 * - tier `kube-admin` (Admin) or `kube-baseline` (Baseline), order = priority, ID `kcnp/<name>`;
 * - subject: selector `projectcalico.org/orchestrator == 'k8s'[ && <pod selector>]` and the
 *   namespace selector beside it (resolve adds the `pcns.` prefix and `all()` replacement);
 * - each rule: the protocols grouped by protocol key, each key's ports through SimplifyPorts,
 *   the keys sorted bytewise ("" for named ports < SCTP < TCP < UDP), then one Calico rule per
 *   key and peer, with the annotation `name` when the rule has one; Accept becomes Allow;
 * - `types` from the converted lists: Ingress if any ingress rule is left, Egress likewise, and
 *   both when none is (Felix reads an empty list as both directions);
 * - a rule Calico cannot convert (a `nodes` or `domainNames` peer, a destinationNamedPort outside
 *   `^[a-zA-Z0-9_.-]{1,128}$`) fails closed: an Accept rule is dropped, a Deny or Pass rule is
 *   replaced at its position by a bare Deny (no protocol, peers, ports or annotation);
 * - a policy Felix's validation filter rejects (a named port that is not an IANA service name, a
 *   subject pod selector or rule peer selector its grammar cannot read) is treated by Felix as
 *   deleted: no policy at all;
 * - a subject namespace selector that cannot be parsed is dropped (the `pcns.` prefixing fails
 *   and Calico carries on without it).
 *
 * Every one of those departures from the API's meaning comes back as a warning at the place in
 * the input that causes it (see docs/cluster-network-policy.md for why each is reproduced).
 */
import { Codes } from "../../diagnostics/codes.js";
import { formatCidr } from "../cidr.js";
import type { Path } from "../paths.js";
import type { CnpEgressRuleInput, CnpIngressRuleInput, CnpLabelSelectorInput, CnpSpecInput } from "../schema/cluster-network-policy.js";
import { portNameProblem } from "../schema/fields.js";
import { quoted } from "../schema/references.js";
import type { Action, Direction, EntityRule, Origin, Policy, Port, Rule } from "../types.js";
import { emptyEntity } from "./calico-rules.js";
import type { CnpNote } from "./cnp-notes.js";
import { cnpSelectorText, selectorContentNotes, selectorParses } from "./cnp-selectors.js";
import { simplifyPorts } from "./k8s-policy.js";

export const KUBE_ADMIN_TIER = "kube-admin";
export const KUBE_BASELINE_TIER = "kube-baseline";

/** The named-port names libcalico-go's CNP conversion accepts (anything else fails the rule). */
const CONVERTIBLE_PORT_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

export interface CnpOrigins {
  readonly policy?: Origin;
  readonly ingress: readonly (Origin | undefined)[];
  readonly egress: readonly (Origin | undefined)[];
}

export interface CnpConversion {
  /** undefined when Felix would reject the whole policy (then `notes` say why). */
  readonly policy: Policy | undefined;
  readonly notes: readonly CnpNote[];
}

type CnpRule = CnpIngressRuleInput | CnpEgressRuleInput;
type Peer = CnpIngressRuleInput["from"][number] | CnpEgressRuleInput["to"][number];

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A rule's name as messages show it: in single quotes when that reads unambiguously. */
function ruleLabel(direction: Direction, index: number, name: string | undefined): string {
  const base = `${direction.toLowerCase()} rule ${index}`;
  if (!name) return base;
  return /^[\x20-\x26\x28-\x7e]{1,100}$/.test(name) ? `${base} '${name}'` : `${base} ${quoted(name)}`;
}

/** Why Calico's conversion fails the rule (its first error, in its order: protocols, then peers). */
function conversionFailure(rule: CnpRule, direction: Direction, rulePath: Path): { what: string; path: Path; part?: "key" } | undefined {
  const protocols = rule.protocols ?? [];
  for (let i = 0; i < protocols.length; i++) {
    const named = protocols[i]?.destinationNamedPort;
    if (named !== undefined && !CONVERTIBLE_PORT_NAME.test(named)) {
      return { what: `destinationNamedPort ${quoted(named)} is not a port name Calico's conversion accepts (1 to 128 of a-z A-Z 0-9 _ . -)`, path: [...rulePath, "protocols", i, "destinationNamedPort"] };
    }
  }
  const peers: readonly Peer[] = direction === "Ingress" ? (rule as CnpIngressRuleInput).from : (rule as CnpEgressRuleInput).to;
  const field = direction === "Ingress" ? "from" : "to";
  for (let i = 0; i < peers.length; i++) {
    const p = peers[i] as CnpEgressRuleInput["to"][number];
    for (const unsupported of ["nodes", "domainNames"] as const) {
      if (p[unsupported] !== undefined) return { what: `peer \`${unsupported}\` is not implemented by Calico v3.32`, path: [...rulePath, field, i, unsupported], part: "key" };
    }
  }
  return undefined;
}

/** What a fail-closed rule does, in words. */
function failClosedEffect(action: CnpRule["action"], direction: Direction): string {
  if (action === "Accept") return "the Accept rule fails closed: Calico drops it, so it allows nothing";
  return `the ${action} rule fails closed and denies all ${direction.toLowerCase()} of the subject pods`;
}

/** Protocol key → ports; null means every port (protocols absent). Keys sorted bytewise. */
function protocolGroups(rule: CnpRule): [string, Port[] | null][] {
  if (rule.protocols === undefined) return [["", null]];
  const groups = new Map<string, Port[]>();
  const add = (key: string, port: Port): void => {
    const list = groups.get(key);
    if (list) list.push(port);
    else groups.set(key, [port]);
  };
  for (const p of rule.protocols) {
    if (p.destinationNamedPort !== undefined) {
      add("", { kind: "named", name: p.destinationNamedPort });
      continue;
    }
    for (const [field, key] of [["tcp", "TCP"], ["udp", "UDP"], ["sctp", "SCTP"]] as const) {
      const dp = p[field]?.destinationPort;
      if (!dp) continue;
      if (dp.number !== undefined) add(key, { kind: "range", first: dp.number, last: dp.number });
      else if (dp.range) add(key, { kind: "range", first: dp.range.start, last: dp.range.end });
    }
  }
  return [...groups.keys()].sort(byKey).map((k) => [k, simplifyPorts(groups.get(k) as Port[])]);
}

interface Converter {
  readonly notes: CnpNote[];
  /** Set when Felix's validation would reject the whole policy. */
  rejected: boolean;
}

/** A selector's Calico text, with its content warnings; a text Calico cannot parse rejects the policy. */
function peerSelector(c: Converter, sel: CnpLabelSelectorInput, kind: "pod" | "namespace", path: Path, policyName: string): string {
  const text = cnpSelectorText(sel, kind);
  c.notes.push(...selectorContentNotes(sel, path, text));
  if (!selectorParses(text)) {
    c.rejected = true;
    c.notes.push({ code: Codes.cnpPolicyRejected, message: `Calico builds the selector ${quoted(text)} from this, which its selector grammar cannot parse: Felix's validation rejects the whole ClusterNetworkPolicy ${JSON.stringify(policyName)}, so none of its rules is enforced (Calico fails open: its Deny and Pass rules do not apply either)`, path });
  }
  return text;
}

function peerEntity(c: Converter, peer: Peer, path: Path, policyName: string): EntityRule {
  if (peer.namespaces) {
    const ns = peerSelector(c, peer.namespaces, "namespace", [...path, "namespaces"], policyName);
    return ns === "" ? emptyEntity : { ...emptyEntity, namespaceSelector: ns };
  }
  if (peer.pods) {
    const selector = peerSelector(c, peer.pods.podSelector, "pod", [...path, "pods", "podSelector"], policyName);
    const ns = peerSelector(c, peer.pods.namespaceSelector ?? {}, "namespace", [...path, "pods", "namespaceSelector"], policyName);
    return { ...emptyEntity, selector, ...(ns !== "" ? { namespaceSelector: ns } : {}) };
  }
  // The schema admits nothing else here that converts: `networks`, masked, in order.
  return { ...emptyEntity, nets: ((peer as CnpEgressRuleInput["to"][number]).networks ?? []).map(formatCidr) };
}

const actionOf: Readonly<Record<CnpRule["action"], Action>> = { Accept: "Allow", Deny: "Deny", Pass: "Pass" };

function convertRules(c: Converter, rules: readonly CnpRule[] | undefined, direction: Direction, origins: readonly (Origin | undefined)[], policyName: string): Rule[] {
  const field = direction === "Ingress" ? "ingress" : "egress";
  const out: Rule[] = [];
  (rules ?? []).forEach((rule, index) => {
    const rulePath: Path = ["spec", field, index];
    const span = origins[index]?.span;
    const origin: Origin | undefined = span ? { span, ruleIndex: index } : undefined;
    const failure = conversionFailure(rule, direction, rulePath);
    if (failure) {
      c.notes.push({ code: Codes.cnpFailClosed, message: `${ruleLabel(direction, index, rule.name)}: ${failure.what}; ${failClosedEffect(rule.action, direction)}`, path: failure.path, ...(failure.part ? { part: failure.part } : {}) });
      if (rule.action !== "Accept") {
        const note = `Calico's fail-closed Deny in place of the ${rule.action} rule${rule.name ? ` ${quoted(rule.name)}` : ""} (${failure.what})`;
        out.push({ action: "Deny", source: emptyEntity, destination: emptyEntity, annotations: {}, ...(origin ? { origin: { ...origin, note } } : {}) });
      }
      return;
    }
    // Felix's validation filter reads every named port as an IANA service name.
    (rule.protocols ?? []).forEach((p, i) => {
      const named = p.destinationNamedPort;
      const problem = named === undefined ? undefined : portNameProblem(named);
      if (problem === undefined) return;
      c.rejected = true;
      c.notes.push({ code: Codes.cnpPolicyRejected, message: `${ruleLabel(direction, index, rule.name)}: ${problem.replace(/^invalid /, "")} (Felix validates named ports as IANA service names: at most 15 of a-z 0-9 -, with a letter): Felix's validation rejects the whole ClusterNetworkPolicy ${JSON.stringify(policyName)}, so none of its rules is enforced (Calico fails open: its Deny and Pass rules do not apply either)`, path: [...rulePath, "protocols", i, "destinationNamedPort"] });
    });
    const peers: readonly Peer[] = direction === "Ingress" ? (rule as CnpIngressRuleInput).from : (rule as CnpEgressRuleInput).to;
    const peerField = direction === "Ingress" ? "from" : "to";
    const entities = peers.map((p, i) => peerEntity(c, p, [...rulePath, peerField, i], policyName));
    const annotations: Readonly<Record<string, string>> = rule.name ? { name: rule.name } : {};
    for (const [key, ports] of protocolGroups(rule)) {
      const protocol = key === "" ? undefined : (key.toLowerCase() as "tcp" | "udp" | "sctp");
      const dstPorts = ports ?? [];
      for (const entity of entities) {
        out.push({
          action: actionOf[rule.action],
          ...(protocol !== undefined ? { protocol } : {}),
          source: direction === "Ingress" ? entity : emptyEntity,
          destination: direction === "Ingress" ? { ...emptyEntity, ports: dstPorts } : { ...entity, ports: dstPorts },
          annotations,
          ...(origin ? { origin } : {}),
        });
      }
    }
  });
  return out;
}

export function clusterNetworkPolicy(name: string, spec: CnpSpecInput, origins: CnpOrigins): CnpConversion {
  const c: Converter = { notes: [], rejected: false };
  // Subject.
  const subject = spec.subject;
  let selector: string;
  let nsSel: CnpLabelSelectorInput;
  let nsPath: Path;
  if (subject.pods) {
    selector = peerSelector(c, subject.pods.podSelector, "pod", ["spec", "subject", "pods", "podSelector"], name);
    nsSel = subject.pods.namespaceSelector ?? {};
    nsPath = ["spec", "subject", "pods", "namespaceSelector"];
  } else {
    selector = cnpSelectorText({}, "pod");
    nsSel = subject.namespaces ?? {};
    nsPath = ["spec", "subject", "namespaces"];
  }
  let namespaceSelector = cnpSelectorText(nsSel, "namespace");
  c.notes.push(...selectorContentNotes(nsSel, nsPath, namespaceSelector));
  if (namespaceSelector !== "" && !selectorParses(namespaceSelector)) {
    c.notes.push({ code: Codes.cnpSelectorContent, message: `Calico builds the namespace selector ${quoted(namespaceSelector)} from this, which its selector grammar cannot parse: it drops the namespace restriction, so the policy applies to the selected pods of every namespace`, path: nsPath });
    namespaceSelector = "";
  }
  // Rules. A rejected policy's fail-closed rules never happen: only the rejection is reported.
  const ingress = convertRules(c, spec.ingress, "Ingress", origins.ingress, name);
  const egress = convertRules(c, spec.egress, "Egress", origins.egress, name);
  if (c.rejected) return { policy: undefined, notes: c.notes.filter((n) => n.code !== Codes.cnpFailClosed) };
  const types: Direction[] = [];
  if (ingress.length > 0) types.push("Ingress");
  if (egress.length > 0) types.push("Egress");
  return {
    policy: {
      kind: "Policy",
      policyKind: "kcnp",
      name,
      id: `kcnp/${name}`,
      tier: spec.tier === "Admin" ? KUBE_ADMIN_TIER : KUBE_BASELINE_TIER,
      order: spec.priority,
      selector,
      ...(namespaceSelector !== "" ? { namespaceSelector } : {}),
      // Felix reads an empty list as both directions (ExtractPolicyMetadata).
      types: types.length > 0 ? types : ["Ingress", "Egress"],
      ingress,
      egress,
      doNotTrack: false,
      preDNAT: false,
      applyOnForward: false,
      ...(origins.policy ? { origin: origins.policy } : {}),
    },
    notes: c.notes,
  };
}
