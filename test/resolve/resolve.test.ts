/** resolveNode: local endpoints, Calico ordering, directions, IPv4 filtering, ipsets, refusals. */
import { describe, expect, it } from "vitest";
import type { NetworkSet, Rule } from "../../src/model/types.js";
import { CompileError } from "../../src/render/errors.js";
import { resolveNode } from "../../src/resolve/resolve.js";
import { entity, model, modelRule, pod, policy, webFromClient1 } from "./model-fixtures.js";

const netSet = (name: string, labels: Record<string, string>, nets: string[]): NetworkSet => ({
  kind: "NetworkSet",
  global: true,
  name,
  labels,
  nets,
});

describe("local endpoints and policy order", () => {
  it("keeps only the node's endpoints, sorted by interface name", () => {
    const view = resolveNode(
      model({
        endpoints: [
          pod({ ns: "a", name: "x", node: "node-1" }),
          pod({ ns: "a", name: "y", node: "node-2" }),
          pod({ ns: "b", name: "z", node: "node-1" }),
        ],
      }),
      "node-1",
    );
    expect(view.endpoints.map((e) => e.key).sort()).toEqual(["a/x", "b/z"]);
    expect(view.endpoints.map((e) => e.interfaceName)).toEqual([...view.endpoints.map((e) => e.interfaceName)].sort());
    expect(view.endpoints.every((e) => e.profiles.length === 2)).toBe(true);
  });

  it("orders tiers by order then name, policies by order (missing last) then name", () => {
    const view = resolveNode(
      model({
        endpoints: [pod({ ns: "default", name: "p" })],
        tiers: [
          { kind: "Tier", name: "default", order: 1_000_000, defaultAction: "Deny" },
          { kind: "Tier", name: "security", order: 100, defaultAction: "Pass" },
        ],
        policies: [
          policy({ policyKind: "np", name: "no-order" }),
          policy({ policyKind: "np", name: "b", order: 10 }),
          policy({ policyKind: "np", name: "a", order: 10 }),
          policy({ policyKind: "gnp", name: "first", order: 500, tier: "security" }),
          policy({ policyKind: "knp", name: "k" }),
        ],
      }),
      "node-1",
    );
    expect(view.endpoints[0]?.ingressTiers.map(({ name, defaultAction, policies }) => ({ name, defaultAction, policies }))).toEqual([
      { name: "security", defaultAction: "Pass", policies: ["gnp/first"] },
      { name: "default", defaultAction: "Deny", policies: ["np/default/a", "np/default/b", "knp/default/k", "np/default/no-order"] },
    ]);
    // Members carry Felix's selector text (the policy-group key): a namespaced policy's is scoped to its namespace.
    expect(view.endpoints[0]?.ingressTiers[1]?.members[0]).toEqual({ id: "np/default/a", selector: "projectcalico.org/namespace == 'default'", staged: false });
    expect(view.endpoints[0]?.egressTiers).toEqual([]);
  });

  it("a policy of another namespace does not apply", () => {
    const view = resolveNode(
      model({ endpoints: [pod({ ns: "a", name: "p" })], policies: [policy({ policyKind: "np", name: "x", namespace: "b" })] }),
      "node-1",
    );
    expect(view.policies).toEqual([]);
  });

  it("converts only the directions an endpoint uses", () => {
    const view = resolveNode(
      model({
        endpoints: [pod({ ns: "default", name: "p" })],
        policies: [
          policy({ policyKind: "np", name: "in", ingress: [modelRule()], egress: [modelRule()] }),
          policy({ policyKind: "np", name: "out", types: ["Egress"], egress: [] }),
        ],
      }),
      "node-1",
    );
    expect(view.policies.map((p) => [p.id, p.ingress !== undefined, p.egress !== undefined])).toEqual([
      ["np/default/in", true, false],
      ["np/default/out", false, true],
    ]);
  });
});

