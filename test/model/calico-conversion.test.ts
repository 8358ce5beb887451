/** Calico v3 resources → model, field by field. */
import { describe, expect, it } from "vitest";
import type { Model, Policy, Rule } from "../../src/model/types.js";
import { calicoPolicy, load, withoutOrigins } from "./harness.js";

const none = { nets: [], notNets: [], ports: [], notPorts: [] };

function modelOf(text: string): Model {
  const r = load(text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return withoutOrigins(r.model) as Model;
}

function policyOf(spec: string): Policy {
  return modelOf(calicoPolicy(spec)).policies[0] as Policy;
}

function ruleOf(ruleYaml: string): Rule {
  return policyOf(`  ingress:\n  - ${ruleYaml.trim().split("\n").join("\n    ")}\n`).ingress[0] as Rule;
}

describe("Calico NetworkPolicy defaulting", () => {
  it.each<[string, string, Partial<Policy>]>([
    ["no rules → [Ingress]", "  selector: all()\n", { types: ["Ingress"] }],
    ["egress rules only → [Egress] (Calico, not Kubernetes)", "  egress:\n  - action: Allow\n", { types: ["Egress"] }],
    ["both → [Ingress, Egress]", "  ingress:\n  - action: Deny\n  egress:\n  - action: Allow\n", { types: ["Ingress", "Egress"] }],
    ["explicit types kept", "  types: [Egress, Ingress]\n", { types: ["Ingress", "Egress"] }],
    ["no tier → default; no order → undefined; no selector → \"\"", "  types: [Ingress]\n", { tier: "default", selector: "" }],
    ["order kept as a float", "  order: 10.5\n", { order: 10.5 }],
  ])("%s", (_n, spec, expected) => {
    expect(policyOf(spec)).toMatchObject(expected);
  });

  it("ids: np/<ns>/<name> and gnp/<name>", () => {
    const m = modelOf(`${calicoPolicy("  selector: all()\n", "a")}---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  namespaceSelector: team == 'x'\n  applyOnForward: true\n  doNotTrack: true\n`);
    expect(m.policies.map((p) => [p.id, p.policyKind, p.namespace, p.order])).toEqual([
      ["gnp/g", "gnp", undefined, undefined],
      ["np/default/a", "np", "default", undefined],
    ]);
    expect(m.policies[0]).toMatchObject({ namespaceSelector: "team == 'x'", applyOnForward: true, doNotTrack: true, preDNAT: false });
  });

  it("a policy in a defined tier", () => {
    const m = modelOf(`apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 100, defaultAction: Pass}\n---\n${calicoPolicy("  tier: security\n", "security.p")}`);
    expect(m.tiers).toEqual([
      { kind: "Tier", name: "default", order: 1_000_000, defaultAction: "Deny" },
      { kind: "Tier", name: "kube-admin", order: 1_000, defaultAction: "Pass" },
      { kind: "Tier", name: "kube-baseline", order: 10_000_000, defaultAction: "Pass" },
      { kind: "Tier", name: "security", order: 100, defaultAction: "Pass" },
    ]);
    expect(m.policies[0]?.tier).toBe("security");
  });
});

describe("Calico rules", () => {
  it.each<[string, string, Partial<Rule>]>([
    ["action only", "action: Deny", { action: "Deny", source: none, destination: none, annotations: {} }],
    ["protocol name lowercased", "action: Allow\nprotocol: UDPLite", { protocol: "udplite" }],
    ["protocol number", "action: Allow\nprotocol: 47", { protocol: 47 }],
    ["notProtocol", "action: Allow\nnotProtocol: TCP", { notProtocol: "tcp" }],
    ["ipVersion", "action: Allow\nipVersion: 6", { ipVersion: 6 }],
    ["icmp type and code", "action: Allow\nprotocol: ICMP\nicmp: {type: 3, code: 1}", { icmp: { type: 3, code: 1 } }],
    ["notICMP type", "action: Allow\nprotocol: ICMPv6\nnotICMP: {type: 128}", { notICMP: { type: 128 } }],
    [
      "ports: number, range, named; notPorts",
      "action: Allow\nprotocol: TCP\ndestination:\n  ports: [80, '8000:8080', http]\n  notPorts: ['81']",
      {
        destination: {
          ...none,
          ports: [
            { kind: "range", first: 80, last: 80 },
            { kind: "range", first: 8000, last: 8080 },
            { kind: "named", name: "http" },
          ],
          notPorts: [{ kind: "range", first: 81, last: 81 }],
        },
      },
    ],
    [
      "nets normalized (host bits masked), notNets",
      "action: Allow\nsource:\n  nets: [10.1.2.3/8, 192.168.0.0/16]\n  notNets: ['10.0.0.0/16']",
      { source: { ...none, nets: ["10.0.0.0/8", "192.168.0.0/16"], notNets: ["10.0.0.0/16"] } },
    ],
    [
      "IPv6 nets in RFC 5952 form",
      "action: Allow\ndestination:\n  nets: ['FD00:0:0:0:0:0:0:1/64', '2001:db8:0:0:1:0:0:1/128']",
      { destination: { ...none, nets: ["fd00::/64", "2001:db8::1:0:0:1/128"] } },
    ],
    [
      "selectors; empty selector means absent",
      "action: Allow\nsource:\n  selector: role == 'db'\n  notSelector: has(x)\n  namespaceSelector: all()\ndestination:\n  selector: ''",
      { source: { ...none, selector: "role == 'db'", notSelector: "has(x)", namespaceSelector: "all()" }, destination: none },
    ],
    [
      "serviceAccounts names and selector",
      "action: Allow\nsource:\n  serviceAccounts:\n    names: [api, web]\n    selector: tier == 'a'",
      { source: { ...none, serviceAccounts: { names: ["api", "web"], selector: "tier == 'a'" } } },
    ],
    ["annotations sorted by key", "action: Allow\nmetadata:\n  annotations: {z: '1', a: '2'}", { annotations: { a: "2", z: "1" } }],
  ])("%s", (_n, yaml, expected) => {
    expect(ruleOf(yaml)).toMatchObject(expected);
  });

  it("keeps the annotation order deterministic (sorted keys)", () => {
    expect(Object.keys(ruleOf("action: Allow\nmetadata:\n  annotations: {z: '1', a: '2'}").annotations)).toEqual(["a", "z"]);
  });
});

describe("profiles, network sets, endpoints", () => {
  it("a Profile keeps labelsToApply and its rules (the classic web profile)", () => {
    const m = modelOf("apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: web}\nspec:\n  labelsToApply: {web: ''}\n  ingress:\n  - action: Allow\n    source: {selector: has(web)}\n  egress:\n  - action: Allow\n");
    expect(m.profiles).toEqual([
      {
        kind: "Profile",
        name: "web",
        labelsToApply: { web: "" },
        ingress: [{ action: "Allow", source: { ...none, selector: "has(web)" }, destination: none, annotations: {} }],
        egress: [{ action: "Allow", source: none, destination: none, annotations: {} }],
      },
    ]);
  });

  it("namespaced NetworkSet gets the namespace labels; nets normalized, sorted, deduplicated", () => {
    const m = modelOf(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {env: prod}}\n---\napiVersion: projectcalico.org/v3\nkind: NetworkSet\nmetadata: {name: ext, namespace: prod, labels: {role: ext}}\nspec:\n  nets: [192.168.1.7/24, 10.0.0.1, 192.168.1.0/24, 'fd00::/8']\n---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: g}\nspec: {nets: [1.1.1.1/32]}\n",
    );
    expect(m.networkSets).toEqual([
      { kind: "NetworkSet", global: true, name: "g", labels: {}, nets: ["1.1.1.1/32"] },
      {
        kind: "NetworkSet",
        global: false,
        name: "ext",
        namespace: "prod",
        labels: {
          "pcns.env": "prod",
          "pcns.kubernetes.io/metadata.name": "prod",
          "pcns.projectcalico.org/name": "prod",
          "projectcalico.org/namespace": "prod",
          role: "ext",
        },
        nets: ["10.0.0.1/32", "192.168.1.0/24", "fd00::/8"],
      },
    ]);
  });

  it("a Calico WorkloadEndpoint with profiles inherits their labels (own labels win)", () => {
    const m = modelOf(
      "apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: web}\nspec: {labelsToApply: {web: '', tier: profile}}\n---\napiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: n1-k8s-w-eth0, namespace: default, labels: {tier: own}}\nspec:\n  node: n1\n  interfaceName: cali12345\n  ipNetworks: [10.0.0.5/32, 10.0.0.4]\n  profiles: [web]\n  ports: [{name: http, protocol: TCP, port: 8080}]\n",
    );
    expect(m.endpoints).toEqual([
      {
        kind: "WorkloadEndpoint",
        key: "default/n1-k8s-w-eth0",
        namespace: "default",
        name: "n1-k8s-w-eth0",
        node: "n1",
        interfaceName: "cali12345",
        ipNetworks: ["10.0.0.4/32", "10.0.0.5/32"],
        labels: { "projectcalico.org/namespace": "default", tier: "own", web: "" },
        profiles: ["web"],
        ports: [{ name: "http", protocol: "tcp", port: 8080 }],
      },
    ]);
  });

  it("a HostEndpoint", () => {
    const m = modelOf("apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h, labels: {role: gw}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [10.0.0.9, 10.0.0.1]}\n");
    expect(m.hostEndpoints).toEqual([
      { kind: "HostEndpoint", name: "h", node: "n1", interfaceName: "eth0", expectedIPs: ["10.0.0.1", "10.0.0.9"], labels: { role: "gw" }, profiles: [], ports: [] },
    ]);
  });
});
