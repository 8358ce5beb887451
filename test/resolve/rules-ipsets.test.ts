/**
 * resolveNode's rule conversion and ipset members, per IP family: which rules exist in a family,
 * their nets in network form, selectors folded into one set per side, named-port sets under
 * the rule's protocol (or each port's own without one), and members sorted by address, prefix
 * and text, `/0` as its two halves.
 */
import { describe, expect, it } from "vitest";
import type { NetworkSet, Rule, WorkloadEndpoint } from "../../src/model/types.js";
import type { ResolvedRule } from "../../src/resolve/index.js";
import { resolveNode } from "../../src/resolve/resolve.js";
import { entity, model, modelRule, pod, policy } from "./model-fixtures.js";

const globalSet = (name: string, labels: Record<string, string>, nets: string[]): NetworkSet => ({ kind: "NetworkSet", global: true, name, labels, nets });

interface Resolved {
  readonly rules: readonly ResolvedRule[];
  /** Set name → members. */
  readonly sets: Record<string, readonly string[]>;
  readonly types: Record<string, string>;
}

/** One global ingress policy with `rules` on the node's one pod, resolved for family `v`. */
function resolve(rules: Rule[], v: 4 | 6 = 4, extra: { endpoints?: WorkloadEndpoint[]; networkSets?: NetworkSet[] } = {}): Resolved {
  const view = resolveNode(
    model({
      endpoints: [pod({ ns: "default", name: "self", labels: { me: "yes" } }), ...(extra.endpoints ?? [])],
      networkSets: extra.networkSets ?? [],
      policies: [policy({ policyKind: "gnp", name: "g", selector: "me == 'yes'", ingress: rules })],
    }),
    "node-1",
    v,
  );
  const sets: Record<string, readonly string[]> = {};
  const types: Record<string, string> = {};
  for (const s of view.ipsets) {
    sets[s.name] = s.members;
    types[s.name] = `${s.type} ${s.family}`;
  }
  return { rules: view.policies[0]?.ingress ?? [], sets, types };
}

describe("which rules exist in a family", () => {
  it.each([
    ["ipVersion 4", { ipVersion: 4 }, [true, false]],
    ["ipVersion 6", { ipVersion: 6 }, [false, true]],
    ["icmp", { protocol: "icmp" }, [true, false]],
    ["icmpv6", { protocol: "icmpv6" }, [false, true]],
    ["tcp", { protocol: "tcp" }, [true, true]],
    ["IPv4 source nets", { source: entity({ nets: ["10.0.0.0/8"] }) }, [true, false]],
    ["IPv6 destination nets", { destination: entity({ nets: ["fd00::/64"] }) }, [false, true]],
    ["IPv4 notNets on the source", { source: entity({ notNets: ["10.0.0.0/8"] }) }, [true, false]],
    ["IPv6 notNets on the destination", { destination: entity({ notNets: ["fd00::/64"] }) }, [false, true]],
    ["nets of both families", { source: entity({ nets: ["10.0.0.0/8", "fd00::/64"] }) }, [true, true]],
    ["a negated IPv4 catch-all among others", { source: entity({ notNets: ["fd00::/64", "0.0.0.0/0"] }) }, [false, true]],
    ["a negated IPv6 catch-all among others", { destination: entity({ notNets: ["::/0", "10.0.0.0/8"] }) }, [true, false]],
  ] as const)("%s: IPv4 %j", (_name, fields, [in4, in6]) => {
    const rule = modelRule(fields as Partial<Rule>);
    expect([resolve([rule], 4).rules.length, resolve([rule], 6).rules.length]).toEqual([in4 ? 1 : 0, in6 ? 1 : 0]);
  });

  it("nets in network form, a bare address as a host net, of the family only", () => {
    const rule = modelRule({
      source: entity({ nets: ["10.1.2.3/16", "192.168.7.9", "fd00::5/64"], notNets: ["10.1.2.3/31", "fd00:0:0:0:0:0:0:7/128"] }),
      destination: entity({ nets: ["172.16.5.5/12", "fd00::1"], notNets: ["2001:db8::/32", "0.0.0.0/1"] }),
    });
    const [v4] = resolve([rule], 4).rules;
    expect([v4?.srcNets, v4?.notSrcNets, v4?.dstNets, v4?.notDstNets]).toEqual([
      ["10.1.0.0/16", "192.168.7.9/32"],
      ["10.1.2.2/31"],
      ["172.16.0.0/12"],
      ["0.0.0.0/1"],
    ]);
    expect(v4).not.toHaveProperty("ipVersion");
    const [v6] = resolve([rule], 6).rules;
    expect([v6?.srcNets, v6?.notSrcNets, v6?.dstNets, v6?.notDstNets]).toEqual([["fd00::/64"], ["fd00::7/128"], ["fd00::1/128"], ["2001:db8::/32"]]);
    expect(v6?.ipVersion).toBe(6);
  });

  it("carries action, protocols, ICMP matches, ports and annotations", () => {
    const rule = modelRule({
      action: "Deny",
      protocol: "icmp",
      notProtocol: "udp",
      icmp: { type: 8, code: 0 },
      notICMP: { type: 3 },
      annotations: { owner: "team-a" },
      source: entity({ ports: [{ kind: "range", first: 1000, last: 2000 }], notPorts: [{ kind: "range", first: 1500, last: 1500 }] }),
      destination: entity({ ports: [{ kind: "range", first: 80, last: 80 }], notPorts: [{ kind: "range", first: 81, last: 90 }] }),
    });
    const [r] = resolve([rule]).rules;
    expect(r).toMatchObject({
      kind: "ResolvedRule",
      action: "Deny",
      protocol: "icmp",
      notProtocol: "udp",
      icmp: { type: 8, code: 0 },
      notICMP: { type: 3 },
      annotations: { owner: "team-a" },
      srcPorts: [{ first: 1000, last: 2000 }],
      notSrcPorts: [{ first: 1500, last: 1500 }],
      dstPorts: [{ first: 80, last: 80 }],
      notDstPorts: [{ first: 81, last: 90 }],
    });
    const [bare] = resolve([modelRule()]).rules;
    for (const key of ["protocol", "notProtocol", "icmp", "notICMP"]) expect(bare).not.toHaveProperty(key);
  });
});

