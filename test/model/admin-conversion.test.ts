/** AdminNetworkPolicy / BaselineAdminNetworkPolicy → policies in Calico's admin tiers. */
import { describe, expect, it } from "vitest";
import { load } from "./harness.js";

const anp = (name: string, priority: number, action: string) => `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: ${name}}
spec:
  priority: ${priority}
  subject: {pods: {namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: db}}}}
  ingress:
  - {action: ${action}, from: [{namespaces: {}}]}
---
`;
const banp = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress:
  - action: Deny
    to: [{networks: [10.0.0.0/8, 192.168.0.0/16]}]
`;

describe("admin policy conversion", () => {
  const { model, diagnostics } = load(anp("b", 5, "Pass") + anp("a", 5, "Deny") + anp("c", 1, "Allow") + banp);
  it("loads without diagnostics", () => expect(diagnostics).toEqual([]));
  it("creates both admin tiers with Calico's orders and Pass default", () => {
    expect(model.tiers.map((t) => [t.name, t.order, t.defaultAction])).toEqual([
      ["adminnetworkpolicy", 1000, "Pass"],
      ["baselineadminnetworkpolicy", 10_000_000, "Pass"],
      ["default", 1_000_000, "Deny"],
    ]);
  });
  it("maps priority to order and keeps actions", () => {
    const anps = model.policies.filter((p) => p.tier === "adminnetworkpolicy");
    expect(anps.map((p) => [p.name, p.order, p.ingress.map((r) => r.action)])).toEqual([
      ["kanp.adminnetworkpolicy.a", 5, ["Deny"]],
      ["kanp.adminnetworkpolicy.b", 5, ["Pass"]],
      ["kanp.adminnetworkpolicy.c", 1, ["Allow"]],
    ]);
    expect(anps[0]?.selector).toBe("projectcalico.org/orchestrator == 'k8s' && app == 'db'");
    expect(anps[0]?.namespaceSelector).toBe("team == 'a'");
    expect(anps[0]?.types).toEqual(["Ingress"]);
  });
  it("turns the BANP's networks into one Deny rule per CIDR", () => {
    const b = model.policies.find((p) => p.tier === "baselineadminnetworkpolicy");
    expect(b?.name).toBe("kbanp.baselineadminnetworkpolicy.default");
    expect(b?.namespaceSelector).toBe("all()");
    expect(b?.types).toEqual(["Egress"]);
    expect(b?.egress.map((r) => [r.action, r.destination.nets])).toEqual([
      ["Deny", ["10.0.0.0/8"]],
      ["Deny", ["192.168.0.0/16"]],
    ]);
  });
});
