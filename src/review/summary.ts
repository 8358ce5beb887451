/**
 * Flipped pairs folded for reading: pairs of one change (opened, closed, added, removed),
 * protocol, port and IP family between the same two namespaces (or CIDR), decided by the same
 * rules on each side, are one group. A group of one pair names its pods; a larger one names the
 * namespaces and counts.
 */
import type { ConnectivityGroup, FlippedPair, OneVersionPair, ReviewChange, ReviewPeer, ReviewSideVerdict } from "./types.js";

/** A host peer is `host:<node>`; a CIDR's address part has a "." or ":"; a namespace name (a DNS label) has neither. */
const isHost = (peer: string): boolean => peer.startsWith("host:");
const isCidr = (peer: string): boolean => !isHost(peer) && (!peer.includes("/") || /^[0-9a-f]*[.:][0-9a-f.:]*\/\d+$/i.test(peer));
const namespaceOf = (peer: string): string => (isCidr(peer) || isHost(peer) ? peer : (peer.split("/")[0] as string));
const decisionKey = (v: ReviewSideVerdict): string => `${v.verdict}\u0000${v.decidedBy?.summary ?? ""}\u0000${v.decidedBy?.file ?? ""}:${v.decidedBy?.line ?? ""}`;

/** A one-version pair as a flip from (or to) an absent pod: denied, by no rule, on the missing side. */
export function asFlip(p: OneVersionPair, change: "added" | "removed"): FlippedPair {
  const { decidedBy, ...pair } = p;
  const present: ReviewSideVerdict = { verdict: "allow", ...(decidedBy && { decidedBy }) };
  return change === "added" ? { ...pair, base: { verdict: "deny" }, head: present } : { ...pair, base: present, head: { verdict: "deny" } };
}

const ORDER: Readonly<Record<ReviewChange, string>> = { opened: "0", closed: "1", added: "2", removed: "3" };

export function groupPairs(opened: readonly FlippedPair[], closed: readonly FlippedPair[], added: readonly OneVersionPair[] = [], removed: readonly OneVersionPair[] = []): ConnectivityGroup[] {
  const groups = new Map<string, { change: ReviewChange; pairs: FlippedPair[] }>();
  const lists: [ReviewChange, readonly FlippedPair[]][] = [
    ["opened", opened],
    ["closed", closed],
    ["added", added.map((p) => asFlip(p, "added"))],
    ["removed", removed.map((p) => asFlip(p, "removed"))],
  ];
  for (const [change, list] of lists) {
    for (const p of list) {
      const key = [change, p.ipVersion ?? 4, namespaceOf(p.from), namespaceOf(p.to), p.protocol, p.port, p.endPort ?? "", decisionKey(p.base), decisionKey(p.head)].join("\u0001");
      const g = groups.get(key);
      if (g) g.pairs.push(p);
      else groups.set(key, { change, pairs: [p] });
    }
  }
  const out: ConnectivityGroup[] = [];
  for (const { change, pairs } of groups.values()) {
    const first = pairs[0] as FlippedPair;
    const froms = new Set(pairs.map((p) => p.from));
    const tos = new Set(pairs.map((p) => p.to));
    const peer = (names: Set<string>, one: string): ReviewPeer =>
      isHost(one) ? { kind: "host", name: one } : isCidr(one) ? { kind: "cidr", name: one } : names.size === 1 ? { kind: "pod", name: one } : { kind: "namespace", name: namespaceOf(one) };
    out.push({
      change,
      from: peer(froms, first.from),
      to: peer(tos, first.to),
      port: first.port,
      ...(first.endPort !== undefined && { endPort: first.endPort }),
      protocol: first.protocol,
      ...(first.ipVersion !== undefined && { ipVersion: first.ipVersion }),
      count: pairs.length,
      sources: froms.size,
      destinations: tos.size,
      base: first.base,
      head: first.head,
    });
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort(
    (a, b) =>
      cmp(ORDER[a.change], ORDER[b.change]) ||
      b.count - a.count ||
      cmp(a.from.name, b.from.name) ||
      cmp(a.to.name, b.to.name) ||
      cmp(a.protocol, b.protocol) ||
      a.port - b.port ||
      (a.ipVersion ?? 4) - (b.ipVersion ?? 4),
  );
}
