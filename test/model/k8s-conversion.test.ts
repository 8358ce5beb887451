/**
 * Kubernetes NetworkPolicy → knp policy, field by field (reference/k8s-semantics.md §1.4, §2).
 * Each case is a spec and the expected types/selector/rules, compared without origins.
 */
import { describe, expect, it } from "vitest";
import { k8sSelectorToCalico, simplifyPorts } from "../../src/model/normalize/k8s-policy.js";
import type { Policy, Port, Rule } from "../../src/model/types.js";
import { k8sPolicy, load, withoutOrigins } from "./harness.js";

const none = { nets: [], notNets: [], ports: [], notPorts: [] };
const k8s = "projectcalico.org/orchestrator == 'k8s'";
const range = (first: number, last = first): Port => ({ kind: "range", first, last });
const named = (name: string): Port => ({ kind: "named", name });

function policyOf(spec: string): Policy {
  const r = load(k8sPolicy(spec));
  expect(r.diagnostics.filter((d) => d.severity !== "notice")).toEqual([]);
  expect(r.model.policies).toHaveLength(1);
  return (withoutOrigins(r.model) as { policies: Policy[] }).policies[0] as Policy;
}

function allowIn(source: Partial<Rule["source"]>, ports: Port[] = [], protocol?: Rule["protocol"]): Rule {
  return { action: "Allow", ...(protocol ? { protocol } : {}), source: { ...none, ...source }, destination: { ...none, ports }, annotations: {} };
}

function allowOut(destination: Partial<Rule["destination"]>, ports: Port[] = [], protocol?: Rule["protocol"]): Rule {
  return { action: "Allow", ...(protocol ? { protocol } : {}), source: none, destination: { ...none, ...destination, ports }, annotations: {} };
}

describe("policy identity and defaulting", () => {
  it("is a knp policy in the default tier at order 1000, keyed knp/<ns>/<name>", () => {
    const p = policyOf("  podSelector: {}\n");
    expect({ kind: p.policyKind, id: p.id, tier: p.tier, order: p.order, ns: p.namespace, name: p.name }).toEqual({
      kind: "knp",
      id: "knp/default/p",
      tier: "default",
      order: 1000,
      ns: "default",
      name: "p",
    });
  });

  it.each<[string, string, string[]]>([
    ["no policyTypes, no rules", "  podSelector: {}\n", ["Ingress"]],
    ["no policyTypes, ingress rules only", "  podSelector: {}\n  ingress: [{}]\n", ["Ingress"]],
    ["no policyTypes, egress rules → both (API defaulting)", "  podSelector: {}\n  egress: [{}]\n", ["Ingress", "Egress"]],
    ["explicit Egress only", "  podSelector: {}\n  policyTypes: [Egress]\n", ["Egress"]],
    ["explicit order is normalized", "  podSelector: {}\n  policyTypes: [Egress, Ingress]\n", ["Ingress", "Egress"]],
  ])("types: %s", (_n, spec, types) => {
    expect(policyOf(spec).types).toEqual(types);
  });

  it("drops ingress rules when policyTypes excludes Ingress, with a warning", () => {
    const r = load(k8sPolicy("  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n"));
    expect(r.model.policies[0]?.ingress).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([["PC4004", "warning"]]);
  });
});

describe("selectors", () => {
  it.each<[string, Parameters<typeof k8sSelectorToCalico>[0], "pod" | "namespace", string | undefined]>([
    ["absent pod selector", undefined, "pod", k8s],
    ["empty pod selector", {}, "pod", k8s],
    ["matchLabels sorted by key", { matchLabels: { b: "2", a: "1" } }, "pod", `${k8s} && a == '1' && b == '2'`],
    [
      "matchExpressions in order, after labels",
      {
        matchLabels: { z: "9" },
        matchExpressions: [
          { key: "tier", operator: "NotIn", values: ["x", "y"] },
          { key: "app", operator: "In", values: ["a"] },
          { key: "e", operator: "Exists" },
          { key: "d", operator: "DoesNotExist" },
        ],
      },
      "pod",
      `${k8s} && z == '9' && tier not in { 'x', 'y' } && app in { 'a' } && has(e) && ! has(d)`,
    ],
    ["absent namespace selector", undefined, "namespace", undefined],
    ["empty namespace selector → all()", {}, "namespace", "all()"],
    ["namespace selector has no orchestrator term", { matchLabels: { team: "a" } }, "namespace", "team == 'a'"],
  ])("%s", (_n, sel, kind, expected) => {
    expect(k8sSelectorToCalico(sel, kind)).toBe(expected);
  });

  it("the policy selector comes from podSelector", () => {
    expect(policyOf("  podSelector:\n    matchLabels: {app: web}\n").selector).toBe(`${k8s} && app == 'web'`);
  });
});

