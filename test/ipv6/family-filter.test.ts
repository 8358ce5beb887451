/**
 * Family filtering of rules, as Calico's FilterRuleToIPVersion and rule conversion do it
 * (felix-dataplane.md §4.1, pitfall 12): each rule of a policy is kept in the IPv4 chain, the
 * IPv6 chain, or both, and the IPv6 one renders IPv6 nets, cali60 sets and icmp6 matches.
 */
import { describe, expect, it } from "vitest";
import { compile, compileBoth, usesIpv6 } from "../../src/render/index.js";
import { renderRuleFragments } from "../../src/render/hash.js";
import type { DataplaneState } from "../../src/render/types.js";
import { loadSources } from "../../src/model/index.js";
import { calicoPolicy, cluster, load } from "./fixtures.js";

/** The policy chain's rules (fragments), without the first rule's policy comment. */
function policyRules(state: DataplaneState): string[] {
  const chain = state.chains.find((c) => c.name === "cali-pi-np/default/p");
  if (!chain) throw new Error("no policy chain");
  return chain.rules.map(renderRuleFragments).map((r) => r.replace(/^-m comment --comment "NetworkPolicy default\/p ingress" ?/, ""));
}

const ACCEPT = "--jump MARK --set-mark 0x10000/0x10000";

describe.each([
  ["ICMPv6 (implies IPv6)", "{action: Allow, protocol: ICMPv6, icmp: {type: 128, code: 0}}", undefined, `-p icmpv6 -m icmp6 --icmpv6-type 128/0 ${ACCEPT}`],
  ["ICMP (implies IPv4)", "{action: Allow, protocol: ICMP, icmp: {type: 8}}", `-p icmp -m icmp --icmp-type 8 ${ACCEPT}`, undefined],
  ["numeric protocol 58 stays in both", "{action: Allow, protocol: 58, icmp: {type: 128}}", `-p 58 -m icmp --icmp-type 128 ${ACCEPT}`, `-p 58 -m icmp6 --icmpv6-type 128 ${ACCEPT}`],
  ["ipVersion 6", "{action: Allow, ipVersion: 6, protocol: TCP, destination: {ports: [22]}}", undefined, `-p tcp -m multiport --destination-ports 22 ${ACCEPT}`],
  ["ipVersion 4", "{action: Allow, ipVersion: 4, protocol: TCP, destination: {ports: [22]}}", `-p tcp -m multiport --destination-ports 22 ${ACCEPT}`, undefined],
  ["IPv6 source net, written uncompressed", "{action: Allow, source: {nets: ['2001:DB8:0:0::/32']}}", undefined, `--source 2001:db8::/32 ${ACCEPT}`],
  ["IPv4 destination net", "{action: Deny, destination: {nets: [192.0.2.0/24]}}", `--destination 192.0.2.0/24 --jump MARK --set-mark 0x40000/0x40000`, undefined],
  ["IPv6 notNets", "{action: Allow, destination: {notNets: ['fd00::/8']}}", undefined, `! --destination fd00::/8 ${ACCEPT}`],
  ["negated 0.0.0.1/0 (Felix masks it to the catch-all) drops the rule everywhere", "{action: Allow, source: {notNets: ['0.0.0.1/0']}}", undefined, undefined],
  ["negated ::/1 (IPv6 nets only): only in ip6tables", "{action: Allow, source: {notNets: ['::/1']}}", undefined, `! --source ::/1 ${ACCEPT}`],
  ["no family: both, each with its own set", "{action: Allow, source: {selector: app == 'client'}}", `-m set --match-set cali40s:nzSmsJwJYA58y5TsSTCcRcP src ${ACCEPT}`, `-m set --match-set cali60s:nzSmsJwJYA58y5TsSTCcRcP src ${ACCEPT}`],
  ["notICMP under ICMPv6", "{action: Allow, protocol: ICMPv6, notICMP: {type: 1, code: 4}}", undefined, `-p icmpv6 -m icmp6 ! --icmpv6-type 1/4 ${ACCEPT}`],
])("%s", (_name, rule, v4, v6) => {
  const model = load(cluster() + calicoPolicy([rule]));
  it("IPv4 chain", () => {
    const rules = policyRules(compile(model, { node: "node-1" }));
    expect(rules[0]).toBe(v4 ?? ""); // "" = the comment-only rule of an empty chain
  });
  it("IPv6 chain", () => {
    const rules = policyRules(compile(model, { node: "node-1", ipVersion: 6 }));
    expect(rules[0]).toBe(v6 ?? "");
  });
});

describe("rules of different families in one policy", () => {
  const model = load(cluster() + calicoPolicy([
    "{action: Allow, protocol: TCP, source: {nets: [10.0.0.0/8]}, destination: {ports: [80]}}",
    "{action: Allow, protocol: TCP, source: {nets: ['fd00::/8']}, destination: {ports: [80]}}",
  ]));
  it("each family keeps only its own rule, so the rule positions (and hashes) differ", () => {
    expect(policyRules(compile(model, { node: "node-1" }))).toEqual([`-p tcp --source 10.0.0.0/8 -m multiport --destination-ports 80 ${ACCEPT}`]);
    expect(policyRules(compile(model, { node: "node-1", ipVersion: 6 }))).toEqual([`-p tcp --source fd00::/8 -m multiport --destination-ports 80 ${ACCEPT}`]);
  });
});