describe("selectors and named ports", () => {
  const peers = [
    pod({ ns: "default", name: "a", ip: "10.0.0.10", labels: { app: "x", tier: "db" }, ports: [{ name: "web", protocol: "tcp", port: 8080 }, { name: "dns", protocol: "udp", port: 53 }] }),
    pod({ ns: "default", name: "b", ip: "10.0.0.2", labels: { app: "x" }, ports: [{ name: "web", protocol: "udp", port: 9090 }, { name: "dns", protocol: "sctp", port: 5353 }] }),
    pod({ ns: "default", name: "c", ip: "10.0.0.3", labels: { app: "y" }, ports: [{ name: "web", protocol: "tcp", port: 7070 }] }),
  ];

  it("selector and notSelector fold into one positive set per side; a lone notSelector is a negated set", () => {
    const { rules, sets } = resolve(
      [
        modelRule({ source: entity({ selector: "app == 'x'", notSelector: "tier == 'db'" }) }),
        modelRule({ destination: entity({ notSelector: "app == 'y'" }) }),
      ],
      4,
      { endpoints: peers },
    );
    const [folded, negated] = rules;
    expect([folded?.srcIpSets.length, folded?.notSrcIpSets, folded?.dstIpSets, folded?.notDstIpSets]).toEqual([1, [], [], []]);
    expect(sets[folded!.srcIpSets[0]!]).toEqual(["10.0.0.2/32"]);
    expect([negated?.srcIpSets, negated?.notSrcIpSets, negated?.dstIpSets, negated?.notDstIpSets.length]).toEqual([[], [], [], 1]);
    expect(sets[negated!.notDstIpSets[0]!]).toEqual(["10.0.0.3/32"]);
  });

  it.each([
    ["tcp", "tcp", ["10.0.0.3,tcp:7070", "10.0.0.10,tcp:8080"]],
    ["6 (tcp by number)", 6, ["10.0.0.3,tcp:7070", "10.0.0.10,tcp:8080"]],
    ["udp", "udp", ["10.0.0.2,udp:9090"]],
    ["17 (udp by number)", 17, ["10.0.0.2,udp:9090"]],
    ["no protocol: each port under its own", undefined, ["10.0.0.2,udp:9090", "10.0.0.3,tcp:7070", "10.0.0.10,tcp:8080"]],
  ] as const)("a named destination port under protocol %s", (_name, protocol, members) => {
    const rule = modelRule({ ...(protocol !== undefined && { protocol }), destination: entity({ ports: [{ kind: "named", name: "web" }] }) });
    const { rules, sets, types } = resolve([rule], 4, { endpoints: peers });
    const set = rules[0]!.dstNamedPortIpSets[0]!;
    expect(rules[0]!.dstIpSets).toEqual([]);
    expect(types[set]).toBe("hash:ip,port inet");
    expect(sets[set]).toEqual(members);
  });

  it.each([
    ["sctp", "sctp", ["10.0.0.2,sctp:5353"]],
    ["132 (sctp by number)", 132, ["10.0.0.2,sctp:5353"]],
    ["udp", "udp", ["10.0.0.10,udp:53"]],
  ] as const)("a named source port under protocol %s, filtered by the side's selector", (_name, protocol, members) => {
    const rule = modelRule({ protocol, source: entity({ selector: "app == 'x'", ports: [{ kind: "named", name: "dns" }] }) });
    const { rules, sets } = resolve([rule], 4, { endpoints: peers });
    expect(rules[0]!.srcIpSets).toEqual([]);
    expect(sets[rules[0]!.srcNamedPortIpSets[0]!]).toEqual(members);
  });

  it("numeric and named ports on one side: the selector set and the named-port set; notPorts named too", () => {
    const rule = modelRule({
      protocol: "tcp",
      destination: entity({ selector: "app == 'x'", ports: [{ kind: "range", first: 443, last: 443 }, { kind: "named", name: "web" }], notPorts: [{ kind: "named", name: "web" }] }),
    });
    const { rules, sets } = resolve([rule], 4, { endpoints: peers });
    const r = rules[0]!;
    expect(r.dstPorts).toEqual([{ first: 443, last: 443 }]);
    expect(sets[r.dstIpSets[0]!]).toEqual(["10.0.0.2/32", "10.0.0.10/32"]);
    expect(sets[r.dstNamedPortIpSets[0]!]).toEqual(["10.0.0.10,tcp:8080"]);
    expect(r.notDstNamedPortIpSets).toEqual(r.dstNamedPortIpSets);
    expect(r.srcNamedPortIpSets).toEqual([]);
  });
});

