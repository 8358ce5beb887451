/**
 * Policy-group chains (render/policy-groups.ts) as specifications: calico-332.md §2.7 Example 4
 * reproduced byte for byte (chain names, rule hashes, the endpoint chain's tier section), the
 * block-of-five stride, how staged members group, split and name a group, and where groups go
 * in the host endpoint tables.
 */
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/load.js";
import type { Model, Policy, Tier } from "../../src/model/types.js";
import { compile } from "../../src/render/compile.js";
import { renderRuleFragments } from "../../src/render/hash.js";
import { groupChainName, groupChainRules as irGroupChainRules, policyIdParts, tierJumps } from "../../src/render/policy-groups.js";
import { tierRules as irTierRules } from "../../src/render/endpoint-chains.js";
import { iptBody } from "../../src/render/iptables/print.js";
import { policyChainName } from "../../src/render/names.js";
import type { Chain, DataplaneState } from "../../src/render/types.js";
import type { EndpointTier, TierMember } from "../../src/resolve/types.js";
import { SelectorCache, policySelectorText } from "../../src/resolve/selectors.js";
import { ifaceFor, model, pod } from "../resolve/model-fixtures.js";

// The builders produce the rule IR; these specifications read its iptables printing.
const groupChainRules = (...a: Parameters<typeof irGroupChainRules>) => irGroupChainRules(...a).map(iptBody);
const tierRules = (...a: Parameters<typeof irTierRules>) => irTierRules(...a).map(iptBody);
const body = (c: Chain | undefined): string[] | undefined => c?.rules.map(renderRuleFragments);
const chainOf = (s: DataplaneState, name: string, table?: "mangle" | "raw"): Chain | undefined =>
  (table ? s.tables?.find((t) => t.table === table)?.chains : s.chains)?.find((c) => c.name === name);
const names = (s: DataplaneState, table?: "mangle" | "raw"): string[] => ((table ? s.tables?.find((t) => t.table === table)?.chains : s.chains) ?? []).map((c) => c.name);

// --- calico-332.md §2.7 Example 4 (conformance CNPAdminTierPriorityField) -------------------

const SUBJECT = "projectcalico.org/orchestrator == 'k8s' && conformance-house == 'gryffindor'";
const GROUP_SELECTOR = `(${SUBJECT}) && pcns.conformance-house == "gryffindor"`;
const kubeAdmin: Tier = { kind: "Tier", name: "kube-admin", order: 1_000, defaultAction: "Pass" };
const kubeBaseline: Tier = { kind: "Tier", name: "kube-baseline", order: 10_000_000, defaultAction: "Pass" };

/** The converter's output for a CNP with the gryffindor subject (the kcnp kind, built by hand). */
function kcnp(name: string, tier: Tier, order: number): Policy {
  return {
    kind: "Policy",
    policyKind: "kcnp",
    name,
    id: `kcnp/${name}`,
    tier: tier.name,
    order,
    selector: SUBJECT,
    namespaceSelector: "conformance-house == 'gryffindor'",
    types: ["Ingress", "Egress"],
    ingress: [],
    egress: [],
    doNotTrack: false,
    preDNAT: false,
    applyOnForward: false,
  };
}

function example4(passOrder: number): { state: DataplaneState; iface: string } {
  const gryffindor = pod({ ns: "gryffindor", name: "harry", ip: "10.0.0.5", labels: { "conformance-house": "gryffindor" }, nsLabels: { "conformance-house": "gryffindor" } });
  const m: Model = model({
    endpoints: [gryffindor],
    tiers: [kubeAdmin, { kind: "Tier", name: "default", order: 1_000_000, defaultAction: "Deny" }, kubeBaseline],
    policies: [kcnp("priority-50-example", kubeAdmin, 50), kcnp("old-priority-60-new-priority-40-example", kubeAdmin, passOrder), kcnp("default", kubeBaseline, 10)],
  });
  return { state: compile(m, { node: "node-1" }), iface: ifaceFor("gryffindor", "harry") };
}

