/**
 * Calico v3.32 removed AdminNetworkPolicy and BaselineAdminNetworkPolicy (#11144): they are still
 * loaded and validated (so `convert` rewrites only valid ones), but they make no policy and no
 * tier, each gets a PC4020 warning naming the command that rewrites it, and the v3.31 tiers
 * `adminnetworkpolicy` / `baselineadminnetworkpolicy` are ordinary tiers again.
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostics } from "../../src/diagnostics/index.js";
import { load } from "./harness.js";

const ANP = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-b}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - action: Deny
    from: [{namespaces: {matchLabels: {team: b}}}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress:
  - action: Deny
    to: [{networks: [0.0.0.0/0]}]
`;

describe("AdminNetworkPolicy and BaselineAdminNetworkPolicy in v3.32", () => {
  const { model, diagnostics } = load(ANP, "admin/anp.yaml");

  it("make no policy and no tier", () => {
    expect(model.policies).toEqual([]);
    // Only the static tiers Calico v3.32 always creates.
    expect(model.tiers.map((t) => t.name)).toEqual(["default", "kube-admin", "kube-baseline"]);
  });

  it("warn once per resource, at the resource, naming ClusterNetworkPolicy and the convert command", () => {
    expect(formatDiagnostics(diagnostics, [{ file: "admin/anp.yaml", text: ANP }])).toBe(
      [
        'admin/anp.yaml:1:1: warning PC4020: AdminNetworkPolicy "deny-b" is not enforced: Calico v3.32 removed AdminNetworkPolicy in favour of ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2); rewrite it with `policy-compile convert -f admin/anp.yaml`',
        "  apiVersion: policy.networking.k8s.io/v1alpha1",
        "  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        'admin/anp.yaml:11:1: warning PC4020: BaselineAdminNetworkPolicy "default" is not enforced: Calico v3.32 removed BaselineAdminNetworkPolicy in favour of ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2); rewrite it with `policy-compile convert -f admin/anp.yaml`',
        "  apiVersion: policy.networking.k8s.io/v1alpha1",
        "  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "",
      ].join("\n"),
    );
  });

  it("are still validated: an invalid ANP is an error, not only the warning", () => {
    const bad = ANP.replace("priority: 10", "priority: 1001");
    expect(load(bad).diagnostics.map((d) => d.code)).toEqual(["PC3019", "PC4020"]);
  });

  it("no longer reserve the v3.31 tiers: Tiers named adminnetworkpolicy and baselineadminnetworkpolicy are ordinary", () => {
    const tiers = `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: adminnetworkpolicy}
spec: {order: 5, defaultAction: Deny}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: baselineadminnetworkpolicy}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: in-old-tier}
spec: {tier: adminnetworkpolicy, order: 1, selector: all(), ingress: [{action: Allow}]}
`;
    const r = load(tiers);
    expect(r.diagnostics).toEqual([]);
    expect(r.model.tiers.map((t) => [t.name, t.order, t.defaultAction])).toEqual([
      ["adminnetworkpolicy", 5, "Deny"],
      ["baselineadminnetworkpolicy", 1_000_000, "Deny"], // no order: 1,000,000, as Calico's Kubernetes datastore reads it
      ["default", 1_000_000, "Deny"],
      ["kube-admin", 1_000, "Pass"],
      ["kube-baseline", 10_000_000, "Pass"],
    ]);
    expect(r.model.policies.map((p) => [p.id, p.tier])).toEqual([["gnp/in-old-tier", "adminnetworkpolicy"]]);
  });
});
