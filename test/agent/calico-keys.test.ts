/** Calico's etcd key layout: which keys are policy resources, and values that contradict their key. */
import { describe, expect, it } from "vitest";
import { classifyKey, keyMismatch } from "../../src/agent/sources/calico-keys.js";

const R = "/calico/resources/v3/projectcalico.org";

describe("classifyKey", () => {
  it.each([
    [`${R}/networkpolicies/default/allow-80`, { kind: "resource", resourceKind: "NetworkPolicy", namespace: "default", name: "allow-80" }],
    [`${R}/globalnetworkpolicies/deny-all`, { kind: "resource", resourceKind: "GlobalNetworkPolicy", namespace: null, name: "deny-all" }],
    [`${R}/tiers/security`, { kind: "resource", resourceKind: "Tier", namespace: null, name: "security" }],
    [`${R}/profiles/kns.default`, { kind: "resource", resourceKind: "Profile", namespace: null, name: "kns.default" }],
    [`${R}/networksets/prod/db`, { kind: "resource", resourceKind: "NetworkSet", namespace: "prod", name: "db" }],
    [`${R}/globalnetworksets/blocklist`, { kind: "resource", resourceKind: "GlobalNetworkSet", namespace: null, name: "blocklist" }],
    [`${R}/workloadendpoints/default/node1-k8s-web-eth0`, { kind: "resource", resourceKind: "WorkloadEndpoint", namespace: "default", name: "node1-k8s-web-eth0" }],
    [`${R}/hostendpoints/node1-eth0`, { kind: "resource", resourceKind: "HostEndpoint", namespace: null, name: "node1-eth0" }],
    [`${R}/stagednetworkpolicies/default/web`, { kind: "resource", resourceKind: "StagedNetworkPolicy", namespace: "default", name: "web" }],
    [`${R}/stagedglobalnetworkpolicies/guard`, { kind: "resource", resourceKind: "StagedGlobalNetworkPolicy", namespace: null, name: "guard" }],
    [`${R}/stagedkubernetesnetworkpolicies/default/web`, { kind: "resource", resourceKind: "StagedKubernetesNetworkPolicy", namespace: "default", name: "web" }],
    [`${R}/ippools/default-ipv4-ippool`, { kind: "skip", reason: "kind ippools is not policy" }],
    [`${R}/networkpolicies/allow-80`, { kind: "skip", reason: "a networkpolicies key has <namespace>/<name> after the kind" }],
    [`${R}/tiers/a/b`, { kind: "skip", reason: "a tiers key has <name> after the kind" }],
    ["/calico/felix/v2/config", { kind: "skip", reason: "outside the resource root" }],
    [`${R}/workloadendpoints/default/w\n-F INPUT`, { kind: "skip", reason: "a workloadendpoints key whose name has characters no Calico name has" }],
    [`${R}/profiles/a b`, { kind: "skip", reason: "a profiles key whose name has characters no Calico name has" }],
    [`${R}/tiers/t"1`, { kind: "skip", reason: "a tiers key whose name has characters no Calico name has" }],
  ])("%s", (key, verdict) => {
    expect(classifyKey("/calico", key)).toEqual(verdict);
  });

  it("honours another prefix", () => {
    expect(classifyKey("/other", `/other/resources/v3/projectcalico.org/tiers/t`)).toMatchObject({ kind: "resource", name: "t" });
    expect(classifyKey("/other", `${R}/tiers/t`)).toMatchObject({ kind: "skip" });
  });
});

describe("keyMismatch", () => {
  const np = { kind: "resource", resourceKind: "NetworkPolicy", namespace: "prod", name: "a" } as const;
  it.each([
    ['{"kind":"NetworkPolicy","metadata":{"name":"a","namespace":"prod"}}', null],
    ['{"kind":"GlobalNetworkPolicy","metadata":{"name":"a"}}', "the key names a NetworkPolicy prod/a but the value is a GlobalNetworkPolicy"],
    ['{"kind":"NetworkPolicy","metadata":{"name":"b","namespace":"prod"}}', 'the key names NetworkPolicy prod/a but metadata.name is "b"'],
    ['{"kind":"NetworkPolicy","metadata":{"name":"a"}}', 'the key names NetworkPolicy prod/a but metadata.namespace is "default"'],
    ["not json: the loader reports it where it is", null],
  ])("%s", (text, want) => {
    expect(keyMismatch(np, text)).toBe(want);
  });
});
