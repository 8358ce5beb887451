/**
 * The first batch of an empty engine (start, restart) is one build (sources.ts applyFirstBatch):
 * it must accept, refuse and report exactly what the source-by-source path does. Each case feeds
 * one engine the whole batch at once and another the same changes one at a time (every change
 * after the first takes the source-by-source path), and compares what they hold and refuse.
 */
import { describe, expect, it } from "vitest";
import { AgentEngine, type SourceChange } from "../../../src/agent/engine/index.js";
import { applyFirstBatch } from "../../../src/agent/engine/sources.js";
import { namespaceJson, podJson, put } from "./cluster.js";
import { restoreOf } from "./oracle.js";

const ns = put("/k8s/namespaces/ns-a", namespaceJson("ns-a", { team: "a" }));
const pod = (name: string, ip: string, node = "n1") => put(`/k8s/pods/ns-a/${name}`, podJson({ ns: "ns-a", name, labels: { app: name }, node, ip }));
const policy = put(
  "/calico/resources/v3/projectcalico.org/networkpolicies/ns-a/allow",
  JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "NetworkPolicy", metadata: { name: "allow", namespace: "ns-a" }, spec: { selector: "app == 'web'", ingress: [{ action: "Allow", source: { selector: "app == 'client'" } }] } }),
);
/** Valid JSON and schema, refused by normalization on its own (a reserved label): PC3017. */
const reservedLabel = put(
  "/calico/resources/v3/projectcalico.org/networksets/ns-a/bad",
  JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "NetworkSet", metadata: { name: "bad", namespace: "ns-a", labels: { "projectcalico.org/namespace": "x" } }, spec: { nets: ["192.0.2.0/24"] } }),
);
const notJson = put("/k8s/pods/ns-a/broken", '{"apiVersion": "v1", "kind": "Pod", ');
const duplicate = put("/k8s/pods/ns-a/web-again", podJson({ ns: "ns-a", name: "web", labels: { app: "other" }, node: "n1", ip: "10.0.0.9" }));

function both(changes: readonly SourceChange[]) {
  const whole = new AgentEngine({ node: "n1" });
  const u = whole.update(changes);
  const single = new AgentEngine({ node: "n1" });
  const rejected: string[] = [];
  for (const c of changes) rejected.push(...single.update([c]).rejected);
  return { u, whole: restoreOf(u.desired), single: restoreOf(single.current()), rejected: [...new Set(rejected)].sort() };
}

describe("the first batch as one build", () => {
  it.each([
    ["all valid", [ns, pod("web", "10.0.0.1"), pod("client", "10.0.0.2", "n2"), policy], true],
    ["one text not JSON: refused, the rest in force", [ns, pod("web", "10.0.0.1"), notJson, policy], true],
    ["one refused by normalization alone (PC3017): the source-by-source path decides", [ns, pod("web", "10.0.0.1"), reservedLabel, policy], false],
    ["a duplicate: the source-by-source path decides", [ns, pod("web", "10.0.0.1"), duplicate, policy], false],
  ] as const)("%s", (_label, changes, oneBuild) => {
    expect(applyFirstBatch(new Map(), changes) !== null).toBe(oneBuild);
    const r = both(changes);
    expect(r.whole).toBe(r.single);
    expect(r.u.rejected).toEqual(r.rejected);
  });

  it("refuses what the source-by-source path refuses, with the same located diagnostics", () => {
    const r = both([ns, pod("web", "10.0.0.1"), notJson, reservedLabel]);
    expect(r.u.rejected).toEqual(["/calico/resources/v3/projectcalico.org/networksets/ns-a/bad", "/k8s/pods/ns-a/broken"]);
    expect(r.u.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.span?.file])).toEqual([
      ["PC1001", "/k8s/pods/ns-a/broken"],
      ["PC3017", "/calico/resources/v3/projectcalico.org/networksets/ns-a/bad"],
    ]);
  });

  it("a name put twice, or a delete, in the first batch takes the source-by-source path", () => {
    expect(applyFirstBatch(new Map(), [pod("web", "10.0.0.1"), pod("web", "10.0.0.2")])).toBeNull();
    expect(applyFirstBatch(new Map(), [ns, { kind: "delete", name: "x" }])).toBeNull();
  });
});