describe("calico-332.md §2.7 Example 4: two Admin CNPs with one subject form a group", () => {
  it("the subject's Felix selector text is the one the example hashes", () => {
    expect(policySelectorText(new SelectorCache(), kcnp("x", kubeAdmin, 1))).toBe(GROUP_SELECTOR);
  });

  it("priorities 50 and 60: cali-gi-CgGkVRL1sNUpgDLjyV2d / cali-go-hzrYTQX-vJj8SgP9icdt, exact rules and hashes", () => {
    const { state, iface } = example4(60);
    const gi = chainOf(state, "cali-gi-CgGkVRL1sNUpgDLjyV2d");
    expect(gi?.rules.map((r) => `${r.hash} ${renderRuleFragments(r)}`)).toEqual([
      "9CUa-iYmJhgka7Ic --jump cali-pi-_2B68n4DTtD16t2iF7-B",
      "w0EkX5tMqoXm1Wn4 -m mark --mark 0/0x30000 --jump cali-pi-_vtNHTsMgtOUwIoaAc3Y",
    ]);
    expect(body(chainOf(state, "cali-go-hzrYTQX-vJj8SgP9icdt"))).toEqual([
      `--jump ${policyChainName("egress", "kcnp/priority-50-example")}`,
      `-m mark --mark 0/0x30000 --jump ${policyChainName("egress", "kcnp/old-priority-60-new-priority-40-example")}`,
    ]);
    // The tier section of the pod's ingress chain: the group jump, one Return, no end-of-tier
    // rule (default action Pass); kube-baseline's single policy is inlined.
    const tw = body(chainOf(state, `cali-tw-${iface}`)) ?? [];
    expect(tw.slice(3, 9)).toEqual([
      '-m comment --comment "Start of tier kube-admin" --jump MARK --set-mark 0/0x20000',
      "-m mark --mark 0/0x20000 --jump cali-gi-CgGkVRL1sNUpgDLjyV2d",
      '-m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-m comment --comment "Start of tier kube-baseline" --jump MARK --set-mark 0/0x20000',
      "-m mark --mark 0/0x20000 --jump cali-pi-kcnp/default",
      '-m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
    ]);
  });

  it("the policy chains the example names are the hashed kcnp ids", () => {
    expect(policyChainName("ingress", "kcnp/priority-50-example")).toBe("cali-pi-_2B68n4DTtD16t2iF7-B");
    expect(policyChainName("ingress", "kcnp/old-priority-60-new-priority-40-example")).toBe("cali-pi-_vtNHTsMgtOUwIoaAc3Y");
  });

  it("the Pass policy moved to priority 40 renames the groups: cali-gi-fUjWx_CYf-OgqINhJgHw / cali-go-Y6m0oQoDfYrLRB_Hf_SZ", () => {
    const { state } = example4(40);
    expect(names(state).filter((n) => /^cali-g[io]-/.test(n))).toEqual(["cali-gi-fUjWx_CYf-OgqINhJgHw", "cali-go-Y6m0oQoDfYrLRB_Hf_SZ"]);
    expect(body(chainOf(state, "cali-go-Y6m0oQoDfYrLRB_Hf_SZ"))?.[0]).toBe(`--jump ${policyChainName("egress", "kcnp/old-priority-60-new-priority-40-example")}`);
    expect(body(chainOf(state, "cali-gi-fUjWx_CYf-OgqINhJgHw"))).toEqual([
      "--jump cali-pi-_vtNHTsMgtOUwIoaAc3Y",
      "-m mark --mark 0/0x30000 --jump cali-pi-_2B68n4DTtD16t2iF7-B",
    ]);
  });
});

// --- grouping rules --------------------------------------------------------------------------

const m = (id: string, selector: string, staged = false): TierMember => ({ id, selector, staged });
const tier = (members: TierMember[], defaultAction: "Deny" | "Pass" = "Deny"): EndpointTier => ({
  name: "t",
  defaultAction,
  policies: members.filter((x) => !x.staged).map((x) => x.id),
  members,
});
const many = (n: number, selector = "a == 'x'"): TierMember[] => Array.from({ length: n }, (_, i) => m(`gnp/p${i + 1}`, selector));

