/**
 * On every golden scenario: the matrix (equivalence classes) gives, pair by pair, the verdict
 * explainFlow gives by tracing that pair alone; and every deciding rule names its origin.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import { loadSources } from "../../src/model/index.js";
import { explainFlow, matrixChanges, reachabilityMatrix, type FlowPeer } from "../../src/trace/index.js";

const root = resolve(import.meta.dirname, "../..");
const scenarios = readdirSync(join(root, "golden"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, "golden", d.name, "input")))
  .map((d) => d.name);
const pod = (key: string): FlowPeer => {
  const [namespace, name] = key.split("/") as [string, string];
  return { kind: "pod", namespace, name };
};

describe.each(scenarios)("%s", (name) => {
  it("matrix equals explainFlow on every pair", async () => {
    const sources = await readInputs([join("golden", name, "input")], root);
    const { model } = loadSources(sources);
    for (const protocol of ["TCP", "UDP"] as const) {
      const m = reachabilityMatrix(model, { protocol });
      if (m.pods.length >= 2) expect(m.pairs.length).toBeGreaterThan(0);
      for (const p of m.pairs.slice(0, 400)) {
        const e = explainFlow(model, { from: pod(p.from), to: pod(p.to), protocol: p.protocol, ...(p.port !== null && { port: p.port }) }, { sources });
        expect(e.verdict, `${p.from} -> ${p.to} ${p.protocol}/${String(p.port)}`).toBe(p.verdict);
        for (const h of e.hops) expect(h.decidedBy?.kind, `${p.from} -> ${p.to} ${h.direction}`).not.toBe("rule");
      }
    }
  });
});

describe("matrixChanges", () => {
  it("reports opened and closed pairs only", () => {
    const base = { kind: "Matrix" as const, pods: ["a/x", "a/y"], traces: 0 };
    const pair = (verdict: "allow" | "deny") => ({ from: "a/x", to: "a/y", port: 80, protocol: "TCP" as const, verdict });
    expect(matrixChanges({ ...base, pairs: [pair("deny")] }, { ...base, pairs: [pair("allow")] })).toEqual([{ from: "a/x", to: "a/y", port: 80, protocol: "TCP", change: "opened" }]);
    expect(matrixChanges({ ...base, pairs: [pair("allow")] }, { ...base, pairs: [pair("allow")] })).toEqual([]);
  });
});

