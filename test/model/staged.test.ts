/**
 * Staged policies (calico-332.md §4): the three kinds load as snp/sgnp/sknp with their enforced
 * kind's conversion and `stagedAction` (default Set); Delete carries nothing but the identity
 * (and tier); a StagedKubernetesNetworkPolicy's policyTypes follow Calico's admission policy,
 * with a warning where that policy decides; in a tier a staged policy sorts after its enforced
 * namesake; promoteStaged replaces, adds and deletes.
 */
import { describe, expect, it } from "vitest";
import { promoteStaged, promotion } from "../../src/model/promote.js";
import type { Policy } from "../../src/model/types.js";
import { comparePolicies } from "../../src/resolve/ordering.js";
import { diagsOf, load } from "./harness.js";

const doc = (kind: string, spec: string, ns = true, name = "s"): string =>
  `apiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata:\n  name: ${name}\n${ns ? "  namespace: default\n" : ""}spec:\n${spec}`;
const policiesOf = (text: string): Policy[] => {
  const r = load(text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return [...r.model.policies];
};
const summary = (p: Policy) => ({ kind: p.policyKind, id: p.id, tier: p.tier, order: p.order, selector: p.selector, types: p.types, stagedAction: p.stagedAction, ingress: p.ingress.length, egress: p.egress.length });

describe("loading the staged kinds", () => {
  it.each([
    ["StagedNetworkPolicy", true, "  selector: app == 'a'\n  ingress: [{action: Allow}]\n", { kind: "snp", id: "snp/default/s", tier: "default", order: undefined, selector: "app == 'a'", types: ["Ingress"], stagedAction: "Set", ingress: 1, egress: 0 }],
    ["StagedGlobalNetworkPolicy", false, "  stagedAction: Learn\n  order: 5\n  egress: [{action: Deny}]\n", { kind: "sgnp", id: "sgnp/s", tier: "default", order: 5, selector: "", types: ["Egress"], stagedAction: "Learn", ingress: 0, egress: 1 }],
    [
      "StagedKubernetesNetworkPolicy",
      true,
      "  stagedAction: Ignore\n  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Ingress]\n  ingress: [{}]\n",
      { kind: "sknp", id: "sknp/default/s", tier: "default", order: 1000, selector: "projectcalico.org/orchestrator == 'k8s' && app == 'a'", types: ["Ingress"], stagedAction: "Ignore", ingress: 1, egress: 0 },
    ],
  ])("%s", (kind, ns, spec, want) => {
    expect(policiesOf(doc(kind, spec, ns)).map(summary)).toEqual([want]);
  });

  it("reads staged List kinds", () => {
    const item = (name: string, spec: string) => `- apiVersion: projectcalico.org/v3\n  kind: StagedNetworkPolicy\n  metadata: {name: ${name}, namespace: x}\n  spec: ${spec}\n`;
    const text = `apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicyList\nitems:\n${item("a", "{selector: all()}")}${item("b", "{stagedAction: Delete}")}`;
    expect(policiesOf(text).map((p) => [p.id, p.stagedAction])).toEqual([
      ["snp/x/a", "Set"],
      ["snp/x/b", "Delete"],
    ]);
  });

  it("refuses an empty or repeated policyTypes on a StagedKubernetesNetworkPolicy (the CRD's set of 1-2 items)", () => {
    expect(diagsOf(doc("StagedKubernetesNetworkPolicy", "  podSelector: {}\n  policyTypes: []\n"))).toEqual([{ code: "PC2006", line: 8, column: 16 }]);
    expect(diagsOf(doc("StagedKubernetesNetworkPolicy", "  podSelector: {}\n  policyTypes: [Ingress, Ingress]\n"))).toEqual([{ code: "PC3012", line: 8, column: 26 }]);
  });

  it("refuses an unknown stagedAction and unknown fields like the enforced kind", () => {
    expect(diagsOf(doc("StagedNetworkPolicy", "  stagedAction: Remove\n")).map((d) => d.code)).toEqual(["PC2006"]);
    expect(diagsOf(doc("StagedGlobalNetworkPolicy", "  namespaceSelectr: all()\n", false)).map((d) => d.code)).toEqual(["PC2004"]);
    expect(diagsOf(doc("StagedGlobalNetworkPolicy", "  preDNAT: true\n", false)).map((d) => d.code)).toEqual(["PC3015"]);
  });

  it("a staged kind under another apiVersion is an unknown kind, with the right apiVersion as hint", () => {
    const r = load("apiVersion: networking.k8s.io/v1\nkind: StagedKubernetesNetworkPolicy\nmetadata: {name: s, namespace: default}\n");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["PC2003"]);
  });
});

