/**
 * The engine's law at the benchmark's scale (100,000 pods, 5,250 policies, one source per
 * resource): after the initial load and after a few batches of different kinds, current() is
 * byte-identical to a from-scratch compile of the same sources. Slow (a full load per check).
 */
import { describe, expect, it } from "vitest";
import { AgentEngine } from "../../../src/agent/engine/index.js";
import { loadSources } from "../../../src/model/load.js";
import { compile } from "../../../src/render/compile.js";
import { del, namespaceJson, namespaceKey, podJson, podKey, policyKey, put, syntheticSources } from "./cluster.js";
import { restoreOf, source } from "./oracle.js";
import type { SourceChange } from "../../../src/agent/engine/index.js";

describe("engine law at 100k pods", () => {
  it("equals a full compile after the initial load and after each of a few batches", () => {
    const cluster = syntheticSources(100_000);
    const inForce = new Map<string, string>();
    const track = (changes: readonly SourceChange[]): void => {
      for (const c of changes) if (c.kind === "put") inForce.set(c.name, c.text);
      else inForce.delete(c.name);
    };
    const full = (): string => restoreOf(compile(loadSources([...inForce].map(([f, t]) => source(f, t))).model, { node: "node-1" }));
    const engine = new AgentEngine({ node: "node-1" });
    track(cluster.sources);
    expect(engine.update(cluster.sources).rejected).toEqual([]);
    expect(restoreOf(engine.current())).toBe(full());

    const local = cluster.pods.filter((p) => p.node === "node-1");
    const remote = cluster.pods.filter((p) => p.node !== "node-1");
    const [l0, l1] = local as [(typeof local)[0], (typeof local)[0]];
    const [r0, r1] = remote as [(typeof remote)[0], (typeof remote)[0]];
    const batches: SourceChange[][] = [
      [
        put(podKey(r0.ns, r0.name), podJson({ ...r0, labels: { ...r0.labels, tier: "db", app: "app-7" } })),
        put(podKey(l0.ns, l0.name), podJson({ ...l0, labels: { ...l0.labels, tier: "web" } })),
        put(podKey("ns-5", "new-local"), podJson({ ns: "ns-5", name: "new-local", node: "node-1", ip: "10.200.0.1", labels: { app: "app-3", tier: "api" }, ports: [{ name: "http", containerPort: 8080 }] })),
        del(podKey(r1.ns, r1.name)),
        del(podKey(l1.ns, l1.name)),
      ],
      [put(namespaceKey(l0.ns), namespaceJson(l0.ns, { team: "t-new", env: "staging" })), del(policyKey("knp", "ns-0", "knp-0"))],
      [put(policyKey("np", l0.ns, "extra"), JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "NetworkPolicy", metadata: { name: "extra", namespace: l0.ns }, spec: { selector: "all()", egress: [{ action: "Deny", destination: { selector: "tier == 'db'" } }] } }))],
    ];
    for (const [i, b] of batches.entries()) {
      track(b);
      const u = engine.update(b);
      expect(u.rejected).toEqual([]);
      expect(restoreOf(u.desired), `after batch ${i}`).toBe(full());
      // Batch 1 may change nothing on node-1 (that namespace's sets need not be in use there).
      if (i !== 1) expect(u.dirty.chains.length + u.dirty.ipsets.length, `batch ${i} changed something`).toBeGreaterThan(0);
    }
  }, 600_000);
});
