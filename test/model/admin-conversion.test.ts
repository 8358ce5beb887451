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
      ["kube-admin", 1000, "Pass"],
      ["kube-baseline", 10_000_000, "Pass"],
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
  it("turns a networks peer into ONE Deny rule with all its CIDRs, in order (as Calico does)", () => {
    const b = model.policies.find((p) => p.tier === "baselineadminnetworkpolicy");
    expect(b?.name).toBe("kbanp.baselineadminnetworkpolicy.default");
    expect(b?.namespaceSelector).toBe("all()");
    expect(b?.types).toEqual(["Egress"]);
    expect(b?.egress.map((r) => [r.action, r.destination.nets])).toEqual([["Deny", ["10.0.0.0/8", "192.168.0.0/16"]]]);
  });
  it("annotates every rule made from a named ANP rule with name=<rule name>, as Calico does", () => {
    const { model: named } = load(`apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: named}
spec:
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - name: deny-from-b
    action: Deny
    from: [{namespaces: {matchLabels: {team: b}}}, {namespaces: {matchLabels: {team: c}}}]
`);
    expect(named.policies[0]?.ingress.map((r) => r.annotations)).toEqual([{ name: "deny-from-b" }, { name: "deny-from-b" }]);
  });
  it("gives a namespaces peer a namespaceSelector and no pod selector (no orchestrator term)", () => {
    const a = model.policies.find((p) => p.name === "kanp.adminnetworkpolicy.a");
    expect(a?.ingress[0]?.source.namespaceSelector).toBe("all()");
    expect(a?.ingress[0]?.source.selector).toBeUndefined();
  });
});

describe("admin policy ports and peers (libcalico-go's conversion)", () => {
  const { model, diagnostics } = load(`apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: ports}
spec:
  priority: 7
  subject: {namespaces: {matchLabels: {team: a}}}
  egress:
  - action: Deny
    to:
    - namespaces: {matchLabels: {k3: v3}}
    - pods: {namespaceSelector: {matchLabels: {k4: v4}}, podSelector: {matchLabels: {k5: v5}}}
    - networks: [10.10.10.7/24, 1.1.1.1/32]
    ports:
    - portNumber: {port: 80}
    - portRange: {protocol: UDP, start: 20, end: 30}
    - namedPort: web
`);
  const egress = model.policies[0]?.egress ?? [];
  it("loads without diagnostics", () => expect(diagnostics).toEqual([]));
  it("is protocol-major, then one rule per peer; a namedPort joins the TCP rule", () => {
    expect(egress.map((r) => [r.protocol, r.destination.namespaceSelector ?? null, r.destination.selector ?? null, r.destination.nets])).toEqual([
      ["tcp", "k3 == 'v3'", null, []],
      ["tcp", "k4 == 'v4'", "projectcalico.org/orchestrator == 'k8s' && k5 == 'v5'", []],
      ["tcp", null, null, ["10.10.10.0/24", "1.1.1.1/32"]],
      ["udp", "k3 == 'v3'", null, []],
      ["udp", "k4 == 'v4'", "projectcalico.org/orchestrator == 'k8s' && k5 == 'v5'", []],
      ["udp", null, null, ["10.10.10.0/24", "1.1.1.1/32"]],
    ]);
  });
  it("has no rule annotations for a rule without a name", () => {
    expect(egress.map((r) => r.annotations)).toEqual(egress.map(() => ({})));
  });
  it("keeps the named port and the numeric port in one TCP port list, the range in the UDP one", () => {
    expect(egress[0]?.destination.ports).toEqual([
      { kind: "range", first: 80, last: 80 },
      { kind: "named", name: "web" },
    ]);
    expect(egress[3]?.destination.ports).toEqual([{ kind: "range", first: 20, last: 30 }]);
  });
});
