/** The nftables interpreter on hand-written `ip calico` tables: each clause the renderer writes, one case per line. */
import { describe, expect, it } from "vitest";
import type { NftChain, NftDataplaneState, NftMap, NftRule, NftSet } from "../../src/render/nftables/types.js";
import { TraceError, type Packet } from "../../src/trace/index.js";
import { nftTracerFor } from "../../src/trace/nft-program.js";
import { traceProgramPath } from "../../src/trace/host-path.js";

let n = 0;
const r = (body: string, ...comments: string[]): NftRule => ({ hash: `h${n++}`, body, comments });
const FORWARD: NftChain = {
  name: "filter-FORWARD",
  base: { type: "filter", hook: "forward", priority: 0 },
  rules: [r("counter jump filter-cali-X"), r("meta mark & 0x10000 == 0x10000 counter accept"), r("counter drop")],
};
function table(chains: NftChain[], sets: NftSet[] = [], maps: NftMap[] = [], family: "ip" | "ip6" = "ip"): NftDataplaneState {
  return { kind: "NftDataplaneState", ipVersion: family === "ip" ? 4 : 6, family, chains, sets, maps };
}
const pkt = (over: Partial<Packet> = {}): Packet => ({
  kind: "Packet", srcIp: "10.0.0.1", dstIp: "10.0.0.2", protocol: 6, srcPort: 40000, dstPort: 80,
  inInterface: "caliA", outInterface: "eth0", ctState: "NEW", ...over,
});
const ACC = "counter meta mark set mark or 0x10000";
const netSet: NftSet = { name: "cali40s-net", type: "ipv4_addr", interval: true, elements: ["10.0.0.0/30", "192.168.0.7/32"] };
const hostSet: NftSet = { name: "cali40this-host", type: "ipv4_addr", interval: false, elements: ["10.0.0.9"] };
const portSet: NftSet = { name: "cali40n-np", type: "ipv4_addr . inet_proto . inet_service", interval: false, elements: ["10.0.0.2 . tcp . 80", "10.0.0.2 . udp . 53"] };
const SETS = [netSet, hostSet, portSet];
/** allow when filter-cali-X leaves the accept mark set (the FORWARD rule after the jump accepts). */
const verdict = (bodies: string[], p: Partial<Packet> = {}, extra: NftChain[] = [], maps: NftMap[] = []) =>
  nftTracerFor(table([FORWARD, { name: "filter-cali-X", rules: bodies.map((b) => r(b)) }, ...extra], SETS, maps)).walk(pkt(p)).trace.verdict;