describe("IPv4 filtering of rules (FilterRuleToIPVersion)", () => {
  const rulesOf = (rules: Rule[]) =>
    resolveNode(
      model({ endpoints: [pod({ ns: "default", name: "p" })], policies: [policy({ policyKind: "gnp", name: "g", ingress: rules })] }),
      "node-1",
    ).policies[0]?.ingress;

  it.each<[string, Rule, number]>([
    ["ipVersion 6 rule disappears", modelRule({ ipVersion: 6 }), 0],
    ["icmpv6 rule disappears", modelRule({ protocol: "icmpv6" }), 0],
    ["rule whose only nets are IPv6 disappears", modelRule({ source: entity({ nets: ["fd00::/64"] }) }), 0],
    ["negated IPv4 catch-all disappears", modelRule({ destination: entity({ notNets: ["0.0.0.0/0"] }) }), 0],
    ["mixed nets keep the IPv4 ones", modelRule({ source: entity({ nets: ["fd00::/64", "10.0.0.0/8"] }) }), 1],
    ["icmp rule stays", modelRule({ protocol: "icmp" }), 1],
  ])("%s", (_name, rule, count) => {
    expect(rulesOf([rule])).toHaveLength(count);
  });

  it("source and destination nets are both masked (calico-332.md §7.1 item 6), bare IPs get /32", () => {
    const r = rulesOf([
      modelRule({ source: entity({ nets: ["10.1.2.3/16"], notNets: ["10.1.2.3/24"] }), destination: entity({ nets: ["10.1.2.3/16", "192.168.1.1"] }) }),
    ])?.[0];
    expect(r?.srcNets).toEqual(["10.1.0.0/16"]);
    expect(r?.notSrcNets).toEqual(["10.1.2.0/24"]);
    expect(r?.dstNets).toEqual(["10.1.0.0/16", "192.168.1.1/32"]);
  });
});

describe("ipsets", () => {
  it("k8s web-from-client1: one source set holding client1 from the whole cluster", () => {
    const view = resolveNode(webFromClient1(), "node-1");
    expect(view.ipsets).toEqual([
      {
        name: "cali40s:9UVth7SBipmeTS6eRz67Yu3",
        type: "hash:net",
        family: "inet",
        maxelem: 1048576,
        members: ["10.65.0.3/32"],
      },
    ]);
    expect(view.policies[0]?.ingress?.[0]?.srcIpSets).toEqual(["cali40s:9UVth7SBipmeTS6eRz67Yu3"]);
  });

  it("members come from every node, network sets and host endpoints; IPv6 left out; sorted by address", () => {
    const m = model({
      endpoints: [
        pod({ ns: "default", name: "local", ip: "10.0.0.10", labels: { role: "db" } }),
        pod({ ns: "default", name: "remote", node: "node-9", ip: "10.0.0.9", labels: { role: "db" } }),
        pod({ ns: "default", name: "other", ip: "10.0.0.2", labels: { role: "web" } }),
      ],
      networkSets: [netSet("ext", { role: "db" }, ["192.168.0.0/16", "fd00::/64"]), netSet("all", { role: "db" }, ["0.0.0.0/0"])],
      policies: [policy({ policyKind: "gnp", name: "g", ingress: [modelRule({ source: entity({ selector: "role == 'db'" }) })] })],
    });
    const withHep = {
      ...m,
      hostEndpoints: [
        { kind: "HostEndpoint" as const, name: "h", node: "node-7", expectedIPs: ["172.16.0.1"], labels: { role: "db" }, profiles: [], ports: [] },
      ],
    };
    expect(resolveNode(withHep, "node-1").ipsets[0]?.members).toEqual([
      "0.0.0.0/1",
      "10.0.0.9/32",
      "10.0.0.10/32",
      "128.0.0.0/1",
      "172.16.0.1/32",
      "192.168.0.0/16",
    ]);
  });

  it("named ports: a hash:ip,port set filtered by the side's selector, no separate selector set", () => {
    const m = model({
      endpoints: [
        pod({ ns: "default", name: "a", ip: "10.0.0.1", labels: { app: "x" }, ports: [{ name: "http", protocol: "tcp", port: 8080 }] }),
        pod({ ns: "default", name: "b", ip: "10.0.0.2", labels: { app: "y" }, ports: [{ name: "http", protocol: "tcp", port: 80 }] }),
        pod({ ns: "default", name: "c", ip: "10.0.0.3", labels: { app: "x" }, ports: [{ name: "http", protocol: "udp", port: 80 }] }),
      ],
      policies: [
        policy({
          policyKind: "np",
          name: "np",
          types: ["Egress"],
          egress: [
            modelRule({ protocol: "tcp", destination: entity({ selector: "app == 'x'", ports: [{ kind: "named", name: "http" }] }) }),
          ],
        }),
      ],
    });
    const view = resolveNode(m, "node-1");
    const rule = view.policies[0]?.egress?.[0];
    expect(rule?.dstIpSets).toEqual([]);
    expect(rule?.dstNamedPortIpSets).toHaveLength(1);
    expect(view.ipsets).toEqual([
      {
        name: rule?.dstNamedPortIpSets[0],
        type: "hash:ip,port",
        family: "inet",
        maxelem: 1048576,
        members: ["10.0.0.1,tcp:8080"],
      },
    ]);
  });
});

