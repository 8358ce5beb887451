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
    });
    return line(p, e.verdict);
  });
}

export const matrixLines = (m: Matrix): string[] => [...m.pairs()].map((p) => line(p, p.verdict));