describe("nft rule bodies", () => {
  it.each([
    ["no match: the base chain's drop", ["meta l4proto udp " + ACC], {}, "deny"],
    ["protocol by name", ["meta l4proto tcp " + ACC], {}, "allow"],
    ["protocol by number", ["meta l4proto 6 " + ACC], {}, "allow"],
    ["negated protocol", ["meta l4proto != tcp " + ACC], {}, "deny"],
    ["source net", ["ip saddr 10.0.0.0/24 " + ACC], {}, "allow"],
    ["destination net miss", ["ip daddr 10.0.1.0/24 " + ACC], {}, "deny"],
    ["negated destination net", ["ip daddr != 10.0.1.0/24 " + ACC], {}, "allow"],
    ["plain address", ["ip daddr 10.0.0.2 " + ACC], {}, "allow"],
    ["port set with a range", ["meta l4proto tcp tcp dport { 70-90, 443 } " + ACC], {}, "allow"],
    ["port without braces", ["meta l4proto tcp tcp dport 80 " + ACC], {}, "allow"],
    ["negated port set", ["meta l4proto tcp tcp dport != { 80 } " + ACC], {}, "deny"],
    ["negated port set, other port", ["tcp dport != { 22 } " + ACC], {}, "allow"],
    ["a tcp clause never matches udp, even negated", ["tcp dport != { 22 } " + ACC], { protocol: 17 }, "deny"],
    ["source ports", ["meta l4proto tcp tcp sport { 40000 } " + ACC], {}, "allow"],
    ["udp port on tcp", ["udp dport { 80 } " + ACC], {}, "deny"],
    ["interface wildcard", ["iifname cali* " + ACC], {}, "allow"],
    ["interface exact miss", ["oifname caliB " + ACC], {}, "deny"],
    ["interface negated", ["oifname != caliB " + ACC], {}, "allow"],
    ["quoted interface name with a dot", ['oifname "eth0.100" ' + ACC], { outInterface: "eth0.100" }, "allow"],
    ["quoted wildcard", ['iifname "vxlan.calico*" ' + ACC], { inInterface: "vxlan.calico" }, "allow"],
    ["quoted wildcard miss", ['iifname "vxlan.calico*" ' + ACC], {}, "deny"],
    ["udplite port", ["meta l4proto udplite udplite dport { 80 } " + ACC], { protocol: 136 }, "allow"],
    ["ct state of a first packet is new", ["ct state related,established counter accept"], {}, "deny"],
    ["ct state new", ["ct state new " + ACC], {}, "allow"],
    ["ct status != dnat (no NAT)", ["ct status != dnat " + ACC], {}, "allow"],
    ["ct status dnat", ["ct status dnat " + ACC], {}, "deny"],
    ["mark set then matched", ["counter meta mark set mark or 0x80000", "meta mark & 0x80000 == 0x80000 " + ACC], {}, "allow"],
    ["mark clear test", ["meta mark & 0x20000 == 0 " + ACC], {}, "allow"],
    ["mark any-set test", ["meta mark & 0x30000 != 0 " + ACC], {}, "deny"],
    ["mark cleared with &", [ACC, "counter meta mark set mark & 0xfffeffff"], {}, "deny"],
    ["masked set: & ~mask ^ value", [ACC, "counter meta mark set mark & 0xffe7ffff ^ 0x0"], {}, "allow"],
    ["masked set writes the value", ["counter meta mark set mark & 0xfffeffff ^ 0x10000"], {}, "allow"],
    ["drop is final", ["counter drop", ACC], {}, "deny"],
    ["reject is a deny", ["counter reject with tcp reset", ACC], {}, "deny"],
    ["return ends the chain", ["counter return", ACC], {}, "deny"],
    ["continue does nothing", ["continue", ACC], {}, "allow"],
    ["log continues", ['counter log prefix "calico-packet: " level info', ACC], {}, "allow"],
    ["nflog continues", ['meta mark & 0x10000 == 0x10000 counter log prefix "API0|gnp/foo" snaplen 80 group 1', ACC], {}, "allow"],
    ["a first packet is within the rate limit", ["limit rate 10/second burst 5 packets meta l4proto tcp " + ACC], {}, "allow"],
    ["QoS: the first packet is not over the rate", ["counter limit rate over 1000/second burst 5 packets drop", ACC], {}, "allow"],
    ["QoS: the first connection is not over the limit", ["counter ct count over 10 reject with tcp reset", ACC], {}, "allow"],
    ["icmp type", ["meta l4proto icmp icmp type 8 " + ACC], { protocol: 1, icmp: { type: 8, code: 3 } }, "allow"],
    ["icmp type miss", ["icmp type 0 " + ACC], { protocol: 1, icmp: { type: 8, code: 0 } }, "deny"],
    ["negated icmp type needs icmp", ["icmp type != 8 " + ACC], {}, "deny"],
    ["icmp type and code", ["icmp type 8 icmp code 0 " + ACC], { protocol: 1, icmp: { type: 8, code: 0 } }, "allow"],
    ["icmp code miss", ["icmp type 8 icmp code 1 " + ACC], { protocol: 1, icmp: { type: 8, code: 0 } }, "deny"],
    ["not (type and code): other code", ["icmp type . icmp code != { 8 . 0 } " + ACC], { protocol: 1, icmp: { type: 8, code: 1 } }, "allow"],
    ["not (type and code): that pair", ["icmp type . icmp code != { 8 . 0 } " + ACC], { protocol: 1, icmp: { type: 8, code: 0 } }, "deny"],
    ["interval set hit", ["ip saddr @cali40s-net " + ACC], {}, "allow"],
    ["interval set miss", ["ip saddr @cali40s-net " + ACC], { srcIp: "10.0.0.4" }, "deny"],
    ["negated set", ["ip saddr != @cali40s-net " + ACC], { srcIp: "10.0.0.4" }, "allow"],
    ["plain address set", ["ip daddr @cali40this-host " + ACC], { dstIp: "10.0.0.9" }, "allow"],
    ["named port concatenation", ["ip daddr . meta l4proto . th dport @cali40n-np " + ACC], {}, "allow"],
    ["named port: protocol must match", ["ip daddr . meta l4proto . th dport @cali40n-np " + ACC], { protocol: 17 }, "deny"],
    ["named port negated", ["ip daddr . meta l4proto . th dport != @cali40n-np " + ACC], { dstPort: 81 }, "allow"],
    ["reverse-path check passes", ["fib saddr . mark . iif oif 0 counter drop", ACC], {}, "allow"],
    ["forwarded: the source is not local", ["fib saddr type != local " + ACC], {}, "allow"],
    ["forwarded: the destination is not local", ["fib daddr type local " + ACC], {}, "deny"],
    ["jump and come back", ["counter jump filter-cali-Y", ACC], {}, "allow"],
    ["goto does not come back", ["counter goto filter-cali-Y", ACC], {}, "deny"],
  ] as const)("%s", (_name, bodies, p, expected) => {
    expect(verdict([...bodies], p, [{ name: "filter-cali-Y", rules: [r("counter return")] }])).toBe(expected);
  });
});

