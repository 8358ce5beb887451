/**
 * Shorthands for the ClusterNetworkPolicy conformance kernel cases (the network-policy-api v1alpha2
 * conformance suite): the hogwarts pods, CNP objects, and a reference evaluator that derives the
 * verdict of every probed pair from a CNP's rule list.
 *
 * Upstream pokes single (client, server) pairs; a case probes every pair of the pods its sub-test
 * uses. The pairs upstream names are checked against upstream's table (`upstream` below: the
 * module throws if the evaluator disagrees with one of them), and the other pairs are derived by
 * the same evaluator: first matching rule of the one policy; Accept allows, Deny denies, Pass and
 * no match go on to the empty NetworkPolicy tier and the namespace profile, which allow.
 */
import type { Peer, Reachability } from "../harness/reachability.js";
import type { LabelSelector } from "../harness/resources.js";

export const CNP_API = "policy.networking.k8s.io/v1alpha2";

/** Pod keys ("namespace/name"), upstream's G0, G1, S0 ... */
export const POD = {
  G0: "gryffindor/harry-potter-0",
  G1: "gryffindor/harry-potter-1",
  S0: "slytherin/draco-malfoy-0",
  S1: "slytherin/draco-malfoy-1",
  H0: "hufflepuff/cedric-diggory-0",
  H1: "hufflepuff/cedric-diggory-1",
  R0: "ravenclaw/luna-lovegood-0",
  R1: "ravenclaw/luna-lovegood-1",
} as const;
export type PodRef = keyof typeof POD;

export type House = "gryffindor" | "slytherin" | "hufflepuff" | "ravenclaw";
export const houseOf = (p: PodRef): House =>
  (({ G: "gryffindor", S: "slytherin", H: "hufflepuff", R: "ravenclaw" }) as const)[p[0] as "G" | "S" | "H" | "R"];

export const peer = (h: House): Peer => ({ namespace: h });

/**
 * Upstream's namespaces are `network-policy-conformance-<house>`; here they are `<house>`, so
 * upstream's `kubernetes.io/metadata.name: network-policy-conformance-<house>` selectors become
 * `kubernetes.io/metadata.name: <house>`.
 */
export const nsNamed = (h: House): LabelSelector => ({ matchLabels: { "kubernetes.io/metadata.name": h } });
export const houseLabel = (h: string): LabelSelector => ({ matchLabels: { "conformance-house": h } });

export type Proto = "tcp" | "udp" | "sctp";
export type CnpAction = "Accept" | "Deny" | "Pass";

/** A protocols entry. */
export type Protocol = { readonly proto: Proto; readonly port: number; readonly end?: number } | { readonly named: string };

export interface CnpRule {
  readonly name: string;
  readonly action: CnpAction;
  readonly peers: readonly object[];
  readonly protocols?: readonly Protocol[];
  /** For the evaluator: the houses the peers select (undefined: none it can evaluate). */
  readonly houses: readonly House[];
}

export const namespacesPeer = (sel: LabelSelector): object => ({ namespaces: sel });
export const podsPeer = (namespaceSelector: LabelSelector, podSelector: LabelSelector): object => ({ pods: { namespaceSelector, podSelector } });
export const networksPeer = (...cidrs: string[]): object => ({ networks: cidrs });
export const nodesPeer = (sel: LabelSelector): object => ({ nodes: sel });

function protocolObject(p: Protocol): object {
  if ("named" in p) return { destinationNamedPort: p.named };
  return { [p.proto]: { destinationPort: p.end === undefined ? { number: p.port } : { range: { start: p.port, end: p.end } } } };
}

function ruleObject(r: CnpRule, peersKey: "from" | "to"): object {
  return { name: r.name, action: r.action, [peersKey]: r.peers, ...(r.protocols ? { protocols: r.protocols.map(protocolObject) } : {}) };
}

export interface CnpParts {
  readonly subject: object;
  readonly ingress?: readonly CnpRule[];
  readonly egress?: readonly CnpRule[];
}

