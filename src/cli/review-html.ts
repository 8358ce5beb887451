/**
 * `review --format html`: the report's page (review/html.ts) with each flipped pair's walk as
 * `explain` prints it on both versions (every chain the packet entered, not only the deciding
 * rule). A side that cannot be traced as a pod flow (an outside CIDR peer, a pod only one
 * version has) shows the report's own decision for it instead.
 *
 * A pair with a pod in one version only (added, removed) is traced on that version alone.
 *
 * A walk compiles the nodes of its two pods on both versions, which on a large cluster is the
 * whole cost (a node of the 100k-pod cluster takes about half a second), while the report itself
 * compiles only a virtual node. So walks are traced on at most WALK_NODE_BUDGET nodes, the first
 * ones the page meets; a pair beyond them shows the report's decisions and the explain command
 * that prints its full walk.
 */
import { cellPairText, familyText, reviewHtml, type FlippedPair, type OneVersionPair, type ReviewCellPair, type ReviewReport, type ReviewVersion } from "../review/index.js";
import { FlowTracer, TraceError, type Flow } from "../trace/index.js";
import { explanationText } from "./explain.js";
import { podPeer } from "./matrix-html.js";

export const WALK_NODE_BUDGET = 16;

export function reviewHtmlPage(report: ReviewReport, base: ReviewVersion, head: ReviewVersion, nodeBudget = WALK_NODE_BUDGET): string {
  const tracers = { base: new FlowTracer(base.model, { sources: base.sources }), head: new FlowTracer(head.model, { sources: head.sources }) };
  const nodeOf = new Map<string, string | undefined>();
  for (const v of [base, head]) for (const e of v.model.endpoints) if (!nodeOf.has(`${e.namespace}/${e.name}`) || e.node !== undefined) nodeOf.set(`${e.namespace}/${e.name}`, e.node);
  const traced = new Set<string>();
  const withinBudget = (p: FlippedPair | OneVersionPair): boolean => {
    const nodes = [nodeOf.get(p.from), nodeOf.get(p.to)].filter((n): n is string => n !== undefined && !traced.has(n));
    if (traced.size + new Set(nodes).size > nodeBudget) return false;
    for (const n of nodes) traced.add(n);
    return true;
  };
  const walk = (x: ReviewCellPair): string => {
    const p = x.pair;
    const short = (): string => cellPairText(x, report);
    const from = podPeer(p.from);
    const to = podPeer(p.to);
    if (!from || !to) return short();
    // The versions to trace: both for a flip, the one that has the pod for an added or removed pair.
    const sides: readonly ("base" | "head")[] = x.change === "added" ? ["head"] : x.change === "removed" ? ["base"] : ["head", "base"];
    if (!withinBudget(p)) {
      const command = `policy-compile explain -f ${report[sides[0] as "base" | "head"].paths.join(" ")} --from ${p.from} --to ${p.to} --port ${p.port}${p.protocol === "TCP" ? "" : ` --protocol ${p.protocol}`}${p.ipVersion === 6 ? " --ip-version 6" : ""}`;
      return `${short()}\n\n(this page traces full walks on its first ${nodeBudget} nodes only; this pair's: ${command})`;
    }
    const flow: Flow = { from, to, protocol: p.protocol, port: p.port, ...(p.ipVersion === 6 && { ipVersion: 6 as const }) };
    const heading = { from: p.from, to: p.to, protocol: p.protocol, port: String(p.port) };
    try {
      const side = (which: "base" | "head"): string => `${which} (${report[which].label}):\n${explanationText(tracers[which].explain(flow), heading, false)}`;
      const range = p.endPort === undefined ? "" : `every port of ${p.port}-${p.endPort} alike; traced on ${p.port}\n\n`;
      const absent = x.change === "added" ? "base" : x.change === "removed" ? "head" : undefined;
      const what = absent === undefined ? x.change : `${x.change} (a pod of ${sides[0]} only)`;
      const tail = absent === undefined ? "" : `\n${absent} (${report[absent].label}): the pod does not exist`;
      return `${p.from} -> ${p.to} ${p.protocol}/${p.port}${p.endPort === undefined ? "" : `-${p.endPort}`}${familyText(p)}: ${what}\n${range}\n${sides.map(side).join("\n")}${tail}`;
    } catch (e) {
      // A pod the other version does not have (or cannot place): the report's decision says it.
      if (e instanceof TraceError) return short();
      throw e;
    }
  };
  return reviewHtml(report, { walk });
}