describe("verdict maps", () => {
  const map: NftMap = { name: "filter-cali-from-wl-dispatch", type: "ifname : verdict", elements: [{ key: "caliA", verdict: "goto filter-cali-fw-caliA" }, { key: "caliR", verdict: "return" }] };
  const dispatch = [r("iifname vmap @filter-cali-from-wl-dispatch"), r("counter drop", "Unknown interface")];
  const fw: NftChain = { name: "filter-cali-fw-caliA", rules: [r(ACC)] };
  const run = (inInterface: string) =>
    nftTracerFor(table([FORWARD, { name: "filter-cali-X", rules: dispatch }, fw], [], [map])).walk(pkt({ inInterface })).trace;

  it("an exact key goes to its endpoint chain, which decides; the step shows the element", () => {
    const t = run("caliA");
    expect(t.verdict).toBe("allow");
    expect(t.chains).toEqual(["filter-FORWARD", "filter-cali-X", "filter-cali-fw-caliA"]);
    expect(t.steps[1]?.action).toBe("iifname vmap @filter-cali-from-wl-dispatch: caliA : goto filter-cali-fw-caliA");
    expect(t.endpoints).toEqual([expect.objectContaining({ chain: "filter-cali-fw-caliA", direction: "egress", interfaceName: "caliA", verdict: "allow" })]);
  });

  it("a miss falls through to the next rule (Unknown interface)", () => {
    const t = run("caliZ");
    expect(t.verdict).toBe("deny");
    expect(t.final).toMatchObject({ chain: "filter-cali-X", index: 1, comment: "Unknown interface" });
  });

  it("no wildcard keys: cali matches no element of a map holding caliA", () => {
    expect(run("cali").verdict).toBe("deny");
  });

  it("a return element returns from the dispatch chain", () => {
    const t = run("caliR");
    expect(t.chains).toEqual(["filter-FORWARD", "filter-cali-X"]);
    expect(t.verdict).toBe("deny");
  });
});

