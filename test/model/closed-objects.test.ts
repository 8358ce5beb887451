/**
 * Closed objects (schema/object-meta.ts): the fields Kubernetes defines but policy does not read
 * are accepted and dropped; anything else is an unknown field, never silently ignored; a
 * namespace on a cluster-scoped kind is ignored with a warning, as the API server clears it.
 */
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/load.js";

const load = (text: string) => loadSources([{ file: "t.yaml", text }]);
// PC4005 (a pod's namespace without a Namespace resource) is beside the point here.
const codes = (text: string) => load(text).diagnostics.filter((d) => d.code !== "PC4005").map((d) => `${d.severity} ${d.code} ${d.message}`);

describe("closed objects", () => {
  it.each([
    ["ObjectMeta bookkeeping on a Pod", "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default, uid: u-1, resourceVersion: '9', generation: 2, creationTimestamp: '2026-01-01T00:00:00Z', annotations: {x: z}, ownerReferences: [], finalizers: [], managedFields: [{manager: kubectl}], generateName: a-, labels: {app: web}}\nspec: {nodeName: node-1}\nstatus: {podIP: 10.0.0.1, conditions: [{type: Ready}]}\n"],
    ["a Namespace's spec and status", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nspec: {finalizers: [kubernetes]}\nstatus: {phase: Active}\n"],
    ["a ServiceAccount's secrets and token setting", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, namespace: default}\nautomountServiceAccountToken: false\nsecrets: [{name: s}]\nimagePullSecrets: []\n"],
    ["a NetworkPolicy's (old) status", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default, uid: u}\nspec: {podSelector: {}}\nstatus: {}\n"],
    ["ObjectMeta bookkeeping on a Calico policy", "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default, uid: u, resourceVersion: '3', creationTimestamp: '2026-01-01T00:00:00Z'}\nspec: {selector: all()}\n"],
    ["a ClusterNetworkPolicy's status and ObjectMeta bookkeeping", "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c, uid: u, resourceVersion: '4', annotations: {a: b}}\nspec: {tier: Admin, priority: 1, subject: {namespaces: {}}}\nstatus: {conditions: []}\n"],
  ])("accepts %s without a word", (_name, text) => {
    expect(codes(text)).toEqual([]);
  });

  it("refuses a misspelt spec on a ClusterNetworkPolicy, whose spec is required", () => {
    expect(codes("apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c}\nsepc: {tier: Admin, priority: 1, subject: {namespaces: {}}}\n")).toEqual([
      "error PC2007 missing required field spec: expected a mapping",
      'error PC2004 unknown field "sepc" (did you mean "spec"?)',
    ]);
  });

  it("drops what it accepts: the model carries none of it", () => {
    const { model } = load("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default, uid: u-1, managedFields: [{manager: kubectl}], labels: {app: web}}\nspec: {nodeName: node-1}\nstatus: {podIP: 10.0.0.1}\n");
    expect(JSON.stringify(model)).not.toMatch(/managedFields|u-1|kubectl/);
    expect(model.endpoints.map((e) => e.key)).toEqual(["default/a"]);
  });

  it.each([
    ["a misspelt spec on a Kubernetes NetworkPolicy", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default}\nsepc: {podSelector: {}}\n", 'error PC2004 unknown field "sepc" (did you mean "spec"?)'],
    ["a misspelt metadata field", "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default, label: {app: web}}\n", 'error PC2004 unknown field "label" in metadata (did you mean "labels"?)'],
    ["a field of another kind on a ServiceAccount", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, namespace: default}\nspec: {}\n", 'error PC2004 unknown field "spec"'],
    ["a misspelt field in a ClusterNetworkPolicy rule", "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c}\nspec: {tier: Admin, priority: 1, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}], protocol: [{tcp: {destinationPort: {number: 1}}}]}]}\n", 'error PC2004 unknown field "protocol" in spec.ingress[0] (did you mean "protocols"?)'],
    ["a misspelt Calico metadata field", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p, lables: {a: b}}\nspec: {selector: all()}\n", 'error PC2004 unknown field "lables" in metadata (did you mean "labels"?)'],
  ])("refuses %s", (_name, text, expected) => {
    const got = codes(text);
    expect(got).toHaveLength(1);
    expect(got[0]).toContain(expected);
  });

  it.each([
    ["Namespace", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, namespace: b}\n"],
    ["GlobalNetworkPolicy", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p, namespace: default}\nspec: {selector: all()}\n"],
    ["HostEndpoint", "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h, namespace: default}\nspec: {node: node-1, interfaceName: eth0}\n"],
  ])("a %s with metadata.namespace loads, with a PC4007 warning at the key", (kind, text) => {
    const { diagnostics } = load(text);
    expect(diagnostics.map((d) => [d.severity, d.code, d.message])).toEqual([["warning", "PC4007", `${kind} is cluster-scoped: metadata.namespace is ignored (the API server clears it); remove it`]]);
    expect(text.slice(diagnostics[0]?.span?.start, diagnostics[0]?.span?.end)).toBe("namespace");
  });
});
