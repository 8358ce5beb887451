/**
 * On every golden scenario: the matrix (equivalence classes) gives, pair by pair, the verdict
 * explainFlow gives by tracing that pair alone; and every deciding rule names its origin.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import { parseHostInterfaces } from "../../src/cli/host-interface-flags.js";
import { loadSources } from "../../src/model/index.js";
import { FlowTracer, matrixChanges, matrixJsonChunks, reachabilityMatrix, type FlowPeer } from "../../src/trace/index.js";

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
    // The scenario's host interfaces (golden.test.ts reads the same file).
    const file = join(root, "golden", name, "host-interfaces");
    const hosts = existsSync(file) ? { hostInterfaces: parseHostInterfaces(readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "")) } : {};
    const tracer = new FlowTracer(model, { sources, ...hosts });
    for (const protocol of ["TCP", "UDP"] as const) {
      const m = reachabilityMatrix(model, { protocol, ...hosts });
      const pairs = [...m.pairs()];
      expect(pairs.length).toBe(m.pairCount);
      // The streamed JSON is the contract's bytes: JSON.stringify of the whole pairs array.
      expect([...matrixJsonChunks(m, 7)].join("")).toBe(JSON.stringify({ pairs }, null, 2));
      if (m.pods.length >= 2) expect(pairs.length).toBeGreaterThan(0);
      for (const p of pairs.slice(0, 400)) {
        const e = tracer.explain({ from: pod(p.from), to: pod(p.to), protocol: p.protocol, ...(p.port !== null && { port: p.port }) });
        expect(e.verdict, `${p.from} -> ${p.to} ${p.protocol}/${String(p.port)}`).toBe(p.verdict);
        for (const h of e.hops) expect(h.decidedBy?.kind, `${p.from} -> ${p.to} ${h.direction}`).not.toBe("rule");
      }
    }
  });
});

describe("matrixChanges", () => {
  it("reports opened and closed pairs only", () => {
    const pair = (verdict: "allow" | "deny") => ({ from: "a/x", to: "a/y", port: 80, protocol: "TCP" as const, verdict });
    const m = (verdict: "allow" | "deny") => ({
      pairs: () => [pair(verdict)],
      verdict: (from: string, to: string, protocol: string, port: number | null) => (from === "a/x" && to === "a/y" && protocol === "TCP" && port === 80 ? verdict : undefined),
    });
    expect(matrixChanges(m("deny"), m("allow"))).toEqual([{ from: "a/x", to: "a/y", port: 80, protocol: "TCP", change: "opened" }]);
    expect(matrixChanges(m("allow"), m("deny"))).toEqual([{ from: "a/x", to: "a/y", port: 80, protocol: "TCP", change: "closed" }]);
    expect(matrixChanges(m("allow"), m("allow"))).toEqual([]);
  });
});


describe("matrixJsonChunks", () => {
  it("prints an empty matrix as JSON.stringify does", () => {
    expect([...matrixJsonChunks({ pairs: () => [] })].join("")).toBe(JSON.stringify({ pairs: [] }, null, 2));
  });
});
