/**
 * `review --format html`: the report as the matrix's html view (trace/matrix-html.ts). The grid
 * holds the pairs the change flips, between the pods (and outside CIDRs) they involve, grouped by
 * namespace: opened and closed cells marked, an empty cell a pair whose verdict did not change.
 * A click shows a flipped pair's two sides, each with the rule that decides it. Pairs with a pod
 * in one version only (added in head, removed from base) are marked too, with the rule that
 * allows them in the version that has the pod; host peers are the "(hosts)" rows. Beyond 200 peers
 * the grid is drawn by namespace, each cell counting its opened and closed pairs, a walk for the
 * first pair of each. Below the grid, the report's connectivity, rules and problems as the text
 * view prints them, with the flipped pairs listed (the first 1,000).
 */
import { DEFAULT_MAX_PODS, REVIEW_SLOTS, WalkStore, membersOf, type MatrixView, type MatrixViewGrid, type MatrixViewSection } from "../trace/matrix-view.js";
import { renderMatrixHtml } from "../trace/matrix-html.js";
import { probeText } from "./probes.js";
import { familyText, reviewText } from "./render.js";
import type { FlippedPair, OneVersionPair, ReviewReport, ReviewSideVerdict } from "./types.js";

/** The namespace row of peers outside the cluster (a CIDR); no namespace name has parentheses. */
export const OUTSIDE = "(outside the cluster)";
/** The row of the namespaces with the fewest flips when there are too many to draw one each. */
export const OTHER_NAMESPACES = "(other namespaces)";

/**
 * "ns/pod" stays; a CIDR becomes "(outside the cluster)/10.0.0.0/8", so every peer has a
 * namespace. A namespace name has neither "." nor ":", so a CIDR is never taken for a pod.
 */
/** The group of the nodes' hosts (`host:<node>` peers, host endpoints). */
export const HOSTS = "(hosts)";
const peerKey = (peer: string): string => (peer.startsWith("host:") ? `${HOSTS}/${peer}` : /^[^/.:]+\/[^/]+$/.test(peer) ? peer : `${OUTSIDE}/${peer}`);

function sideLines(name: string, label: string, v: ReviewSideVerdict): string[] {
  const lines = [`${name} (${label}): ${v.verdict.toUpperCase()}`];
  const d = v.decidedBy;
  if (!d) return [...lines, "  decided by: no rule (the hook's default)"];
  lines.push(`  decided by: ${d.summary}`, `  on:         ${d.node}, ${d.direction}`);
  if (d.file !== undefined) lines.push(`  at:         ${d.file}${d.line !== undefined ? `:${d.line}` : ""}`);
  lines.push(`  rule:       ${d.chain} #${d.rule} ${d.hash}`);
  return lines;
}

/** A flipped pair's walk: the change, then each side and what decides it. */
export function flippedPairText(p: FlippedPair, report: Pick<ReviewReport, "base" | "head">): string {
  const change = p.head.verdict === "allow" ? "opened" : "closed";
  return [`${p.from} -> ${p.to} ${probeText(p)}${familyText(p)}: ${change}`, "", ...sideLines("base", report.base.label, p.base), "", ...sideLines("head", report.head.label, p.head)].join("\n");
}

/** A pair of a pod in one version only: the version that has it, and the rule that allows it there. */
export function oneVersionPairText(p: OneVersionPair, change: "added" | "removed", report: Pick<ReviewReport, "base" | "head">): string {
  const [name, absent] = change === "added" ? (["head", "base"] as const) : (["base", "head"] as const);
  const side = sideLines(name, report[name].label, { verdict: "allow", ...(p.decidedBy && { decidedBy: p.decidedBy }) });
  return [`${p.from} -> ${p.to} ${probeText(p)}${familyText(p)}: ${change} (a pod of ${name} only)`, "", ...side, "", `${absent} (${report[absent].label}): the pod does not exist`].join("\n");
}

/** Every pair the grid marks, with its slot: opened and closed, then added and removed. */
export type ReviewCellPair = { readonly change: "opened" | "closed"; readonly pair: FlippedPair } | { readonly change: "added" | "removed"; readonly pair: OneVersionPair };

export function reviewCellPairs(c: ReviewReport["connectivity"]): ReviewCellPair[] {
  const flipped = (p: FlippedPair): ReviewCellPair => ({ change: p.head.verdict === "allow" ? "opened" : "closed", pair: p });
  return [...c.opened.map(flipped), ...c.closed.map(flipped), ...c.added.map((pair) => ({ change: "added" as const, pair })), ...c.removed.map((pair) => ({ change: "removed" as const, pair }))];
}

/** A marked pair's short walk: the report's decisions on each side. */
export function cellPairText(x: ReviewCellPair, report: Pick<ReviewReport, "base" | "head">): string {
  switch (x.change) {
    case "added":
    case "removed":
      return oneVersionPairText(x.pair, x.change, report);
    default:
      return flippedPairText(x.pair, report);
  }
}

/** Flipped pairs the connectivity section lists; the grid counts them all, the JSON lists them all. */
export const HTML_PAIR_LIST_LIMIT = 1000;