describe("ipset members", () => {
  it("IPv4: network form, sorted by address then prefix, de-duplicated, /0 as its halves, other families left out", () => {
    const { rules, sets, types } = resolve([modelRule({ source: entity({ selector: "role == 'db'" }) })], 4, {
      endpoints: [
        pod({ ns: "default", name: "p10", ip: "10.0.0.10", labels: { role: "db" } }),
        pod({ ns: "default", name: "p2", ip: "10.0.0.2", labels: { role: "db" } }),
      ],
      networkSets: [
        globalSet("wide", { role: "db" }, ["10.0.0.77/8", "10.0.0.0/24", "10.0.0.2/32", "fd00::/64", "not-an-address"]),
        globalSet("everything", { role: "db" }, ["0.0.0.0/0"]),
        globalSet("other", { role: "web" }, ["192.168.0.0/16"]),
      ],
    });
    const set = rules[0]!.srcIpSets[0]!;
    expect(types[set]).toBe("hash:net inet");
    expect(sets[set]).toEqual(["0.0.0.0/1", "10.0.0.0/8", "10.0.0.0/24", "10.0.0.2/32", "10.0.0.10/32", "128.0.0.0/1"]);
  });

  it("IPv6: RFC 5952 network form, sorted as 128-bit numbers then prefix, ::/0 as its halves", () => {
    const { rules, sets, types } = resolve([modelRule({ source: entity({ selector: "role == 'db'" }) })], 6, {
      networkSets: [
        globalSet("v6", { role: "db" }, ["fd00::10/128", "fd00::9/128", "fd00::/64", "fd00::/16", "2001:db8::1/128", "10.0.0.0/8", "::/0"]),
      ],
    });
    const set = rules[0]!.srcIpSets[0]!;
    expect(set.startsWith("cali6")).toBe(true);
    expect(types[set]).toBe("hash:net inet6");
    expect(sets[set]).toEqual(["::/1", "2001:db8::1/128", "8000::/1", "fd00::/16", "fd00::/64", "fd00::9/128", "fd00::10/128"]);
  });

  it("IPv6 named ports: the address without /128", () => {
    const { rules, sets } = resolve([modelRule({ protocol: "tcp", destination: entity({ ports: [{ kind: "named", name: "web" }] }) })], 6, {
      endpoints: [
        { ...pod({ ns: "default", name: "b", labels: { app: "x" }, ports: [{ name: "web", protocol: "tcp", port: 80 }] }), ipNetworks: ["fd00::b/128", "10.0.0.2/32"] },
        { ...pod({ ns: "default", name: "a", labels: { app: "x" }, ports: [{ name: "web", protocol: "tcp", port: 81 }] }), ipNetworks: ["fd00::a/128"] },
      ],
    });
    expect(sets[rules[0]!.dstNamedPortIpSets[0]!]).toEqual(["fd00::a,tcp:81", "fd00::b,tcp:80"]);
  });
});
