/**
 * The engine's law: after ANY sequence of batches, engine.current() is byte-identical
 * (renderRestore) to compile(model of all sources in force), computed from scratch by the CLI's
 * loader; the rejected list is what the contract says; `dirty` names exactly what changed
 * (dirtyBetween the previous and new state), with exact member deltas (a set that comes back
 * from dormancy: from the members it had when last desired); and the agent's path on a model
 * kernel (diffDirty against its view, lingering sets kept, the view advanced) leaves the kernel
 * holding the desired state and the view equal to the kernel.
 *
 * Random batches over a small cluster (two nodes, three namespaces, a few interchangeable
 * labels so selectors flip often): local and remote pods added, relabelled, moved and deleted,
 * namespaces relabelled, Kubernetes and Calico policies, global policies and ClusterNetworkPolicies
 * (fail-closed rules, protocol-less named ports over TCP and UDP pods) added, changed and deleted,
 * staged policies of the three kinds (every stagedAction, Delete included) added, changed and
 * removed, network sets, WorkloadEndpoints with profiles, plus the rarer kinds (tiers, profiles,
 * service accounts: incremental; host endpoints: a rebuild), duplicates and invalid texts. The
 * duplicate diagnostics a batch reports are the full loader's that concern its sources.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AgentEngine } from "../../../src/agent/engine/index.js";
import { AgentPath } from "./agent-path.js";
import { SECURITY_TIER, change, groupBurst, groupChange } from "./changes.js";
import type { Diagnostic } from "../../../src/diagnostics/types.js";
import { loadSources } from "../../../src/model/load.js";
import { Oracle, restoreOf, source } from "./oracle.js";

describe("engine law", () => {
  it("after any sequence of batches, current() equals a from-scratch compile of the sources in force", () => {
    fc.assert(
      fc.property(fc.array(fc.array(change, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 25 }), (batches) => {
        const engine = new AgentEngine({ node: "n1" });
        const oracle = new Oracle("n1");
        const path = new AgentPath(4, engine.current());
        for (const batch of batches) {
          const before = engine.current();
          const u = engine.update(batch);
          const inForceBefore = new Map(oracle.inForce);
          expect(u.rejected).toEqual(oracle.apply(batch));
          expect(restoreOf(u.desired)).toBe(oracle.restore());
          // Duplicates about this batch's sources: what the full loader reports, no more, no less.
          const changed = new Set([...oracle.inForce.keys(), ...inForceBefore.keys()].filter((n) => oracle.inForce.get(n) !== inForceBefore.get(n)));
          const about = (d: Diagnostic): boolean => [d.span, ...(d.notes ?? []).map((n) => n.span)].some((sp) => sp !== undefined && changed.has(sp.file));
          const key = (d: Diagnostic): string => JSON.stringify([d.message, d.span, d.notes]);
          const full = loadSources([...oracle.inForce].map(([f, t]) => source(f, t))).diagnostics.filter((d) => d.code === "PC3007" && about(d));
          expect(new Set(u.diagnostics.filter((d) => d.code === "PC3007").map(key))).toEqual(new Set(full.map(key)));
          path.step(before, u.desired, u.dirty);
        }
      }),
      { numRuns: 300 },
    );
    // 300 runs take about a minute on a loaded machine (two cores shared by several test runs).
  }, 240_000);

  it("holds while policy groups form, grow past five, split and break (workload and host endpoint chains)", () => {
    let grouped = 0;
    let strided = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: fc.array(groupChange, { minLength: 1, maxLength: 6 }) }, { weight: 1, arbitrary: groupBurst }), { minLength: 1, maxLength: 12 }), (batches) => {
        const engine = new AgentEngine({ node: "n1" });
        const oracle = new Oracle("n1");
        const path = new AgentPath(4, engine.current());
        for (const batch of [[SECURITY_TIER], ...batches]) {
          const before = engine.current();
          const u = engine.update(batch);
          expect(u.rejected).toEqual(oracle.apply(batch));
          const restore = restoreOf(u.desired);
          expect(restore).toBe(oracle.restore());
          if (/^:cali-g[io]-/m.test(restore)) grouped++;
          if (/Return on verdict/.test(restore)) strided++;
          path.step(before, u.desired, u.dirty);
        }
      }),
      { numRuns: 80 },
    );
    // The generators must really form groups, and groups past the block of five.
    expect(grouped).toBeGreaterThan(50);
    expect(strided).toBeGreaterThan(0);
  });
});
