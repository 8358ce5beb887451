/**
 * Host endpoints in a review. The virtual nodes of connectivity.ts hold workload chains only: on
 * a node with host endpoints a pod's packet also crosses the node's raw, mangle and filter host
 * chains (pre-DNAT, untracked and applyOnForward policy), and the node itself is a peer (its
 * host endpoints' addresses, through the input and output paths). So, for inputs with host
 * endpoints:
 *
 * 1. a pair with a pod on a host endpoint node is traced as `explain` traces it, through the
 *    whole path of its real nodes, on each version. Where the node's host side did not change
 *    (Touched.hostNodes), such a pair flips only if its workload chains flip, which the virtual
 *    trace found: only those candidates are traced again. On a node whose host side changed,
 *    every pair of its pods is;
 * 2. each node with host endpoints is a peer named `host:<node>` (its first host endpoint
 *    address of the family, as `explain --from host:<node>` picks it), towards and from every
 *    pod whose rules or node changed, and every pod, outside CIDR and other host when its own
 *    host side changed.
 *
 * Everything else (pods on nodes without host endpoints, among themselves and with outside
 * CIDRs) is the virtual trace's answer, exact there.
 */
import type { SourceFile } from "../diagnostics/types.js";
import type { Model, WorkloadEndpoint } from "../model/types.js";
import type { HostInterface } from "../resolve/index.js";
import { FlowTracer, type Flow, type FlowExplanation, type FlowPeer } from "../trace/explain.js";
import { TraceError } from "../trace/errors.js";
import { addressOf, comparePairs, decisionOf, type ConnectivityInput, type ConnectivityResult, type OutsidePeer } from "./connectivity.js";
import type { ProbePlan, ReviewProbe } from "./probes.js";
import type { Touched } from "./touched.js";
import type { FlippedPair, OneVersionPair, ReviewSideVerdict } from "./types.js";

/** The peer name of a node's host. */
export const hostPeerName = (node: string): string => `host:${node}`;

/** What connectivity.ts traced (the same versions, touched pods, probes and family) and its answers. */
export interface HostReviewInput extends Omit<ConnectivityInput, "progress">, Pick<ConnectivityResult, "flipped" | "added" | "removed"> {
  readonly outside: readonly OutsidePeer[];
  readonly hostInterfaces?: readonly HostInterface[];
}

export interface HostReviewResult {
  readonly flipped: FlippedPair[];
  readonly added: OneVersionPair[];
  readonly removed: OneVersionPair[];
}

/** The deciding hop of an explanation: the one that denied, else the last rule that allowed. */
function sideOf(x: FlowExplanation): ReviewSideVerdict {
  const hop = x.hops.find((h) => h.verdict === "deny") ?? [...x.hops].reverse().find((h) => h.decidedBy !== undefined);
  const d = hop?.decidedBy;
  if (!hop || !d) return { verdict: x.verdict };
  return { verdict: x.verdict, decidedBy: decisionOf(d, hop.direction, hop.node) };
}

const hasAddress = (e: WorkloadEndpoint, family: 4 | 6): boolean => e.node !== undefined && addressOf(e, family) !== undefined;