describe("IPv6 ipsets", () => {
  const model = load(cluster() + calicoPolicy(["{action: Allow, protocol: TCP, source: {selector: app == 'client'}, destination: {ports: [http]}}"]));
  const v6 = compile(model, { node: "node-1", ipVersion: 6 });
  it("are cali60, family inet6, members in canonical compressed form (/128 for hash:net, none for ip,port)", () => {
    // The destination side has no selector, so its named-port set holds every pod declaring `http`.
    expect(v6.ipsets.map((s) => [s.name.slice(0, 7), s.type, s.family, s.members])).toEqual([
      ["cali60n", "hash:ip,port", "inet6", ["fd00:10::a,tcp:8080", "fd00:10::b,tcp:8080"]],
      ["cali60s", "hash:net", "inet6", ["fd00:10::b/128"]],
    ]);
  });
  it("leave IPv4-only pods out (they are in the cali40 set only)", () => {
    const v4 = compile(model, { node: "node-1" });
    expect(v4.ipsets.find((s) => s.name.startsWith("cali40s"))?.members).toEqual(["10.65.0.11/32", "10.65.0.12/32"]);
  });
  it("share the set id with the IPv4 set", () => {
    const v4 = compile(model, { node: "node-1" });
    expect(v6.ipsets.map((s) => s.name.slice(6))).toEqual(v4.ipsets.map((s) => s.name.slice(6)));
  });
  it("sort by 128-bit address, then prefix; ::/0 is split into two /1 halves", () => {
    const m = load(
      cluster() +
        `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: v6-nets, labels: {set: v6}}
spec: {nets: ['fd00:10::/64', '::/0', '2001:db8::/32', 'fd00:9::1/128', '10.0.0.0/8']}
` +
        calicoPolicy(["{action: Allow, source: {selector: set == 'v6', namespaceSelector: global()}}"]),
    );
    const set = compile(m, { node: "node-1", ipVersion: 6 }).ipsets[0];
    expect(set?.members).toEqual(["::/1", "2001:db8::/32", "8000::/1", "fd00:9::1/128", "fd00:10::/64"]);
  });
});

describe("the IPv6 static chains", () => {
  const model = load(cluster());
  it("cali-wl-to-host accepts ICMPv6 MLD, router solicitation and neighbour discovery before workload egress policy", () => {
    const v6 = compile(model, { node: "node-1", ipVersion: 6 });
    expect(v6.chains.find((c) => c.name === "cali-wl-to-host")?.rules.map(renderRuleFragments)).toEqual([
      "-p 58 -m icmp6 --icmpv6-type 130 --jump ACCEPT",
      "-p 58 -m icmp6 --icmpv6-type 131 --jump ACCEPT",
      "-p 58 -m icmp6 --icmpv6-type 132 --jump ACCEPT",
      "-p 58 -m icmp6 --icmpv6-type 133 --jump ACCEPT",
      "-p 58 -m icmp6 --icmpv6-type 135 --jump ACCEPT",
      "-p 58 -m icmp6 --icmpv6-type 136 --jump ACCEPT",
      "--jump cali-from-wl-dispatch",
      '-m comment --comment "Configured DefaultEndpointToHostAction" --jump ACCEPT',
    ]);
  });
  it("every other chain and hook is the IPv4 one, byte for byte", () => {
    const v4 = compile(model, { node: "node-1" });
    const v6 = compile(model, { node: "node-1", ipVersion: 6 });
    const others = (s: DataplaneState) => s.chains.filter((c) => c.name !== "cali-wl-to-host");
    expect(others(v6)).toEqual(others(v4));
    expect(v6.hooks).toEqual(v4.hooks);
    expect([v4.ipVersion, v6.ipVersion]).toEqual([4, 6]);
  });
});

describe("when IPv6 is in play", () => {
  const v4only = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n" + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default}\nspec: {nodeName: node-1, containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.1}\n";
  it.each([
    ["IPv4-only pods and rules", v4only, false],
    ["a dual-stack pod", cluster(), true],
    ["an ipVersion 6 rule", v4only + calicoPolicy(["{action: Allow, ipVersion: 6}"]), true],
    ["an ICMPv6 rule", v4only + calicoPolicy(["{action: Allow, protocol: ICMPv6}"]), true],
    ["an IPv6 notNet", v4only + calicoPolicy(["{action: Allow, destination: {notNets: ['fd00::/8']}}"]), true],
  ])("%s → %s", (_name, text, expected) => {
    const model = load(text);
    expect(usesIpv6(model)).toBe(expected);
    expect(compileBoth(model, { node: "node-1" }).v6 !== undefined).toBe(expected);
  });
});

describe("negated catch-all nets: Calico's validator refuses the literal ones (PC3090), Felix drops the rest (PC4040)", () => {
  const text = (notNets: string) => `${cluster()}${calicoPolicy([`{action: Deny, destination: {notNets: [${notNets}]}}`])}`;
  it.each([
    ["'::/0'", "PC3090"],
    ["'::1/0'", "PC3090"],
    ["0.0.0.0/0", "PC3090"],
    // The validator compares the IPv4 text literally; Felix masks it to 0.0.0.0/0 and drops the rule.
    ["0.0.0.1/0", "PC4040"],
    ["'::/1'", undefined],
    ["10.0.0.0/8", undefined],
  ])("notNets [%s] → %s", (nets, code) => {
    const { diagnostics } = loadSources([{ file: "in.yaml", text: text(nets) }]);
    const found = diagnostics.filter((d) => d.code === "PC4040" || d.code === "PC3090").map((d) => `${d.code} ${d.severity}`);
    expect(found).toEqual(code === undefined ? [] : [`${code} ${code === "PC3090" ? "error" : "warning"}`]);
  });
});