describe("refusals", () => {
  const base = () => model({ endpoints: [pod({ ns: "default", name: "p" })] });
  const span = { file: "x.yaml", start: 3, end: 9 };

  it("a host endpoint of this node without interfaceName (its interface is only known on the node)", () => {
    const m = {
      ...base(),
      hostEndpoints: [
        { kind: "HostEndpoint" as const, name: "eth0", node: "node-1", expectedIPs: ["10.0.0.1"], labels: {}, profiles: [], ports: [], origin: { span } },
      ],
    };
    expect(() => resolveNode(m, "node-1")).toThrow(CompileError);
    try {
      resolveNode(m, "node-1");
    } catch (e) {
      expect((e as CompileError).diagnostics).toEqual([
        {
          code: "PC3040",
          severity: "error",
          message:
            "HostEndpoint eth0 on node node-1 has no interfaceName: it governs the interface that holds one of its expectedIPs (10.0.0.1), which is only known on the node; " +
            "give the node's interfaces with --host-interface NAME=IP[,IP...] (apply and diff --live read them from the kernel), or set interfaceName",
          span,
        },
      ]);
    }
    // Another node's host endpoint is not this node's business.
    expect(() => resolveNode(m, "node-2")).not.toThrow();
  });

  it("preDNAT and doNotTrack policy never applies to workloads; applyOnForward policy does", () => {
    const raw = policy({ policyKind: "gnp", name: "raw", doNotTrack: true, applyOnForward: true });
    const pre = policy({ policyKind: "gnp", name: "pre", preDNAT: true, applyOnForward: true });
    const fwd = policy({ policyKind: "gnp", name: "fwd", applyOnForward: true });
    const view = resolveNode({ ...base(), policies: [raw, pre, fwd] }, "node-1");
    expect(view.policies.map((p) => p.id)).toEqual(["gnp/fwd"]);
    expect(view.endpoints[0]?.ingressTiers.map((t) => t.policies)).toEqual([["gnp/fwd"]]);
    expect(view.hostEndpoints).toBeUndefined();
  });

  it("two local endpoints on one interface", () => {
    const a = pod({ ns: "default", name: "p" });
    const m = model({ endpoints: [a, { ...a, key: "default/q", name: "q" }] });
    expect(() => resolveNode(m, "node-1")).toThrow("both use interface");
  });
});

describe("profiles", () => {
  it("a profile the model lacks still resolves (empty: the endpoint fails closed)", () => {
    const view = resolveNode(model({ endpoints: [pod({ ns: "default", name: "p" })], profiles: [] }), "node-1");
    expect(view.profiles.map((p) => [p.name, p.ingress.length, p.egress.length])).toEqual([
      ["kns.default", 0, 0],
      ["ksa.default.default", 0, 0],
    ]);
  });
});
