/** The naive all-pairs answer the class matrix is held to: one explain walk per (from, to, probe). */
import { FlowTracer, type Matrix, type MatrixPair } from "../../src/trace/index.js";
import type { Model } from "../../src/model/index.js";

const line = (p: Omit<MatrixPair, "verdict">, verdict: string): string => `${p.from} -> ${p.to} ${p.protocol}/${String(p.port)}: ${verdict}`;

export function naiveLines(model: Model, m: Matrix): string[] {
  const tracer = new FlowTracer(model);
  return [...m.pairs()].map((p) => {
    const [fns, fname] = p.from.split("/") as [string, string];
    const [tns, tname] = p.to.split("/") as [string, string];
    const e = tracer.explain({
      from: { kind: "pod", namespace: fns, name: fname },
      to: { kind: "pod", namespace: tns, name: tname },
      protocol: p.protocol,
      ...(p.port !== null && { port: p.port }),
      ...(p.protocol !== "ICMP" && { srcPort: m.srcPort }),
      ...(m.ipVersion === 6 && { ipVersion: 6 as const }),
    });
    return line(p, e.verdict);
  });
}

export const matrixLines = (m: Matrix): string[] => [...m.pairs()].map((p) => line(p, p.verdict));

/**
 * The text grid as it was printed from a materialised pairs array (before pairs were lazy):
 * the streamed renderer must give the same bytes.
 */
/** A grid per (protocol, port): rows sources, columns destinations, grouped by namespace. */
export function naiveText(m: { readonly pods: readonly string[]; readonly pairs: readonly MatrixPair[] }): string {
  const groups = new Map<string, Map<string, string>>();
  for (const p of m.pairs) {
    const g = `${p.protocol}${p.port === null ? "" : `/${p.port}`}`;
    let cells = groups.get(g);
    if (!cells) groups.set(g, (cells = new Map()));
    cells.set(`${p.from}\u0000${p.to}`, p.verdict);
  }
  const out: string[] = [];
  const width = Math.max(7, ...m.pods.map((p) => p.length));
  for (const [label, cells] of groups) {
    const cols = m.pods.filter((to) => m.pods.some((from) => cells.has(`${from}\u0000${to}`)));
    out.push(`${label}: . allow, X deny, - same pod, blank not probed; columns:`);
    cols.forEach((c, i) => out.push(`  ${String(i + 1).padStart(3)} ${c}`));
    const nsOf = (k: string): string => k.split("/")[0] ?? "";
    const header = cols.map((c, i) => (i > 0 && nsOf(cols[i - 1] as string) !== nsOf(c) ? "| " : "") + String((i + 1) % 10)).join(" ");
    out.push(`${"".padEnd(width)}  ${header}`);
    let lastNs: string | undefined;
    for (const from of m.pods) {
      if (lastNs !== undefined && lastNs !== nsOf(from)) out.push("");
      lastNs = nsOf(from);
      const row = cols.map((to, i) => {
        const sep = i > 0 && nsOf(cols[i - 1] as string) !== nsOf(to) ? "| " : "";
        if (from === to) return `${sep}-`;
        const v = cells.get(`${from}\u0000${to}`);
        return sep + (v === undefined ? " " : v === "allow" ? "." : "X");
      });
      out.push(`${from.padEnd(width)}  ${row.join(" ")}`);
    }
    out.push("");
  }
  return out.join("\n");
}
