/**
 * One AdminNetworkPolicy or BaselineAdminNetworkPolicy, as a node of a parsed YAML document,
 * rewritten in place as the equivalent ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2).
 *
 * In place, so that whatever the `yaml` library keeps on nodes survives: comments before and
 * after every key and item, key order, flow or block style, quoting. What changes:
 *
 * - apiVersion → `policy.networking.k8s.io/v1alpha2`, kind → `ClusterNetworkPolicy`;
 * - an ANP gets `tier: Admin` before its `priority`; the BANP (the singleton `default`) gets
 *   `tier: Baseline` and `priority: 1000` (BASELINE_PRIORITY) at the top of its spec;
 * - actions: Allow → Accept; Deny and Pass as they are;
 * - `ports` → `protocols`: portNumber → `<tcp|udp|sctp>: {destinationPort: {number}}`,
 *   portRange → `destinationPort: {range: {start, end}}` (a range of one port becomes its number:
 *   the CNP CRD requires start < end), namedPort → `destinationNamedPort`; no protocol is TCP;
 * - subject and peers (namespaces, pods, networks, nodes, domainNames) unchanged.
 *
 * What does not carry over exactly is reported as a note at its place (never dropped silently):
 * a one-port range, a named port (CNP matches it under the container port's own protocol,
 * Calico's ANP conversion matched TCP only), `nodes` and `domainNames` peers (Calico fails closed
 * on them), and a rule with more than 25 peers or protocol entries (the CNP limit; ANP allowed
 * 100), which is split into consecutive rules of at most 25 each with the same name and action:
 * a rule matches when one of its peers AND one of its protocols match, so consecutive rules over
 * the parts match exactly the same traffic with the same action. More than 25 rules in a
 * direction (after splitting) is refused: splitting a policy in two would need a second
 * priority, and the order of equal priorities is left to the implementation by the API.
 */
import { isMap, isScalar, isSeq, visit, type Document, type Node, type Pair, type YAMLMap } from "yaml";
import { Codes, type CodeInfo } from "../diagnostics/codes.js";

export const CNP_API_VERSION = "policy.networking.k8s.io/v1alpha2";
export const ADMIN_API_VERSION = "policy.networking.k8s.io/v1alpha1";

/**
 * The BaselineAdminNetworkPolicy's priority in the Baseline tier. A BANP has no priority (it is
 * a singleton); 1000, the lowest precedence the API allows, keeps it after every Baseline CNP
 * written by hand, as the one catch-all it was. Calico v3.31 gave the BANP the order 1000 too.
 */
export const BASELINE_PRIORITY = 1000;

/** The CNP CRD's limit on rules per direction, peers per rule and protocols per rule. */
export const CNP_MAX_ITEMS = 25;

export interface ConvertNote {
  readonly code: CodeInfo;
  readonly message: string;
  /** The node it is about (a node of the input, so it has a source range). */
  readonly node: Node | undefined;
}

type AdminKind = "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy";

function scalarValue(map: YAMLMap, key: string): unknown {
  const n = map.get(key, true);
  return isScalar(n) ? n.value : undefined;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key);
}

/** Sets a scalar's value in place (keeping its comments and style), or adds the key. */
function setScalar(doc: Document, map: YAMLMap, key: string, value: string | number, at?: number): void {
  const n = map.get(key, true);
  if (isScalar(n)) {
    n.value = value;
    return;
  }
  const pair = doc.createPair(key, value);
  if (at === undefined) map.items.push(pair);
  else map.items.splice(at, 0, pair);
}

/** The new node takes the old one's comments and blank line, so they stay where they were. */
function keepDecorations(from: Node, to: Node): void {
  if (from.commentBefore !== undefined) to.commentBefore = from.commentBefore;
  if (from.comment !== undefined) to.comment = from.comment;
  if (from.spaceBefore) to.spaceBefore = true;
}

