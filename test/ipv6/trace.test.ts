/**
 * The interpreter on IPv6 states: 128-bit nets and sets, icmp6 matches, and explain choosing the
 * family (an IPv6 peer address, or ipVersion 6 between dual-stack pods).
 */
import { describe, expect, it } from "vitest";
import type { Chain, DataplaneState, IpSet, IptRule } from "../../src/render/types.js";
import { TraceError, explainFlow, tracePacket, type Packet } from "../../src/trace/index.js";
import { calicoPolicy, cluster, load } from "./fixtures.js";

let n = 0;
const r = (match: string, action: string): IptRule => ({ hash: `h${n++}`, comments: [], match, action });
const ACC = "--jump MARK --set-mark 0x10000/0x10000";
function state6(rules: IptRule[], ipsets: IpSet[] = []): DataplaneState {
  const chains: Chain[] = [{ name: "cali-X", rules }];
  return {
    kind: "DataplaneState",
    ipVersion: 6,
    chains,
    hooks: [{ chain: "FORWARD", inserts: [r("", "--jump cali-X")], appends: [r("-m mark --mark 0x10000/0x10000", "--jump ACCEPT"), r("", "--jump DROP")] }],
    ipsets,
  };
}
const pkt = (over: Partial<Packet> = {}): Packet => ({
  kind: "Packet", srcIp: "fd00:10::b", dstIp: "fd00:10::a", protocol: 6, srcPort: 40000, dstPort: 80,
  inInterface: "caliA", outInterface: "eth0", ctState: "NEW", ...over,
});
const net6: IpSet = { name: "cali60s:x", type: "hash:net", family: "inet6", maxelem: 1048576, members: ["fd00:10::/64", "2001:db8::1/128"] };
const port6: IpSet = { name: "cali60n:x", type: "hash:ip,port", family: "inet6", maxelem: 1048576, members: ["fd00:10::a,tcp:80"] };

describe("tracePacket on an IPv6 state", () => {
  it.each([
    ["source net", [r("--source fd00:10::/64", ACC)], {}, "allow"],
    ["source net miss (one bit outside a /65)", [r("--source fd00:10::8000:0:0:0/65", ACC)], {}, "deny"],
    ["negated destination net", [r("! --destination fd00:11::/64", ACC)], {}, "allow"],
    ["hash:net inet6 src", [r("-m set --match-set cali60s:x src", ACC)], {}, "allow"],
    ["hash:net inet6 /128 member", [r("-m set --match-set cali60s:x src", ACC)], { srcIp: "2001:db8::1" }, "allow"],
    ["hash:net inet6 miss", [r("-m set --match-set cali60s:x src", ACC)], { srcIp: "2001:db8::2" }, "deny"],
    ["hash:ip,port inet6", [r("-p tcp -m set --match-set cali60n:x dst,dst", ACC)], {}, "allow"],
    ["hash:ip,port inet6 other port", [r("-p tcp -m set --match-set cali60n:x dst,dst", ACC)], { dstPort: 81 }, "deny"],
    ["icmp6 type/code", [r("-p icmpv6 -m icmp6 --icmpv6-type 128/0", ACC)], { protocol: 58, icmp: { type: 128, code: 0 } }, "allow"],
    ["icmp6 other type", [r("-p icmpv6 -m icmp6 --icmpv6-type 128", ACC)], { protocol: 58, icmp: { type: 129, code: 0 } }, "deny"],
    ["negated icmp6", [r("-p 58 -m icmp6 ! --icmpv6-type 1/4", ACC)], { protocol: 58, icmp: { type: 128, code: 0 } }, "allow"],
    ["-m icmp (IPv4 ICMP) never matches ICMPv6", [r("-m icmp --icmp-type 8", ACC)], { protocol: 58, icmp: { type: 8, code: 0 } }, "deny"],
  ] as const)("%s", (_name, rules, p, expected) => {
    expect(tracePacket(state6([...rules], [net6, port6]), pkt(p)).verdict).toBe(expected);
  });

  it.each([
    ["an IPv4 net in an IPv6 state", [r("--source 10.0.0.0/8", ACC)], {}, /10\.0\.0\.0\/8 is not an IPv6 network/],
    ["an IPv4 packet in an IPv6 state", [r("", ACC)], { srcIp: "10.0.0.1" }, /not IPv6 \(the state is IPv6\)/],
  ] as const)("refuses %s", (_name, rules, p, message) => {
    expect(() => tracePacket(state6([...rules]), pkt(p))).toThrow(TraceError);
    expect(() => tracePacket(state6([...rules]), pkt(p))).toThrow(message);
  });
});

describe("explainFlow over IPv6", () => {
  const model = load(cluster() + calicoPolicy([
    "{action: Allow, protocol: TCP, source: {selector: app == 'client'}, destination: {ports: [80]}}",
    "{action: Allow, protocol: TCP, source: {nets: ['2001:db8::/32'], notNets: ['2001:db8:1::/48']}, destination: {ports: [443]}}",
    "{action: Allow, protocol: ICMPv6, icmp: {type: 128}}",
  ]));
  const web = { kind: "pod", namespace: "default", name: "web" } as const;
  const client = { kind: "pod", namespace: "default", name: "client" } as const;
  const old = { kind: "pod", namespace: "default", name: "old" } as const;
  it.each([
    ["dual-stack pods over IPv6: the cali60 set", { from: client, to: web, protocol: "TCP", port: 80, ipVersion: 6 }, "allow"],
    ["dual-stack pods over IPv4: the same rule, cali40 set", { from: client, to: web, protocol: "TCP", port: 80 }, "allow"],
    ["an IPv6 address inside the net", { from: { kind: "ip", ip: "2001:db8:2::5" }, to: web, protocol: "TCP", port: 443 }, "allow"],
    ["an IPv6 address inside the notNet", { from: { kind: "ip", ip: "2001:db8:1::5" }, to: web, protocol: "TCP", port: 443 }, "deny"],
    ["ICMP in IPv6 is ICMPv6 echo (128): allowed", { from: client, to: web, protocol: "ICMP", ipVersion: 6 }, "allow"],
    ["ICMP in IPv4 is echo (8): the ICMPv6 rule is not in iptables", { from: client, to: web, protocol: "ICMP" }, "deny"],
  ] as const)("%s", (_name, flow, verdict) => {
    expect(explainFlow(model, flow).verdict).toBe(verdict);
  });

  it("names the IPv6 rule that decided", () => {
    const e = explainFlow(model, { from: { kind: "ip", ip: "2001:db8:2::5" }, to: web, protocol: "TCP", port: 443 });
    expect(e.hops[0]?.decidedBy?.summary).toBe("NetworkPolicy default/p (tier default) ingress rule 1 (Allow)");
    expect(e.hops[0]?.decidedBy?.iptables).toContain("--source 2001:db8::/32");
  });

  it.each([
    ["an IPv4-only pod over IPv6", { from: old, to: web, protocol: "TCP", port: 80, ipVersion: 6 }, /pod default\/old has no IPv6 address/],
    ["an IPv6 address with ipVersion 4", { from: { kind: "ip", ip: "2001:db8::1" }, to: web, protocol: "TCP", port: 80, ipVersion: 4 }, /the flow is IPv4 but its address is IPv6/],
    ["a bad IPv6 address", { from: { kind: "ip", ip: "2001:db8:::1" }, to: web, protocol: "TCP", port: 80 }, /2001:db8:::1 is not an IPv6 address/],
  ] as const)("refuses %s", (_name, flow, message) => {
    expect(() => explainFlow(model, flow)).toThrow(message);
  });
});