describe("rule text the interpreter does not know is PC8002, never a guess", () => {
  it.each([
    ["unknown clause", "meta skuid 0 counter accept"],
    ["unknown action", "counter masquerade"],
    ["missing set", "ip saddr @cali40s-nope counter accept"],
    ["missing map", "iifname vmap @nope"],
    ["ip6 in an ip table", "ip6 saddr ::1 counter accept"],
    ["symbolic ICMP type", "icmp type echo-request counter accept"],
    ["anonymous address set", "ip saddr { 10.0.0.1 } counter accept"],
    ["words after the verdict", "counter accept drop"],
    ["concatenated set used as an address set", "ip saddr @cali40n-np counter accept"],
    ["a mark test without a mask", "meta mark 0x10000 counter accept"],
    ["a dotted interface name unquoted", "iifname eth0.100 counter accept"],
  ])("%s", (_name, body) => {
    const err = (() => {
      try {
        verdict([body]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TraceError);
    expect((err as TraceError).code).toBe("PC8002");
  });

  it("a jump to a chain the table lacks", () => {
    expect(() => verdict(["counter jump filter-cali-nope"])).toThrow(/filter-cali-nope, which the ip calico table does not have/);
  });
});

describe("base chains in hook and priority order", () => {
  const base = (name: string, hook: "prerouting" | "forward" | "postrouting" | "input" | "output", priority: number, ...bodies: string[]): NftChain => ({
    name,
    base: { type: "filter", hook, priority },
    rules: bodies.map((b) => r(b)),
  });
  const path = (chains: NftChain[], p: Partial<Packet> = {}, where: "forward" | "input" | "output" = "forward") => traceProgramPath(nftTracerFor(table(chains)), pkt(p), where);

  it("forward: raw -300, mangle -150 on prerouting, then filter forward, then postrouting; the list order does not matter", () => {
    const t = path([
      base("mangle-POSTROUTING", "postrouting", -150, "counter accept"),
      base("filter-FORWARD", "forward", 0, "meta mark & 0x10000 == 0x10000 counter accept", "counter drop"),
      base("mangle-PREROUTING", "prerouting", -150, "meta mark & 0x80000 == 0x80000 " + ACC),
      base("raw-PREROUTING", "prerouting", -300, "iifname cali* counter meta mark set mark or 0x80000", "counter accept"),
      base("filter-INPUT", "input", 0, "counter drop"),
    ]);
    expect(t.tables.map((x) => `${x.table} ${x.hook} ${x.trace.verdict}`)).toEqual(["raw PREROUTING allow", "mangle PREROUTING allow", "filter FORWARD allow", "mangle POSTROUTING allow"]);
    expect(t.verdict).toBe("allow");
  });

  it("an accept ends only its base chain; the mark carries on; a drop is final", () => {
    const chains = [base("raw-PREROUTING", "prerouting", -300, "counter accept"), base("filter-FORWARD", "forward", 0, "counter drop"), base("mangle-POSTROUTING", "postrouting", -150, "counter accept")];
    const t = path(chains);
    expect(t.verdict).toBe("deny");
    expect(t.tables.map((x) => x.table)).toEqual(["raw", "filter"]);
  });

  it("an empty base chain is not walked (policy accept)", () => {
    const t = path([base("raw-PREROUTING", "prerouting", -300), base("filter-FORWARD", "forward", 0, "counter accept")]);
    expect(t.tables.map((x) => x.table)).toEqual(["filter"]);
  });

  it("notrack makes the later base chains see an untracked packet (ct status reads nothing)", () => {
    const t = path([base("raw-PREROUTING", "prerouting", -300, "counter notrack"), base("filter-FORWARD", "forward", 0, "ct status != dnat counter drop", "ct state untracked counter accept")]);
    expect(t.verdict).toBe("allow");
    expect(t.tables.map((x) => x.untracked)).toEqual([true, true]);
  });

  it("input: the destination is local; output: the source is", () => {
    const input = [base("filter-INPUT", "input", 0, "fib daddr type local counter drop")];
    expect(path(input, {}, "input").verdict).toBe("deny");
    const output = [base("filter-OUTPUT", "output", 0, "fib saddr . oif type local counter drop")];
    expect(path(output, {}, "output").verdict).toBe("deny");
    expect(path(output, {}, "forward").verdict).toBe("allow");
  });
});

describe("ip6 calico", () => {
  const FORWARD6: NftChain = { ...FORWARD, rules: FORWARD.rules };
  const sets6: NftSet[] = [
    { name: "cali60s-net", type: "ipv6_addr", interval: true, elements: ["fd00:1::/64", "fd00:2::7/128"] },
    { name: "cali60n-np", type: "ipv6_addr . inet_proto . inet_service", interval: false, elements: ["fd00::2 . tcp . 80"] },
  ];
  const v6 = (bodies: string[], p: Partial<Packet> = {}) =>
    nftTracerFor(table([FORWARD6, { name: "filter-cali-X", rules: bodies.map((b) => r(b)) }], sets6, [], "ip6")).walk(pkt({ srcIp: "fd00:1::5", dstIp: "fd00::2", ...p })).trace.verdict;

  it.each([
    ["ip6 source net", ["ip6 saddr fd00:1::/64 " + ACC], {}, "allow"],
    ["ip6 negated destination", ["ip6 daddr != fd00::2 " + ACC], {}, "deny"],
    ["ip6 interval set", ["ip6 saddr @cali60s-net " + ACC], {}, "allow"],
    ["ip6 interval set: a /128", ["ip6 saddr @cali60s-net " + ACC], { srcIp: "fd00:2::8" }, "deny"],
    ["ip6 named port", ["ip6 daddr . meta l4proto . th dport @cali60n-np " + ACC], {}, "allow"],
    ["icmpv6 type", ["meta l4proto 58 icmpv6 type 128 " + ACC], { protocol: 58, icmp: { type: 128, code: 0 } }, "allow"],
    ["icmpv6 by name", ["meta l4proto icmpv6 icmpv6 type 128 " + ACC], { protocol: 58, icmp: { type: 128, code: 0 } }, "allow"],
    ["icmpv6 type and code miss", ["icmpv6 type 128 icmpv6 code 1 " + ACC], { protocol: 58, icmp: { type: 128, code: 0 } }, "deny"],
  ] as const)("%s", (_name, bodies, p, expected) => {
    expect(v6([...bodies], p)).toBe(expected);
  });

  it("an ip match in an ip6 table is PC8002", () => {
    expect(() => v6(["ip saddr 10.0.0.1 " + ACC])).toThrow(/ip match in an ip6 table/);
  });

  it("an IPv4 packet through an IPv6 table is PC8001", () => {
    expect(() => v6([ACC], { srcIp: "10.0.0.1" })).toThrow(expect.objectContaining({ code: "PC8001" }));
  });
});