function flowLike(from: unknown, to: Node): void {
  if ((isMap(from) || isSeq(from)) && from.flow && (isMap(to) || isSeq(to))) {
    // The whole replacement is written in flow style, as the original was.
    const mark = (n: unknown): void => {
      if (isMap(n) || isSeq(n)) {
        n.flow = true;
        for (const item of n.items) mark(isMap(n) ? (item as Pair).value : item);
      }
    };
    mark(to);
  }
}

/** One ANP `ports` entry as a CNP `protocols` entry. */
function protocolEntry(doc: Document, item: unknown, notes: ConvertNote[]): Node | undefined {
  if (!isMap(item)) return undefined;
  const [pair] = item.items;
  if (pair === undefined || !isScalar(pair.key)) return undefined;
  const field = pair.key.value;
  const body = pair.value;
  let value: unknown;
  if (field === "namedPort" && isScalar(body)) {
    notes.push({
      code: Codes.convertNamedPortAnyProtocol,
      message: `namedPort ${JSON.stringify(body.value)} becomes destinationNamedPort, which Calico v3.32 matches under the protocol the pod declares for that port (any protocol); Calico's ANP conversion matched it on TCP only`,
      node: item,
    });
    value = { destinationNamedPort: body.value };
  } else if ((field === "portNumber" || field === "portRange") && isMap(body)) {
    const protocol = String(scalarValue(body, "protocol") ?? "TCP").toLowerCase();
    if (field === "portNumber") value = { [protocol]: { destinationPort: { number: scalarValue(body, "port") } } };
    else {
      const start = scalarValue(body, "start");
      const end = scalarValue(body, "end");
      if (start === end) {
        notes.push({
          code: Codes.convertSinglePortRange,
          message: `portRange ${String(start)}-${String(end)} is one port: written as destinationPort number ${String(start)} (a ClusterNetworkPolicy range needs start < end)`,
          node: body,
        });
        value = { [protocol]: { destinationPort: { number: start } } };
      } else value = { [protocol]: { destinationPort: { range: { start, end } } } };
    }
  } else return undefined;
  const node = doc.createNode(value) as YAMLMap;
  const inner = node.items[0]?.value as Node;
  keepDecorations(item, node);
  // A comment on the old entry's value (`portRange: {...}  # why`) stays on the new value.
  if (body !== null && typeof body === "object") keepDecorations(body as Node, inner);
  flowLike(item, node);
  if (!item.flow) flowLike(body, inner);
  return node;
}

function chunks<T>(list: readonly T[]): T[][] {
  if (list.length === 0) return [[]];
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CNP_MAX_ITEMS) out.push(list.slice(i, i + CNP_MAX_ITEMS));
  return out;
}

/** One rule rewritten in place; returns the rules that replace it (itself, or its parts). */
function convertRule(doc: Document, rule: YAMLMap, peersKey: "from" | "to", ruleNo: number, direction: string, notes: ConvertNote[]): YAMLMap[] {
  const action = rule.get("action", true);
  if (isScalar(action) && action.value === "Allow") action.value = "Accept";
  const portsPair = pairOf(rule, "ports");
  if (portsPair && isScalar(portsPair.key) && isSeq(portsPair.value)) {
    portsPair.key.value = "protocols";
    const seq = portsPair.value;
    seq.items = seq.items.map((item) => protocolEntry(doc, item, notes) ?? item);
  }
  const peers = rule.get(peersKey, true);
  if (isSeq(peers) && isScalar(action)) {
    for (const peer of peers.items) {
      if (!isMap(peer)) continue;
      for (const field of ["nodes", "domainNames"] as const) {
        const p = pairOf(peer, field);
        if (p === undefined) continue;
        notes.push({
          code: Codes.convertFailsClosed,
          message: `egress peer \`${field}\` is kept, but Calico v3.32 does not support it in a ClusterNetworkPolicy and fails closed: ${action.value === "Accept" ? "this Accept rule is dropped (it matches nothing)" : `this ${String(action.value)} rule becomes "deny all egress" for the subject`}; the standard-channel CRD Calico installs rejects the field`,
          node: p.key as Node,
        });
      }
    }
  }
  const protocols = portsPair && isSeq(portsPair.value) ? portsPair.value : undefined;
  const peerItems = isSeq(peers) ? peers.items : [];
  const protocolItems = protocols?.items ?? [];
  if (peerItems.length <= CNP_MAX_ITEMS && protocolItems.length <= CNP_MAX_ITEMS) return [rule];
  const parts: YAMLMap[] = [];
  for (const peerChunk of chunks(peerItems)) {
    for (const protocolChunk of chunks(protocolItems)) {
      const part = rule.clone() as YAMLMap;
      const partPeers = part.get(peersKey, true);
      if (isSeq(partPeers)) partPeers.items = peerChunk.map((n) => (isMap(n) || isSeq(n) || isScalar(n) ? n.clone() : n));
      const partProtocols = part.get("protocols", true);
      if (isSeq(partProtocols)) partProtocols.items = protocolChunk.map((n) => (isMap(n) || isSeq(n) || isScalar(n) ? n.clone() : n));
      if (parts.length > 0) delete part.commentBefore;
      parts.push(part);
    }
  }
  notes.push({
    code: Codes.convertRuleSplit,
    message: `${direction} rule ${ruleNo} has ${peerItems.length} peers and ${protocolItems.length} ports; a ClusterNetworkPolicy rule takes at most ${CNP_MAX_ITEMS} of each, so it is written as ${parts.length} consecutive rules with the same action over parts of them (the same traffic matches)`,
    node: rule,
  });
  return parts;
}

