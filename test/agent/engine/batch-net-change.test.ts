/**
 * A batch that puts a source to another text and back again (put A, put B, put A) leaves it
 * unchanged: nothing dirty, nothing rejected, and no diagnostic re-reported about it. The engine
 * law test found this (seed 199398464 at 9179410): the duplicate profile a namespace makes with a
 * Profile `kns.<ns>` was reported again for a namespace whose text had not changed, which the
 * from-scratch oracle (net change per source) does not report.
 */
import { describe, expect, it } from "vitest";
import { AgentEngine } from "../../../src/agent/engine/index.js";
import { namespaceJson, podJson, put } from "./cluster.js";
import { Oracle } from "./oracle.js";

const knsProfile = put("profiles/kns", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "kns.ns-a" }, spec: { labelsToApply: { team: "red" } } }));
const namespace = (team: string) => put("namespaces/ns-a", namespaceJson("ns-a", { team }));
const pod = put("pods/ns-a/p1", podJson({ ns: "ns-a", name: "p1", node: "n1", ip: "10.0.0.1", labels: {} }));

describe("a source put away and back within one batch", () => {
  it("is unchanged: its duplicate is not reported again, only the pod is new", () => {
    const engine = new AgentEngine({ node: "n1" });
    const oracle = new Oracle("n1");
    engine.update([knsProfile]);
    oracle.apply([knsProfile]);
    const second = engine.update([namespace("blue")]);
    oracle.apply([namespace("blue")]);
    expect(second.diagnostics.map((d) => `${d.code} ${d.span?.file}`)).toEqual(["PC3007 namespaces/ns-a"]);

    const batch = [namespace("red"), pod, namespace("blue")];
    const third = engine.update(batch);
    expect(third.rejected).toEqual(oracle.apply(batch));
    expect(third.diagnostics.filter((d) => d.code === "PC3007")).toEqual([]);
    expect(third.dirty.chains.length).toBeGreaterThan(0); // the pod's chains
  });

  it("a batch that only puts a source away and back changes nothing at all", () => {
    const engine = new AgentEngine({ node: "n1" });
    engine.update([namespace("blue"), pod]);
    const u = engine.update([namespace("red"), namespace("blue")]);
    expect(u.dirty).toEqual({ chains: [], ipsets: [], hooks: false });
    expect(u.rejected).toEqual([]);
    expect(u.diagnostics).toEqual([]);
  });
});
