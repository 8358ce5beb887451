/**
 * Duplicate-resource diagnostics on the engine's incremental path: a batch that creates or
 * touches a duplicate reports exactly the diagnostic the CLI's full loader gives for the same
 * sources (code, message, location, note), and the duplicated resources are left out.
 */
import { describe, expect, it } from "vitest";
import { AgentEngine, type SourceChange } from "../../../src/agent/engine/index.js";
import { Codes } from "../../../src/diagnostics/codes.js";
import type { Diagnostic } from "../../../src/diagnostics/types.js";
import { loadSources } from "../../../src/model/load.js";
import { namespaceJson, podJson, put } from "./cluster.js";
import { source } from "./oracle.js";

const DUP = Codes.duplicateResource.code;
const web = podJson({ ns: "ns-a", name: "web", node: "n1", ip: "10.0.0.5", labels: { app: "web" } });
const profile = (name: string, labels: Record<string, string>): string => JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name }, spec: { labelsToApply: labels } });
const wep = JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "WorkloadEndpoint", metadata: { name: "web", namespace: "ns-a" }, spec: { node: "n1", pod: "web", ipNetworks: ["10.0.0.6/32"] } });

/** The full loader's duplicate diagnostics for these sources. */
function fullDuplicates(inForce: ReadonlyMap<string, string>): Diagnostic[] {
  return loadSources([...inForce].map(([f, t]) => source(f, t))).diagnostics.filter((d) => d.code === DUP);
}

function run(batches: readonly SourceChange[][]): { engine: Diagnostic[][]; full: Diagnostic[][] } {
  const engine = new AgentEngine({ node: "n1" });
  const inForce = new Map<string, string>();
  const out = { engine: [] as Diagnostic[][], full: [] as Diagnostic[][] };
  for (const b of batches) {
    for (const c of b) if (c.kind === "put") inForce.set(c.name, c.text);
    else inForce.delete(c.name);
    out.engine.push(engine.update(b).diagnostics.filter((d) => d.code === DUP));
    out.full.push(fullDuplicates(inForce));
  }
  return out;
}

describe("duplicate resources on the incremental path", () => {
  const base = [put("namespaces/ns-a", namespaceJson("ns-a", { team: "red" })), put("a/web", web)];

  it("two copies of one pod: reported when the second arrives and when either copy changes, as the full loader does", () => {
    const other = podJson({ ns: "ns-a", name: "web", node: "n1", ip: "10.0.0.7", labels: { app: "db" } });
    const r = run([base, [put("b/web", other)], [put("a/web", podJson({ ns: "ns-a", name: "web", node: "n1", ip: "10.0.0.8", labels: { app: "web" } }))], [{ kind: "delete", name: "b/web" }]]);
    expect(r.engine[0]).toEqual([]);
    expect(r.full[1]).toHaveLength(1);
    expect(r.engine[1]).toEqual(r.full[1]);
    expect(r.full[1]?.[0]).toMatchObject({ message: 'Pod "web" in namespace "ns-a" is defined more than once; neither copy is used', span: { file: "b/web" }, notes: [{ message: "first defined here", span: { file: "a/web" } }] });
    // The first copy changed: the diagnostic is located in b/web but points at a/web, so it is this batch's news too.
    expect(r.engine[2]).toEqual(r.full[2]);
    expect(r.engine[2]).toHaveLength(1);
    // Resolved: nothing to report.
    expect(r.engine[3]).toEqual([]);
    expect(r.full[3]).toEqual([]);
  });

  it("a Profile and a Namespace that define the same profile, in either order", () => {
    const r = run([base, [put("profiles/kns.ns-a", profile("kns.ns-a", { zone: "z1" }))], [put("namespaces/ns-a", namespaceJson("ns-a", { team: "blue" }))]]);
    expect(r.full[1]).toHaveLength(1);
    expect(r.full[1]?.[0]?.message).toContain('profile "kns.ns-a" is defined more than once');
    expect(r.engine[1]).toEqual(r.full[1]);
    expect(r.engine[2]).toEqual(r.full[2]);
  });

  it("a Profile and a ServiceAccount that define the same profile", () => {
    const sa = JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa1", namespace: "ns-a" } });
    const r = run([base, [put("sas/ns-a/sa1", sa)], [put("profiles/ksa", profile("ksa.ns-a.sa1", {}))]]);
    expect(r.engine[1]).toEqual([]);
    expect(r.full[2]).toHaveLength(1);
    expect(r.engine[2]).toEqual(r.full[2]);
  });

  it("a Pod and a WorkloadEndpoint with the same key", () => {
    const r = run([base, [put("weps/ns-a/web", wep)]]);
    expect(r.full[1]).toHaveLength(1);
    expect(r.full[1]?.[0]?.message).toContain("workload endpoint ns-a/web is defined twice");
    expect(r.engine[1]).toEqual(r.full[1]);
  });

  it("three copies: one diagnostic per extra copy, in the loader's order", () => {
    const r = run([[...base, put("b/web", web.replace("10.0.0.5", "10.0.0.6")), put("c/web", web.replace("10.0.0.5", "10.0.0.7"))]]);
    expect(r.full[0]).toHaveLength(2);
    expect(r.engine[0]).toEqual(r.full[0]);
  });
});