/**
 * Rewrites `resource` (an ANP or BANP mapping) as a ClusterNetworkPolicy. `explicitType` is
 * false for an item of a typed List that inherits apiVersion and kind (the caller rewrites the
 * list's). Returns the notes; errors among them (PC3035) mean the output must not be used.
 */
export function convertAdminPolicy(doc: Document, resource: YAMLMap, kind: AdminKind, explicitType: boolean): ConvertNote[] {
  const notes: ConvertNote[] = [];
  // An alias (`ports: *web-ports`) is replaced by a copy of what it names before anything is
  // rewritten: the anchored original is converted in place, and each copy where it is used.
  visit(resource, {
    Alias(_, alias) {
      const target = alias.resolve(doc);
      if (!target || !(isMap(target) || isSeq(target) || isScalar(target))) return undefined;
      const copy = target.clone() as Node;
      delete copy.anchor;
      return copy;
    },
  });
  if (explicitType) {
    setScalar(doc, resource, "apiVersion", CNP_API_VERSION, 0);
    setScalar(doc, resource, "kind", "ClusterNetworkPolicy", 1);
  }
  const spec = resource.get("spec", true);
  if (!isMap(spec)) return notes;
  const priorityAt = spec.items.findIndex((p) => isScalar(p.key) && p.key.value === "priority");
  if (kind === "AdminNetworkPolicy") spec.items.splice(Math.max(priorityAt, 0), 0, doc.createPair("tier", "Admin"));
  else spec.items.splice(0, 0, doc.createPair("tier", "Baseline"), doc.createPair("priority", BASELINE_PRIORITY));
  for (const [direction, peersKey] of [
    ["ingress", "from"],
    ["egress", "to"],
  ] as const) {
    const rules = spec.get(direction, true);
    if (!isSeq(rules)) continue;
    const converted = rules.items.flatMap((r, i) => (isMap(r) ? convertRule(doc, r, peersKey, i, direction, notes) : [r]));
    rules.items = converted;
    if (converted.length > CNP_MAX_ITEMS) {
      notes.push({
        code: Codes.convertTooManyRules,
        message: `${converted.length} ${direction} rules: a ClusterNetworkPolicy takes at most ${CNP_MAX_ITEMS} per direction (an AdminNetworkPolicy took 100); split this policy into several with distinct priorities by hand (the API leaves the order of equal priorities open)`,
        node: pairOf(spec, direction)?.key as Node | undefined,
      });
    }
  }
  return notes;
}

export function isAdminKind(apiVersion: unknown, kind: unknown): kind is AdminKind {
  return apiVersion === ADMIN_API_VERSION && (kind === "AdminNetworkPolicy" || kind === "BaselineAdminNetworkPolicy");
}