describe("the block-of-five stride", () => {
  // J = unguarded jump, j = jump guarded by "no verdict yet", R = Return on verdict.
  it.each([
    [2, "J j"],
    [5, "J j j j j"],
    [6, "J j j j j R J"],
    [7, "J j j j j R J j"],
    [10, "J j j j j R J j j j j"],
    [11, "J j j j j R J j j j j R J"],
    [12, "J j j j j R J j j j j R J j"],
  ])("%i members: %s", (n, layout) => {
    const rules = groupChainRules(many(n), "ingress").map(renderRuleFragments);
    const shape = rules.map((r) => (r.startsWith('-m comment --comment "Return on verdict" -m mark ! --mark 0/0x30000 --jump RETURN') ? "R" : r.startsWith("-m mark --mark 0/0x30000 --jump cali-pi-") ? "j" : r.startsWith("--jump cali-pi-") ? "J" : "?"));
    expect(shape.join(" ")).toBe(layout);
    // The jumps go to the members in order.
    expect(rules.filter((r) => !r.includes("RETURN")).map((r) => r.replace(/.*--jump /, ""))).toEqual(Array.from({ length: n }, (_, i) => `cali-pi-gnp/p${i + 1}`));
  });

  it("staged members are skipped and do not count towards the stride", () => {
    const members = [...many(3), m("sgnp/s1", "a == 'x'", true), ...many(3).map((x, i) => ({ ...x, id: `gnp/q${i + 1}` }))];
    const rules = groupChainRules(members, "egress").map(renderRuleFragments);
    expect(rules).toEqual([
      "--jump cali-po-gnp/p1",
      "-m mark --mark 0/0x30000 --jump cali-po-gnp/p2",
      "-m mark --mark 0/0x30000 --jump cali-po-gnp/p3",
      "-m mark --mark 0/0x30000 --jump cali-po-gnp/q1",
      "-m mark --mark 0/0x30000 --jump cali-po-gnp/q2",
      '-m comment --comment "Return on verdict" -m mark ! --mark 0/0x30000 --jump RETURN',
      "--jump cali-po-gnp/q3",
    ]);
  });
});

describe("forming groups (calico-332.md §4.3)", () => {
  it("runs of equal selector; a different selector splits a run; a single policy is inlined", () => {
    const jumps = tierJumps(tier([m("gnp/a", "x"), m("gnp/b", "x"), m("gnp/c", "y"), m("gnp/d", "x"), m("gnp/e", "x"), m("gnp/f", "x")]), "ingress");
    expect(jumps.map((j) => (j.kind === "policy" ? j.id : j.members.map((x) => x.id).join("+")))).toEqual(["gnp/a+gnp/b", "gnp/c", "gnp/d+gnp/e+gnp/f"]);
  });

  it("a group with one enforced member is inlined; one with none renders nothing; staged members still name a group", () => {
    const oneEnforced = tierJumps(tier([m("sgnp/s", "x", true), m("gnp/a", "x")]), "ingress");
    expect(oneEnforced).toEqual([{ kind: "policy", id: "gnp/a" }]);
    expect(tierJumps(tier([m("sgnp/s", "x", true), m("snp/ns/t", "x", true)]), "ingress")).toEqual([]);
    const withStaged = tierJumps(tier([m("gnp/a", "x"), m("sgnp/s", "x", true), m("gnp/b", "x")]), "ingress");
    const without = tierJumps(tier([m("gnp/a", "x"), m("gnp/b", "x")]), "ingress");
    expect(withStaged[0]?.kind).toBe("group");
    expect(withStaged[0]?.kind === "group" && withStaged[0].chain).not.toBe(without[0]?.kind === "group" && without[0].chain);
    // A staged policy with another selector between two enforced ones splits them.
    expect(tierJumps(tier([m("gnp/a", "x"), m("sgnp/s", "y", true), m("gnp/b", "x")]), "ingress")).toEqual([
      { kind: "policy", id: "gnp/a" },
      { kind: "policy", id: "gnp/b" },
    ]);
  });

  it("a tier of staged policies only: its Start of tier, no jump, no Return, no end-of-tier drop", () => {
    expect(tierRules([tier([m("sgnp/s", "x", true)])], "ingress").map(renderRuleFragments)).toEqual(['-m comment --comment "Start of tier t" --jump MARK --set-mark 0/0x20000']);
  });

  it("the UID hashes selector, direction, count and {Name, Namespace, Kind} of every member", () => {
    const a = [m("np/ns1/a", "s"), m("knp/ns1/b", "s")];
    const name = groupChainName("ingress", "s", a);
    expect(name).toMatch(/^cali-gi-[A-Za-z0-9_-]{20}$/);
    expect(groupChainName("egress", "s", a)).toMatch(/^cali-go-/);
    expect(groupChainName("egress", "s", a).slice(8)).not.toBe(name.slice(8));
    expect(groupChainName("ingress", "t", a)).not.toBe(name);
    expect(groupChainName("ingress", "s", [a[1] as TierMember, a[0] as TierMember])).not.toBe(name);
    expect(policyIdParts("np/ns1/a")).toEqual({ kind: "np", namespace: "ns1", name: "a" });
    expect(policyIdParts("kcnp/x")).toEqual({ kind: "kcnp", namespace: "", name: "x" });
    expect(policyIdParts("sknp/ns/y")).toEqual({ kind: "sknp", namespace: "ns", name: "y" });
    expect(() => policyIdParts("zz/a")).toThrow(/no known kind/);
  });
});

