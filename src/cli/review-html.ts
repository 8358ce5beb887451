/**
 * `review --format html`: the report's page (review/html.ts) with each flipped pair's walk as
 * `explain` prints it on both versions (every chain the packet entered, not only the deciding
 * rule). A side that cannot be traced as a pod flow (an outside CIDR peer, a pod only one
 * version has) shows the report's own decision for it instead.
 */
import { reviewHtml, flippedPairText, type FlippedPair, type ReviewReport, type ReviewVersion } from "../review/index.js";
import { FlowTracer, TraceError, type Flow } from "../trace/index.js";
import { explanationText } from "./explain.js";
import { podPeer } from "./matrix-html.js";


export function reviewHtmlPage(report: ReviewReport, base: ReviewVersion, head: ReviewVersion): string {
  const tracers = { base: new FlowTracer(base.model, { sources: base.sources }), head: new FlowTracer(head.model, { sources: head.sources }) };
  const walk = (p: FlippedPair): string => {
    const from = podPeer(p.from);
    const to = podPeer(p.to);
    if (!from || !to) return flippedPairText(p, report);
    const flow: Flow = { from, to, protocol: p.protocol, port: p.port };
    const heading = { from: p.from, to: p.to, protocol: p.protocol, port: String(p.port) };
    try {
      const side = (which: "base" | "head"): string => `${which} (${report[which].label}):\n${explanationText(tracers[which].explain(flow), heading, false)}`;
      const range = p.endPort === undefined ? "" : `every port of ${p.port}-${p.endPort} alike; traced on ${p.port}\n\n`;
      return `${p.from} -> ${p.to} ${p.protocol}/${p.port}${p.endPort === undefined ? "" : `-${p.endPort}`}: ${p.head.verdict === "allow" ? "opened" : "closed"}\n${range}\n${side("head")}\n${side("base")}`;
    } catch (e) {
      // A pod the other version does not have (or cannot place): the report's decision says it.
      if (e instanceof TraceError) return flippedPairText(p, report);
      throw e;
    }
  };
  return reviewHtml(report, { walk });
}
