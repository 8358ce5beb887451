/**
 * ClusterNetworkPolicy → kcnp policy, as libcalico-go v3.32.1 converts it (calico-332.md §2.2–§2.6):
 * the tier and order, the subject's selectors, rule expansion (SimplifyPorts, protocol keys
 * sorted "" < SCTP < TCP < UDP, protocol-major cross product, the `name` annotation), the fail-closed
 * rules and the policies Felix rejects; and the laws of the expansion over random protocol lists.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Policy, Port, Rule } from "../../src/model/types.js";
import { load } from "./harness.js";
import { cnp } from "./cnp-diagnostics-cases.js";

function policyOf(text: string): Policy | undefined {
  const { model, diagnostics } = load(text);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return model.policies.find((p) => p.policyKind === "kcnp");
}

const ruleShape = (r: Rule) => ({
  action: r.action,
  protocol: r.protocol,
  ports: r.destination.ports.map((p) => (p.kind === "named" ? p.name : p.first === p.last ? `${p.first}` : `${p.first}:${p.last}`)),
  peer: r.source.namespaceSelector ?? r.destination.namespaceSelector ?? (r.destination.nets.length > 0 ? r.destination.nets.join(",") : undefined),
  annotations: r.annotations,
});

describe("policy level", () => {
  it.each([
    ["Admin", "kube-admin"],
    ["Baseline", "kube-baseline"],
  ])("tier %s → %s, order = priority, id kcnp/<name>", (tier, calicoTier) => {
    const p = policyOf(cnp("  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n", `  tier: ${tier}\n  priority: 0\n  subject: {namespaces: {}}\n`, "x"));
    expect([p?.id, p?.name, p?.namespace, p?.tier, p?.order]).toEqual(["kcnp/x", "x", undefined, calicoTier, 0]);
  });

  it.each([
    ["namespaces: {}", "{namespaces: {}}", "projectcalico.org/orchestrator == 'k8s'", "all()"],
    ["namespaces with labels, sorted", "{namespaces: {matchLabels: {b: '2', a: '1'}}}", "projectcalico.org/orchestrator == 'k8s'", "a == '1' && b == '2'"],
    ["pods without namespaceSelector: every namespace", "{pods: {podSelector: {matchLabels: {app: x}}}}", "projectcalico.org/orchestrator == 'k8s' && app == 'x'", "all()"],
    ["pods with an empty podSelector", "{pods: {namespaceSelector: {matchLabels: {t: r}}, podSelector: {}}}", "projectcalico.org/orchestrator == 'k8s'", "t == 'r'"],
    [
      "expressions in order after labels",
      "{pods: {podSelector: {matchLabels: {z: '1'}, matchExpressions: [{key: b, operator: NotIn, values: [x, 'y']}, {key: a, operator: Exists}, {key: c, operator: DoesNotExist}]}}}",
      "projectcalico.org/orchestrator == 'k8s' && z == '1' && b not in { 'x', 'y' } && has(a) && ! has(c)",
      "all()",
    ],
  ])("subject %s", (_name, subject, selector, namespaceSelector) => {
    const p = policyOf(cnp("", `  tier: Admin\n  priority: 1\n  subject: ${subject}\n`));
    expect([p?.selector, p?.namespaceSelector]).toEqual([selector, namespaceSelector]);
  });

  it.each([
    ["ingress only", "  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n", ["Ingress"]],
    ["egress only", "  egress: [{action: Deny, to: [{namespaces: {}}]}]\n", ["Egress"]],
    ["no rules: both (Felix reads an empty list as both)", "", ["Ingress", "Egress"]],
    ["every rule dropped: both", "  egress: [{action: Accept, to: [{nodes: {}}]}]\n", ["Ingress", "Egress"]],
    ["an empty ingress list and egress rules", "  ingress: []\n  egress: [{action: Pass, to: [{networks: [10.0.0.0/8]}]}]\n", ["Egress"]],
  ])("types: %s", (_name, rules, types) => {
    expect(policyOf(cnp(rules))?.types).toEqual(types);
  });
});

describe("rule expansion", () => {
  it("Calico's unit test: protocols [tcp 80, udp 20-30, named http-port, named web] × peers [namespaces, pods] → six rules, named first", () => {
    const p = policyOf(
      cnp(`  ingress:
  - name: r
    action: Accept
    from:
    - namespaces: {matchLabels: {k: v}}
    - pods: {podSelector: {matchLabels: {k2: v2}}}
    protocols:
    - tcp: {destinationPort: {number: 80}}
    - udp: {destinationPort: {range: {start: 20, end: 30}}}
    - destinationNamedPort: http-port
    - destinationNamedPort: web
`),
    );
    expect(p?.ingress.map((r) => [r.action, r.protocol, r.source.selector, r.source.namespaceSelector, ruleShape(r).ports])).toEqual([
      ["Allow", undefined, undefined, "k == 'v'", ["http-port", "web"]],
      ["Allow", undefined, "projectcalico.org/orchestrator == 'k8s' && k2 == 'v2'", "all()", ["http-port", "web"]],
      ["Allow", "tcp", undefined, "k == 'v'", ["80"]],
      ["Allow", "tcp", "projectcalico.org/orchestrator == 'k8s' && k2 == 'v2'", "all()", ["80"]],
      ["Allow", "udp", undefined, "k == 'v'", ["20:30"]],
      ["Allow", "udp", "projectcalico.org/orchestrator == 'k8s' && k2 == 'v2'", "all()", ["20:30"]],
    ]);
    expect(p?.ingress.every((r) => r.annotations.name === "r")).toBe(true);
  });

  it.each([
    ["[80, 2000:3000] stays", ["{number: 80}", "{range: {start: 2000, end: 3000}}"], ["80", "2000:3000"]],
    ["[9090, 9100:9200, 9091] → [9090:9091, 9100:9200]", ["{number: 9090}", "{range: {start: 9100, end: 9200}}", "{number: 9091}"], ["9090:9091", "9100:9200"]],
    ["overlapping and adjacent ranges merge", ["{range: {start: 10, end: 20}}", "{range: {start: 15, end: 30}}", "{number: 31}", "{number: 33}"], ["10:31", "33"]],
    ["duplicates collapse", ["{number: 443}", "{number: 443}"], ["443"]],
    ["a single entry is never touched", ["{range: {start: 1, end: 65535}}"], ["1:65535"]],
  ])("SimplifyPorts: %s", (_name, ports, expected) => {
    const protocols = ports.map((dp) => `{tcp: {destinationPort: ${dp}}}`).join(", ");
    const p = policyOf(cnp(`  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [${protocols}]}]\n`));
    expect(p?.ingress.map((r) => ruleShape(r).ports)).toEqual([expected]);
  });

  it("protocol keys sort bytewise: named (no protocol) < SCTP < TCP < UDP, whatever the written order", () => {
    const p = policyOf(cnp("  egress: [{action: Deny, to: [{networks: [10.0.0.0/8]}], protocols: [{udp: {destinationPort: {number: 1}}}, {tcp: {destinationPort: {number: 2}}}, {sctp: {destinationPort: {number: 3}}}, {destinationNamedPort: dns}]}]\n"));
    expect(p?.egress.map((r) => r.protocol)).toEqual([undefined, "sctp", "tcp", "udp"]);
  });

  it("no protocols: one rule per peer with no protocol and no ports; no name: no annotation", () => {
    const p = policyOf(cnp("  egress: [{action: Pass, to: [{namespaces: {}}, {networks: [10.1.2.3/16, 10.9.0.0/16]}]}]\n"));
    expect(p?.egress.map(ruleShape)).toEqual([
      { action: "Pass", protocol: undefined, ports: [], peer: "all()", annotations: {} },
      { action: "Pass", protocol: undefined, ports: [], peer: "10.1.0.0/16,10.9.0.0/16", annotations: {} },
    ]);
  });

  it("networks are masked and kept in order, both families in one rule", () => {
    const p = policyOf(cnp('  egress: [{action: Deny, to: [{networks: ["fd00::1/64", "192.168.7.9/24"]}]}]\n'));
    expect(p?.egress[0]?.destination.nets).toEqual(["fd00::/64", "192.168.7.0/24"]);
  });

  it("a namespaces peer carries no pod selector (it also matches namespaced NetworkSets: §2.6 item 1)", () => {
    const p = policyOf(cnp("  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {a: b}}}]}]\n"));
    expect([p?.ingress[0]?.source.selector, p?.ingress[0]?.source.namespaceSelector]).toEqual([undefined, "a == 'b'"]);
  });
});

describe("fail-closed rules (§2.5)", () => {
  const rules = `  egress:
  - {name: first, action: Accept, to: [{namespaces: {}}]}
  - {name: nodes, action: ACTION, to: [{namespaces: {}}, {nodes: {}}]}
  - {name: last, action: Accept, to: [{namespaces: {}}]}
`;
  it.each(["Deny", "Pass"])("a %s rule with a nodes peer becomes a bare Deny at its position (its valid peers go too)", (action) => {
    const p = policyOf(cnp(rules.replace("ACTION", action)));
    expect(p?.egress.map(ruleShape)).toEqual([
      { action: "Allow", protocol: undefined, ports: [], peer: "all()", annotations: { name: "first" } },
      { action: "Deny", protocol: undefined, ports: [], peer: undefined, annotations: {} },
      { action: "Allow", protocol: undefined, ports: [], peer: "all()", annotations: { name: "last" } },
    ]);
    expect(p?.egress.map((r) => r.origin?.ruleIndex)).toEqual([0, 1, 2]);
  });

  it("an Accept rule with a domainNames peer is dropped; the rules after it keep their written index", () => {
    const p = policyOf(cnp(rules.replace("ACTION", "Accept").replace("{nodes: {}}", "{domainNames: [a.example]}")));
    expect(p?.egress.map((r) => [r.annotations.name, r.origin?.ruleIndex])).toEqual([
      ["first", 0],
      ["last", 2],
    ]);
  });

  it("a destinationNamedPort Calico's conversion refuses fails the rule closed; a valid one beside it does not save it", () => {
    const p = policyOf(cnp("  ingress: [{action: Pass, from: [{namespaces: {}}], protocols: [{destinationNamedPort: web}, {destinationNamedPort: 'a/b'}]}]\n"));
    expect(p?.ingress.map(ruleShape)).toEqual([{ action: "Deny", protocol: undefined, ports: [], peer: undefined, annotations: {} }]);
  });
});

describe("policies Felix rejects, and selector content Calico converts as it stands (§2.6 items 3, 4)", () => {
  it.each([
    ["a digits-only named port (Calico keeps it a name, #12228)", "[{destinationNamedPort: '8080'}]"],
    ["an upper-case named port", "[{destinationNamedPort: HTTP}]"],
    ["a named port of 16 characters", "[{destinationNamedPort: abcdefghijklmnop}]"],
  ])("%s: no policy at all", (_name, protocols) => {
    const text = cnp(`  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: ${protocols}}]\n`);
    expect(policyOf(text)).toBeUndefined();
    expect(load(text).diagnostics.map((d) => d.code)).toEqual(["PC4011"]);
  });

  it("a non-IANA named port in a rule that fails closed for its peer does not reject the policy (the rule never reaches Felix)", () => {
    const p = policyOf(cnp("  egress: [{action: Deny, to: [{namespaces: {}}], protocols: [{destinationNamedPort: '8080'}]}, {action: Deny, to: [{domainNames: [x.io]}]}]\n"));
    expect(p).toBeUndefined();
    const q = policyOf(cnp("  egress: [{action: Deny, to: [{domainNames: [x.io]}]}]\n"));
    expect(q?.egress).toHaveLength(1);
  });

  it("an unknown operator is skipped: the selector is broader (here: no namespace restriction, any source)", () => {
    const p = policyOf(cnp("  ingress: [{action: Accept, from: [{namespaces: {matchExpressions: [{key: a, operator: Has}]}}]}]\n"));
    expect(p?.ingress[0]?.source).toEqual({ nets: [], notNets: [], ports: [], notPorts: [] });
  });

  it("In without values becomes k in { '' }, NotIn k not in { '' }", () => {
    const p = policyOf(cnp("", "  tier: Admin\n  priority: 1\n  subject: {pods: {podSelector: {matchExpressions: [{key: a, operator: In}, {key: b, operator: NotIn, values: []}]}}}\n"));
    expect(p?.selector).toBe("projectcalico.org/orchestrator == 'k8s' && a in { '' } && b not in { '' }");
  });

  it("a subject namespace selector Calico cannot parse is dropped: every namespace", () => {
    const text = cnp("", "  tier: Admin\n  priority: 1\n  subject: {namespaces: {matchLabels: {team: \"o'neil\"}}}\n");
    const p = policyOf(text);
    expect([p?.selector, p?.namespaceSelector]).toEqual(["projectcalico.org/orchestrator == 'k8s'", undefined]);
    expect(load(text).diagnostics.map((d) => d.code)).toEqual(["PC4012", "PC4012"]);
  });
});

describe("laws of the expansion", () => {
  type Entry = { kind: "tcp" | "udp" | "sctp"; first: number; last: number } | { kind: "named"; name: string };
  const entry: fc.Arbitrary<Entry> = fc.oneof(
    fc.record({ kind: fc.constantFrom("tcp" as const, "udp" as const, "sctp" as const), first: fc.integer({ min: 1, max: 60 }), span: fc.integer({ min: 0, max: 5 }) }).map(({ kind, first, span }) => ({ kind, first, last: first + span })),
    fc.constantFrom("web", "dns", "metrics").map((name) => ({ kind: "named" as const, name })),
  );
  const yaml = (e: Entry): string =>
    e.kind === "named" ? `{destinationNamedPort: ${e.name}}` : `{${e.kind}: {destinationPort: ${e.first === e.last ? `{number: ${e.first}}` : `{range: {start: ${e.first}, end: ${e.last}}}`}}}`;
  const covered = (ports: readonly Port[]): Set<string> => new Set(ports.flatMap((p) => (p.kind === "named" ? [p.name] : Array.from({ length: p.last - p.first + 1 }, (_, i) => String(p.first + i)))));

  it("keys sorted, one rule per key and peer, each key's ports the union of its entries, merged into disjoint non-adjacent ranges", () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), (entries, peers) => {
        const peerList = Array.from({ length: peers }, (_, i) => `{namespaces: {matchLabels: {k: '${i}'}}}`).join(", ");
        const p = policyOf(cnp(`  ingress: [{action: Deny, from: [${peerList}], protocols: [${entries.map(yaml).join(", ")}]}]\n`));
        const keys = [...new Set(entries.map((e) => (e.kind === "named" ? "" : e.kind.toUpperCase())))].sort();
        const rules = p?.ingress ?? [];
        expect(rules.map((r) => String(r.protocol ?? "").toUpperCase())).toEqual(keys.flatMap((k) => Array(peers).fill(k)));
        for (const [i, key] of keys.entries()) {
          const group = rules.slice(i * peers, (i + 1) * peers);
          const want = new Set(entries.filter((e) => (e.kind === "named" ? "" : e.kind.toUpperCase()) === key).flatMap((e) => (e.kind === "named" ? [e.name] : Array.from({ length: e.last - e.first + 1 }, (_, j) => String(e.first + j)))));
          for (const r of group) expect(covered(r.destination.ports)).toEqual(want);
          const ranges = (group[0]?.destination.ports ?? []).filter((x): x is Extract<Port, { kind: "range" }> => x.kind === "range");
          if (ranges.length > 1) for (let j = 1; j < ranges.length; j++) expect((ranges[j] as { first: number }).first).toBeGreaterThan((ranges[j - 1] as { last: number }).last + 1);
          expect(group.map((r) => r.source.namespaceSelector)).toEqual(Array.from({ length: peers }, (_, j) => `k == '${j}'`));
        }
      }),
      { numRuns: 150 },
    );
  });

  it("the order of the protocol entries changes nothing but named-port order", () => {
    fc.assert(
      fc.property(fc.array(entry.filter((e) => e.kind !== "named"), { minLength: 1, maxLength: 8 }), fc.integer(), (entries, seed) => {
        const shuffled = [...entries].sort((a, b) => ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 31 + seed) % 7));
        const one = policyOf(cnp(`  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [${entries.map(yaml).join(", ")}]}]\n`));
        const two = policyOf(cnp(`  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [${shuffled.map(yaml).join(", ")}]}]\n`));
        expect(two?.ingress.map(ruleShape)).toEqual(one?.ingress.map(ruleShape));
      }),
      { numRuns: 100 },
    );
  });
});

describe("loading", () => {
  it("a ClusterNetworkPolicyList (items inherit apiVersion and kind) and JSON give the same policies as single documents", () => {
    const items = `[{metadata: {name: a}, spec: {tier: Admin, priority: 1, subject: {namespaces: {}}}}, {metadata: {name: b}, spec: {tier: Baseline, priority: 2, subject: {namespaces: {}}}}]`;
    const list = load(`apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicyList\nitems: ${items}\n`);
    expect(list.diagnostics).toEqual([]);
    expect(list.model.policies.map((p) => [p.id, p.tier, p.order])).toEqual([
      ["kcnp/a", "kube-admin", 1],
      ["kcnp/b", "kube-baseline", 2],
    ]);
    const json = load(JSON.stringify({ apiVersion: "policy.networking.k8s.io/v1alpha2", kind: "ClusterNetworkPolicy", metadata: { name: "a" }, spec: { tier: "Admin", priority: 1, subject: { namespaces: {} } } }), "a.json");
    expect(json.model.policies.map((p) => p.id)).toEqual(["kcnp/a"]);
  });

  it("is cluster-scoped: metadata.namespace is ignored with PC4007; the same name twice is PC3007 and neither is used", () => {
    const one = cnp("", undefined, "x").replace("metadata: {name: x}", "metadata: {name: x, namespace: default}");
    expect(load(one).diagnostics.map((d) => d.code)).toEqual(["PC4007"]);
    const twice = load(`${cnp("")}\n---\n${cnp("")}`);
    expect(twice.diagnostics.map((d) => d.code)).toEqual(["PC3007"]);
    expect(twice.model.policies).toEqual([]);
  });

  it("the v1alpha1 apiVersion does not have the kind (it is read with v1alpha2)", () => {
    const text = cnp("").replace("v1alpha2", "v1alpha1");
    expect(load(text).diagnostics.map((d) => [d.code, d.message])).toEqual([["PC2003", 'unknown kind "ClusterNetworkPolicy" for apiVersion policy.networking.k8s.io/v1alpha1: expected one of AdminNetworkPolicy, BaselineAdminNetworkPolicy; kind ClusterNetworkPolicy is read with apiVersion policy.networking.k8s.io/v1alpha2']]);
  });
});