export function cnp(name: string, tier: "Admin" | "Baseline", priority: number, parts: CnpParts): object {
  return {
    apiVersion: CNP_API,
    kind: "ClusterNetworkPolicy",
    metadata: { name },
    spec: {
      tier,
      priority,
      subject: parts.subject,
      ...(parts.ingress ? { ingress: parts.ingress.map((r) => ruleObject(r, "from")) } : {}),
      ...(parts.egress ? { egress: parts.egress.map((r) => ruleObject(r, "to")) } : {}),
    },
  };
}

/** Upstream's "swap rules at index i and j" (on a copy). */
export function swap<T>(list: readonly T[], i: number, j: number): T[] {
  const out = [...list];
  [out[i], out[j]] = [out[j] as T, out[i] as T];
  return out;
}

/** The container ports the hogwarts pods declare by name. */
const NAMED: Readonly<Record<string, { proto: Proto; port: number }>> = { web: { proto: "tcp", port: 80 }, dns: { proto: "udp", port: 53 } };

function protocolMatches(list: readonly Protocol[] | undefined, proto: Proto, port: number): boolean {
  if (list === undefined) return true;
  return list.some((p) => {
    if ("named" in p) return NAMED[p.named]?.proto === proto && NAMED[p.named]?.port === port;
    return p.proto === proto && port >= p.port && port <= (p.end ?? p.port);
  });
}

/** The verdict of one CNP rule list for traffic with a peer in `house`: first match decides. */
export function evaluate(rules: readonly CnpRule[], house: House, proto: Proto, port: number): boolean {
  for (const r of rules) {
    if (!r.houses.includes(house) || !protocolMatches(r.protocols, proto, port)) continue;
    return r.action !== "Deny";
  }
  return true;
}

/** A policy's rule lists, for the evaluator. */
export interface RuleLists {
  readonly ingress?: readonly CnpRule[];
  readonly egress?: readonly CnpRule[];
}

/** The derived verdict of one flow: the subject's egress rules where it sends, its ingress rules where it receives. */
export function verdict(subject: House, rules: RuleLists, from: PodRef, to: PodRef, proto: Proto, port: number): boolean {
  let ok = true;
  if (houseOf(from) === subject && rules.egress) ok &&= evaluate(rules.egress, houseOf(to), proto, port);
  if (houseOf(to) === subject && rules.ingress) ok &&= evaluate(rules.ingress, houseOf(from), proto, port);
  return ok;
}

/** Expected verdicts for every ordered pair of `pods`, derived from the rules. */
export function expectFromRules(pods: readonly PodRef[], subject: House, rules: RuleLists, proto: Proto, port: number): (r: Reachability) => void {
  return (r) => {
    for (const from of pods) for (const to of pods) if (from !== to) r.expect(POD[from], POD[to], verdict(subject, rules, from, to, proto, port));
  };
}

/** One upstream probe: `R0→G0 80 ✓` is ["R0", "G0", 80, true] (protocol: the test's, or the fifth element). */
export type UpstreamProbe = readonly [PodRef, PodRef, number, boolean, Proto?];

/** Throws unless the evaluator gives upstream's verdict for each of upstream's probes. */
export function checkUpstream(test: string, subject: House, rules: RuleLists, proto: Proto, probes: readonly UpstreamProbe[]): void {
  for (const [from, to, port, ok, p] of probes) {
    const got = verdict(subject, rules, from, to, p ?? proto, port);
    if (got !== ok) throw new Error(`${test}: the derived verdict for ${from}→${to} ${p ?? proto}/${port} is ${got}, upstream expects ${ok}`);
  }
}

/** The pods named in upstream probes, in first-use order. */
export function podsOf(probes: readonly UpstreamProbe[]): PodRef[] {
  const out: PodRef[] = [];
  for (const [a, b] of probes) for (const p of [a, b]) if (!out.includes(p)) out.push(p);
  return out;
}

/** Expected verdicts given pair by pair (the rest: allowed). */
export function expectPairs(pairs: readonly (readonly [PodRef, PodRef, boolean])[]): (r: Reachability) => void {
  return (r) => {
    for (const [from, to, ok] of pairs) r.expect(POD[from], POD[to], ok);
  };
}