/** The text view's three parts, each a section; the connectivity part lists the flipped pairs. */
function sections(report: ReviewReport, pairs: readonly ReviewCellPair[]): MatrixViewSection[] {
  const lines = reviewText(report).replace(/\n$/, "").split("\n").slice(1);
  const rules = lines.findIndex((l) => l.startsWith("rules: "));
  const problems = lines.findIndex((l) => l.startsWith("problems: "));
  // The text view lists at most a few pairs; the page lists them all.
  const cut = lines.indexOf("pairs:");
  const connectivity = lines.slice(0, cut >= 0 && cut < rules ? cut : rules);
  const every = pairs.slice(0, HTML_PAIR_LIST_LIMIT).map(({ change, pair: p }) => `  ${change.padEnd(6)} ${p.from} -> ${p.to} ${probeText(p)}${familyText(p)}`);
  if (pairs.length > HTML_PAIR_LIST_LIMIT) every.push(`  and ${pairs.length - HTML_PAIR_LIST_LIMIT} more (review --format json lists them all)`);
  return [
    { title: "Connectivity", lines: [...connectivity, ...(every.length > 0 ? ["pairs:", ...every] : [])] },
    { title: "Rules", lines: lines.slice(rules, problems) },
    { title: "Problems", lines: lines.slice(problems) },
  ];
}

export interface ReviewViewOptions {
  /** A pair's full walk (the CLI traces both versions as explain does); default flippedPairText / oneVersionPairText. */
  readonly walk?: (cell: ReviewCellPair) => string;
  /** Peer by peer up to this many peers (default 200), else by namespace. */
  readonly maxPeers?: number;
  /**
   * At most this many namespace rows (default 200): the namespaces with the most flipped pairs
   * (then by name), the others folded into one "(other namespaces)" row. A change to a
   * GlobalNetworkPolicy on a 2,000-namespace cluster stays a page of 200 × 200 cells.
   */
  readonly maxNamespaces?: number;
}

/** Peers of the namespaces beyond the busiest `max` moved into OTHER_NAMESPACES. */
function foldNamespaces(pairs: readonly (FlippedPair | OneVersionPair)[], max: number): (peer: string) => string {
  const flips = new Map<string, number>();
  const nsOf = (key: string): string => key.slice(0, key.indexOf("/"));
  for (const p of pairs) for (const k of [peerKey(p.from), peerKey(p.to)]) flips.set(nsOf(k), (flips.get(nsOf(k)) ?? 0) + 1);
  if (flips.size <= max) return peerKey;
  const kept = new Set([...flips].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).slice(0, max - 1).map(([ns]) => ns));
  return (peer) => {
    const k = peerKey(peer);
    return kept.has(nsOf(k)) ? k : `${OTHER_NAMESPACES}/${k}`;
  };
}

/** The view of a report: flipped pairs on a grid of the peers involved. */
export function reviewMatrixView(report: ReviewReport, options: ReviewViewOptions = {}): MatrixView {
  const maxPeers = options.maxPeers ?? DEFAULT_MAX_PODS;
  const walk = options.walk ?? ((x: ReviewCellPair): string => cellPairText(x, report));
  const c = report.connectivity;
  const cells = reviewCellPairs(c);
  const pairs = cells.map((x) => x.pair);
  const distinct = new Set(pairs.flatMap((p) => [peerKey(p.from), peerKey(p.to)]));
  const level = distinct.size <= maxPeers ? "pod" : "namespace";
  const keyOf = level === "pod" ? peerKey : foldNamespaces(pairs, options.maxNamespaces ?? DEFAULT_MAX_PODS);
  const peers = [...new Set(pairs.flatMap((p) => [keyOf(p.from), keyOf(p.to)]))].sort();
  const { members, memberOf } = membersOf(peers, level, () => "");
  const index = new Map(peers.map((p, i) => [p, memberOf[i] as number]));
  const n = members.length;
  const probes = [...new Set(pairs.map(probeText))];
  const order = c.probes.map(probeText);
  probes.sort((a, b) => order.indexOf(a) - order.indexOf(b) || (a < b ? -1 : a > b ? 1 : 0));
  const store = new WalkStore();
  const grids: MatrixViewGrid[] = probes.map((probe) => {
    const counts = new Array<number>(n * n * 4).fill(0);
    const walks = new Array<number>(n * n * 4).fill(-1);
    for (const x of cells) {
      const p = x.pair;
      if (probeText(p) !== probe) continue;
      const at = ((index.get(keyOf(p.from)) as number) * n + (index.get(keyOf(p.to)) as number)) * 4 + REVIEW_SLOTS.indexOf(x.change);
      counts[at] = (counts[at] as number) + 1;
      if (walks[at] === -1) walks[at] = store.add(walk(x));
    }
    return { probe, counts, walks };
  });
  return {
    kind: "MatrixView",
    title: `Review: ${report.base.label} -> ${report.head.label}`,
    subtitle: [
      `${c.opened.length} opened, ${c.closed.length} closed pod pairs (${c.podsTouched} of ${c.pods} pods touched; ports ${c.probes.map(probeText).join(", ") || "none"})`,
      ...(c.podsAdded.length + c.podsRemoved.length > 0 ? [`${c.podsAdded.length} pod(s) added (${c.added.length} allowed pairs), ${c.podsRemoved.length} removed (${c.removed.length} allowed pairs)`] : []),
      "the grid holds the pods, hosts and outside peers of the pairs that change",
    ],
    states: { base: "base", head: "head" },
    level,
    pods: peers.length,
    members,
    grids,
    walks: store.walks,
    lines: store.lines,
    sections: sections(report, cells),
    changesOnly: true,
    slots: REVIEW_SLOTS,
  };
}

export function reviewHtml(report: ReviewReport, options: ReviewViewOptions = {}): string {
  return renderMatrixHtml(reviewMatrixView(report, options));
}