describe("stagedAction Delete", () => {
  it.each([
    ["StagedNetworkPolicy", true, "  stagedAction: Delete\n  tier: default\n"],
    ["StagedNetworkPolicy", true, "  stagedAction: Delete\n  types: [Ingress]\n  selector: ''\n"],
    ["StagedGlobalNetworkPolicy", false, "  stagedAction: Delete\n  doNotTrack: false\n"],
    ["StagedKubernetesNetworkPolicy", true, "  stagedAction: Delete\n"],
    ["StagedKubernetesNetworkPolicy", true, "  stagedAction: Delete\n  podSelector: {}\n"],
  ])("%s accepts zero values (%#)", (kind, ns, spec) => {
    expect(diagsOf(doc(kind, spec, ns))).toEqual([]);
  });

  it.each([
    ["StagedNetworkPolicy", true, "  stagedAction: Delete\n  order: 10\n", [{ code: "PC3080", line: 8, column: 3 }]],
    ["StagedNetworkPolicy", true, "  stagedAction: Delete\n  ingress: []\n  egress: [{action: Allow}]\n", [{ code: "PC3080", line: 8, column: 3 }, { code: "PC3080", line: 9, column: 3 }]],
    ["StagedGlobalNetworkPolicy", false, "  stagedAction: Delete\n  namespaceSelector: all()\n", [{ code: "PC3080", line: 7, column: 3 }]],
    ["StagedKubernetesNetworkPolicy", true, "  stagedAction: Delete\n  podSelector: {matchLabels: {a: b}}\n", [{ code: "PC3080", line: 8, column: 3 }]],
    ["StagedKubernetesNetworkPolicy", true, "  stagedAction: Delete\n  ingress: []\n", [{ code: "PC3080", line: 8, column: 3 }]],
  ])("%s refuses spec fields (%#)", (kind, ns, spec, want) => {
    expect(diagsOf(doc(kind, spec, ns))).toEqual(want);
  });

  it("words the errors as Calico does", () => {
    const calico = load(doc("StagedNetworkPolicy", "  stagedAction: Delete\n  selector: all()\n")).diagnostics[0]?.message;
    expect(calico).toMatch(/^Spec fields, except Tier, should all be zero-value if stagedAction is Delete: found spec\.selector/);
    const k8s = load(doc("StagedKubernetesNetworkPolicy", "  stagedAction: Delete\n  policyTypes: [Egress]\n")).diagnostics[0]?.message;
    expect(k8s).toMatch(/^Spec fields should all be zero-value if stagedAction is Delete: found spec\.policyTypes/);
  });
});

describe("StagedKubernetesNetworkPolicy policyTypes (Calico's admission policy, not the API server's defaulting)", () => {
  it.each([
    ["no egress field", "  podSelector: {}\n  ingress: [{}]\n", ["Ingress"], []],
    ["egress rules", "  podSelector: {}\n  egress: [{}]\n", ["Ingress", "Egress"], ["PC4030"]],
    // Kubernetes would give [Ingress] here (egress is empty); the admission policy's has() says present.
    ["an empty egress list", "  podSelector: {}\n  egress: []\n", ["Ingress", "Egress"], ["PC4030"]],
    ["explicit policyTypes", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{}]\n", ["Egress"], []],
  ])("%s", (_name, spec, types, codes) => {
    const r = load(doc("StagedKubernetesNetworkPolicy", spec));
    expect(r.model.policies.map((p) => p.types)).toEqual([types]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(codes);
  });

  it("the enforced Kubernetes kind keeps the API server's defaulting for the same spec", () => {
    const r = load("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: s, namespace: default}\nspec:\n  podSelector: {}\n  egress: []\n");
    expect(r.model.policies.map((p) => p.types)).toEqual([["Ingress"]]);
  });
});

describe("order within a tier", () => {
  it("puts every staged policy after its enforced namesake (kind strings compared byte-wise)", () => {
    const text = [
      doc("StagedNetworkPolicy", "  order: 1000\n", true, "foo"),
      doc("NetworkPolicy", "  order: 1000\n", true, "foo"),
      doc("StagedKubernetesNetworkPolicy", "  podSelector: {}\n", true, "foo"),
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: foo, namespace: default}\nspec: {podSelector: {}}\n",
      doc("StagedGlobalNetworkPolicy", "  order: 1000\n", false, "foo"),
      doc("GlobalNetworkPolicy", "  order: 1000\n", false, "foo"),
    ].join("---\n");
    const sorted = policiesOf(text).sort(comparePolicies).map((p) => p.id);
    expect(sorted).toEqual(["gnp/foo", "sgnp/foo", "knp/default/foo", "np/default/foo", "sknp/default/foo", "snp/default/foo"]);
  });
});

describe("promoteStaged", () => {
  const cluster = [
    doc("NetworkPolicy", "  selector: app == 'old'\n", true, "web"),
    doc("StagedNetworkPolicy", "  selector: app == 'new'\n  tier: default\n", true, "web"),
    doc("StagedGlobalNetworkPolicy", "  stagedAction: Learn\n  selector: all()\n", false, "added"),
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: gone, namespace: default}\nspec: {podSelector: {}}\n",
    doc("StagedKubernetesNetworkPolicy", "  stagedAction: Delete\n", true, "gone"),
    doc("StagedNetworkPolicy", "  stagedAction: Delete\n", true, "nothing-to-delete"),
    doc("GlobalNetworkPolicy", "  selector: all()\n", false, "kept"),
  ].join("---\n");

  it("replaces, adds and deletes enforced namesakes and drops every staged policy", () => {
    const model = load(cluster).model;
    const p = promotion(model);
    expect(p.model.policies.map((x) => [x.id, x.selector, x.stagedAction])).toEqual([
      ["gnp/added", "all()", undefined],
      ["gnp/kept", "all()", undefined],
      ["np/default/web", "app == 'new'", undefined],
    ]);
    expect([...p.promoted.keys()]).toEqual(["gnp/added", "np/default/web"]);
    expect([...p.replaced.keys()]).toEqual(["np/default/web"]);
    expect([...p.deleted.keys()]).toEqual(["knp/default/gone"]);
    // The promoted policy keeps the staged object's origin, so explain names its file:line.
    expect(p.model.policies.find((x) => x.id === "np/default/web")?.origin).toEqual(model.policies.find((x) => x.id === "snp/default/web")?.origin);
    expect(p.model.tiers).toBe(model.tiers);
    expect(p.model.endpoints).toBe(model.endpoints);
  });

  it("leaves a model without staged policies equal", () => {
    const model = load(doc("NetworkPolicy", "  selector: all()\n")).model;
    expect(promoteStaged(model)).toEqual(model);
  });
});