export function hostAwarePairs(input: HostReviewInput): HostReviewResult {
  const { base, head, family, touched } = input;
  const hostNodesOf = (m: Model): Set<string> => new Set(m.hostEndpoints.map((h) => h.node));
  const hostNodes = new Set([...hostNodesOf(base), ...hostNodesOf(head)]);
  if (hostNodes.size === 0) return { flipped: [...input.flipped], added: [...input.added], removed: [...input.removed] };
  const placed = input.hostInterfaces ? { hostInterfaces: input.hostInterfaces } : {};
  const tracers = { b: new FlowTracer(base, { sources: input.baseSources, ...placed }), h: new FlowTracer(head, { sources: input.headSources, ...placed }) };
  const podsOf = (m: Model): Map<string, WorkloadEndpoint> => new Map(m.endpoints.filter((e) => hasAddress(e, family)).map((e) => [e.key, e]));
  const pods = { b: podsOf(base), h: podsOf(head) };
  const onHostNode = (name: string): boolean => [pods.b.get(name), pods.h.get(name)].some((e) => e?.node !== undefined && hostNodes.has(e.node));
  const onChangedHost = (name: string): boolean => [pods.b.get(name), pods.h.get(name)].some((e) => e?.node !== undefined && touched.hostNodes.has(e.node));
  const outside = new Map(input.outside.map((o) => [o.cidr, o.text]));
  const hostPeers = new Map([...hostNodes].map((n) => [hostPeerName(n), n]));

  const peerOf = (name: string): FlowPeer => {
    const node = hostPeers.get(name);
    if (node !== undefined) return { kind: "host", node };
    const ip = outside.get(name);
    if (ip !== undefined) return { kind: "ip", ip };
    const [namespace, pod] = name.split("/") as [string, string];
    return { kind: "pod", namespace, name: pod };
  };
  const exists = (v: "b" | "h", name: string): boolean => hostPeers.has(name) ? (v === "b" ? hostNodesOf(base) : hostNodesOf(head)).has(hostPeers.get(name) as string) : outside.has(name) || pods[v].has(name);
  /** One version's verdict, or undefined when a peer is absent there or cannot be traced (a host without an address of the family). */
  const verdict = (v: "b" | "h", from: string, to: string, probe: ReviewProbe): ReviewSideVerdict | undefined => {
    if (!exists(v, from) || !exists(v, to)) return undefined;
    const flow: Flow = { from: peerOf(from), to: peerOf(to), protocol: probe.protocol, port: probe.port, ipVersion: family };
    try {
      return sideOf(tracers[v].explain(flow));
    } catch (e) {
      if (e instanceof TraceError) return undefined;
      throw e;
    }
  };

  const flipped: FlippedPair[] = [];
  const added: OneVersionPair[] = [];
  const removed: OneVersionPair[] = [];
  const seen = new Set<string>();
  const v6 = family === 6 ? { ipVersion: 6 as const } : {};
  const check = (from: string, to: string, probe: ReviewProbe): void => {
    const key = `${from}\u0000${to}\u0000${probe.protocol}/${probe.port}`;
    if (from === to || seen.has(key)) return;
    seen.add(key);
    const b = verdict("b", from, to, probe);
    const h = verdict("h", from, to, probe);
    const pair = { from, to, port: probe.port, ...(probe.endPort !== undefined && { endPort: probe.endPort }), protocol: probe.protocol, ...v6 };
    const inB = exists("b", from) && exists("b", to);
    const inH = exists("h", from) && exists("h", to);
    if (inB && inH) {
      if (b && h && b.verdict !== h.verdict) flipped.push({ ...pair, base: b, head: h });
    } else if (inB && b?.verdict === "allow") removed.push({ ...pair, ...(b.decidedBy && { decidedBy: b.decidedBy }) });
    else if (inH && h?.verdict === "allow") added.push({ ...pair, ...(h.decidedBy && { decidedBy: h.decidedBy }) });
  };
  const touchesHost = (p: { from: string; to: string }): boolean => onHostNode(p.from) || onHostNode(p.to);

  // 1. The virtual answers about pods off host endpoint nodes stand; candidates on them are traced again.
  for (const p of input.flipped) (touchesHost(p) ? check(p.from, p.to, p) : flipped.push(p));
  for (const p of input.added) (touchesHost(p) ? check(p.from, p.to, p) : added.push(p));
  for (const p of input.removed) (touchesHost(p) ? check(p.from, p.to, p) : removed.push(p));

  // Every pod, outside peer and host by name, with the probes it takes as a destination.
  const allPods = [...new Set([...pods.b.keys(), ...pods.h.keys()])].sort();
  const probesTo = (name: string): readonly ReviewProbe[] => {
    const node = hostPeers.get(name);
    if (node !== undefined) return input.probes.forDestination([...base.hostEndpoints, ...head.hostEndpoints].filter((h) => h.node === node).flatMap((h) => h.ports));
    if (outside.has(name)) return input.probes.all;
    return input.probes.forDestination((pods.h.get(name) ?? pods.b.get(name) as WorkloadEndpoint).ports);
  };
  const both = (x: string, y: string): void => {
    for (const probe of probesTo(y)) check(x, y, probe);
    for (const probe of probesTo(x)) check(y, x, probe);
  };
  const peers = [...allPods, ...outside.keys()];
  // A pod whose rules changed (or that exists in one version), and every pod of a node whose host side changed.
  const changed = allPods.filter((k) => touched.pods.has(k) || !pods.b.has(k) || !pods.h.has(k) || onChangedHost(k));
  // 1b. A pod of a changed host node against every peer.
  for (const k of changed) if (onChangedHost(k)) for (const q of peers) both(k, q);
  // 2. Hosts as peers.
  for (const [name, node] of hostPeers) {
    const everyone = touched.hostNodes.has(node);
    for (const k of everyone ? [...allPods, ...outside.keys()] : changed) both(name, k);
    for (const [other, otherNode] of hostPeers) if (other !== name && (everyone || touched.hostNodes.has(otherNode))) both(name, other);
  }
  flipped.sort(comparePairs);
  added.sort(comparePairs);
  removed.sort(comparePairs);
  return { flipped, added, removed };
}