// --- compile(): sharing and host endpoint tables ------------------------------------------

const docs = (texts: string[]): Model => {
  const loaded = loadSources(texts.map((text, i) => ({ file: `d${i}.yaml`, text })));
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded.model;
};
const gnp = (name: string, spec: string) => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec: {${spec}}
`;
const podDoc = (name: string, labels: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: ${labels}}
spec: {nodeName: node-1, containers: [{name: c, image: i}]}
status: {podIP: 10.0.0.${name.length}, phase: Running}
`;
const hepDoc = `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: h, labels: {role: edge}}
spec: {node: node-1, interfaceName: eth0}
`;

describe("group chains in compile()", () => {
  it("one chain per group, shared by every endpoint that has the run", () => {
    const s = compile(docs([podDoc("a", "{app: web}"), podDoc("bb", "{app: web}"), gnp("p1", "order: 1, selector: app == 'web', ingress: [{action: Allow}]"), gnp("p2", "order: 2, selector: app == 'web', ingress: [{action: Deny}]")]), { node: "node-1" });
    const groups = names(s).filter((n) => n.startsWith("cali-gi-"));
    expect(groups).toHaveLength(1);
    const tws = s.chains.filter((c) => c.name.startsWith("cali-tw-"));
    expect(tws).toHaveLength(2);
    for (const tw of tws) expect(body(tw)).toContain(`-m mark --mark 0/0x20000 --jump ${groups[0]}`);
  });

  it("host endpoints: groups in filter (normal, forward), mangle (pre-DNAT) and raw (untracked, NOTRACK after the group jump)", () => {
    const two = (prefix: string, flags: string) => [1, 2].map((i) => gnp(`${prefix}${i}`, `order: ${i}, selector: role == 'edge', ${flags} ingress: [{action: Allow, protocol: TCP, destination: {ports: [${80 + i}]}}]`));
    const s = compile(docs([hepDoc, ...two("n", "applyOnForward: true,"), ...two("d", "preDNAT: true, applyOnForward: true,"), ...two("u", "doNotTrack: true, applyOnForward: true,")]), { node: "node-1" });
    const groupsIn = (table?: "mangle" | "raw") => names(s, table).filter((n) => n.startsWith("cali-gi-"));
    expect(groupsIn()).toHaveLength(1);
    expect(groupsIn("mangle")).toHaveLength(1);
    expect(groupsIn("raw")).toHaveLength(1);
    expect(new Set([...groupsIn(), ...groupsIn("mangle"), ...groupsIn("raw")]).size).toBe(3);
    const filterGroup = groupsIn()[0] as string;
    expect(body(chainOf(s, "cali-fh-eth0"))).toContain(`-m mark --mark 0/0x20000 --jump ${filterGroup}`);
    expect(body(chainOf(s, "cali-fhfw-eth0"))).toContain(`-m mark --mark 0/0x20000 --jump ${filterGroup}`);
    expect(body(chainOf(s, "cali-fh-eth0", "mangle"))).toContain(`-m mark --mark 0/0x20000 --jump ${groupsIn("mangle")[0]}`);
    const raw = body(chainOf(s, "cali-fh-eth0", "raw")) ?? [];
    const at = raw.indexOf(`-m mark --mark 0/0x20000 --jump ${groupsIn("raw")[0]}`);
    expect(at).toBeGreaterThan(0);
    expect(raw.slice(at + 1, at + 3)).toEqual(["-m mark --mark 0x10000/0x10000 --jump NOTRACK", '-m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN']);
    // Each table holds its group's policy chains too.
    expect(body(chainOf(s, groupsIn("raw")[0] as string, "raw"))).toEqual(["--jump cali-pi-gnp/u1", "-m mark --mark 0/0x30000 --jump cali-pi-gnp/u2"]);
    expect(names(s, "raw")).toEqual(expect.arrayContaining(["cali-pi-gnp/u1", "cali-pi-gnp/u2"]));
    expect(names(s)).not.toContain("cali-pi-gnp/u1");
  });
});
