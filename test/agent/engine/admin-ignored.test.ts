/**
 * The agent follows Calico v3.32: an AdminNetworkPolicy or BaselineAdminNetworkPolicy in a
 * watched source is validated and reported (PC4020) but changes nothing in the desired state,
 * while the ClusterNetworkPolicy that `convert` makes of it is enforced.
 */
import { describe, expect, it } from "vitest";
import { AgentEngine } from "../../../src/agent/engine/index.js";
import { convertSource } from "../../../src/convert/index.js";
import { namespaceJson, namespaceKey, podJson, podKey, put } from "./cluster.js";
import { Oracle, restoreOf } from "./oracle.js";

const anp = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-all}
spec:
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
`;

describe("AgentEngine and AdminNetworkPolicy", () => {
  const base = [put(namespaceKey("default"), namespaceJson("default", {})), put(podKey("default", "web"), podJson({ ns: "default", name: "web", node: "n1", ip: "10.0.0.5", labels: { app: "web" } }))];

  it("an ANP changes nothing and is reported with PC4020", () => {
    const engine = new AgentEngine({ node: "n1" });
    const oracle = new Oracle("n1");
    engine.update(base);
    oracle.apply(base);
    const before = engine.current();
    const u = engine.update([put("admin.yaml", anp)]);
    expect(u.rejected).toEqual([]);
    expect(restoreOf(u.desired)).toBe(restoreOf(before));
    expect(restoreOf(u.desired)).toBe(oracle.restore());
    expect(u.diagnostics.map((d) => d.code)).toContain("PC4020");
  });

  it("its converted ClusterNetworkPolicy is enforced (kube-admin tier, kcnp chain)", () => {
    const engine = new AgentEngine({ node: "n1" });
    engine.update(base);
    const cnp = convertSource({ file: "admin.yaml", text: anp }).text;
    const u = engine.update([put("admin.yaml", cnp)]);
    expect(u.rejected).toEqual([]);
    const restore = restoreOf(u.desired);
    expect(restore).toContain(":cali-pi-kcnp/deny-all - -");
    expect(restore).toContain("Start of tier kube-admin");
  });
});