describe("rules", () => {
  it.each<[string, string, Rule[]]>([
    ["ingress: [{}] allows everything (no protocol)", "  podSelector: {}\n  ingress: [{}]\n", [allowIn({})]],
    ["ingress: [] allows nothing", "  podSelector: {}\n  ingress: []\n", []],
    [
      "podSelector peer (policy namespace: no namespaceSelector)",
      "  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {run: client1}}\n",
      [allowIn({ selector: `${k8s} && run == 'client1'` })],
    ],
    [
      "namespaceSelector-only peer keeps the orchestrator term",
      "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: a}}\n",
      [allowIn({ selector: k8s, namespaceSelector: "team == 'a'" })],
    ],
    [
      "both selectors in one peer",
      "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {}\n      podSelector: {matchLabels: {role: client}}\n",
      [allowIn({ selector: `${k8s} && role == 'client'`, namespaceSelector: "all()" })],
    ],
    [
      "ipBlock → nets/notNets, host bits masked, no selector",
      "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.1.2.3/16, except: [10.1.1.0/24]}\n",
      [allowIn({ nets: ["10.1.0.0/16"], notNets: ["10.1.1.0/24"] })],
    ],
    [
      "ports entry {} is every TCP port",
      "  podSelector: {}\n  ingress:\n  - ports: [{}]\n",
      [allowIn({}, [], "tcp")],
    ],
    [
      "protocol only: every port of that protocol",
      "  podSelector: {}\n  ingress:\n  - ports: [{protocol: UDP}]\n",
      [allowIn({}, [], "udp")],
    ],
    [
      "protocols grouped and sorted SCTP, TCP, UDP; adjacent ports merged",
      "  podSelector: {}\n  ingress:\n  - ports: [{port: 82}, {protocol: UDP, port: 53}, {port: 80}, {port: 81}, {protocol: SCTP, port: 9}]\n",
      [allowIn({}, [range(9)], "sctp"), allowIn({}, [range(80, 82)], "tcp"), allowIn({}, [range(53)], "udp")],
    ],
    [
      "an entry without port wins over specific ports of the same protocol",
      "  podSelector: {}\n  ingress:\n  - ports: [{port: 80}, {protocol: TCP}, {port: 443}]\n",
      [allowIn({}, [], "tcp")],
    ],
    [
      "endPort → range; named ports kept",
      "  podSelector: {}\n  ingress:\n  - ports: [{port: 8000, endPort: 8080}, {port: http}]\n",
      [allowIn({}, [named("http"), range(8000, 8080)], "tcp")],
    ],
    [
      "protocol groups × peers, protocol-major",
      "  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {a: x}}\n    - ipBlock: {cidr: 10.0.0.0/8}\n    ports: [{protocol: UDP, port: 53}, {port: 53}]\n",
      [
        allowIn({ selector: `${k8s} && a == 'x'` }, [range(53)], "tcp"),
        allowIn({ nets: ["10.0.0.0/8"] }, [range(53)], "tcp"),
        allowIn({ selector: `${k8s} && a == 'x'` }, [range(53)], "udp"),
        allowIn({ nets: ["10.0.0.0/8"] }, [range(53)], "udp"),
      ],
    ],
    [
      "egress: peer and ports both in destination",
      "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector: {}\n    ports: [{protocol: UDP, port: 53}]\n",
      [allowOut({ selector: k8s }, [range(53)], "udp")],
    ],
  ])("%s", (_n, spec, rules) => {
    const p = policyOf(spec);
    expect([...p.ingress, ...p.egress]).toEqual(rules);
  });
});

describe("simplifyPorts (Calico's SimplifyPorts)", () => {
  it.each<[string, Port[], Port[]]>([
    ["one port unchanged", [range(80)], [range(80)]],
    ["single numeric with named: original order kept", [named("a"), range(80)], [named("a"), range(80)]],
    ["named first, numbers sorted and merged", [range(90), named("b"), range(80, 85), range(86), named("a")], [named("b"), named("a"), range(80, 86), range(90)]],
    ["overlaps and duplicates merge", [range(10, 20), range(15, 30), range(10, 20)], [range(10, 30)]],
    ["gaps stay separate", [range(1), range(3)], [range(1), range(3)]],
  ])("%s", (_n, input, expected) => {
    expect(simplifyPorts(input)).toEqual(expected);
  });
});
