/** The interpreter on hand-written states: each netfilter rule of traversal, one case per line. */
import { describe, expect, it } from "vitest";
import type { Chain, DataplaneState, IpSet, IptRule } from "../../src/render/types.js";
import { TraceError, tracePacket, type Packet } from "../../src/trace/index.js";

let n = 0;
const r = (match: string, action: string): IptRule => ({ hash: `h${n++}`, comments: [], match, action });
function state(chains: Chain[], ipsets: IpSet[] = []): DataplaneState {
  return {
    kind: "DataplaneState",
    ipVersion: 4,
    chains,
    hooks: [{ chain: "FORWARD", inserts: [r("", "--jump cali-X")], appends: [r("-m mark --mark 0x10000/0x10000", "--jump ACCEPT"), r("", "--jump DROP")] }],
    ipsets,
  };
}
const pkt = (over: Partial<Packet> = {}): Packet => ({
  kind: "Packet", srcIp: "10.0.0.1", dstIp: "10.0.0.2", protocol: 6, srcPort: 40000, dstPort: 80,
  inInterface: "caliA", outInterface: "eth0", ctState: "NEW", ...over,
});
/** allow when chain cali-X's rules leave the accept mark set (the FORWARD append accepts). */
const verdict = (rules: IptRule[], p: Partial<Packet> = {}, ipsets: IpSet[] = [], extra: Chain[] = []) =>
  tracePacket(state([{ name: "cali-X", rules }, ...extra], ipsets), pkt(p)).verdict;
const ACC = "--jump MARK --set-mark 0x10000/0x10000";
const netSet: IpSet = { name: "s1", type: "hash:net", family: "inet", maxelem: 1048576, members: ["10.0.0.0/30", "192.168.0.7/32"] };
const portSet: IpSet = { name: "np", type: "hash:ip,port", family: "inet", maxelem: 1048576, members: ["10.0.0.2,tcp:80"] };

describe("tracePacket", () => {
  it.each([
    ["no match: default drop", [r("-p udp", ACC)], {}, "deny"],
    ["protocol by name", [r("-p tcp", ACC)], {}, "allow"],
    ["protocol by number", [r("-p 6", ACC)], {}, "allow"],
    ["negated protocol", [r("! -p tcp", ACC)], {}, "deny"],
    ["source net", [r("--source 10.0.0.0/24", ACC)], {}, "allow"],
    ["destination net miss", [r("--destination 10.0.1.0/24", ACC)], {}, "deny"],
    ["negated destination net", [r("! --destination 10.0.1.0/24", ACC)], {}, "allow"],
    ["multiport range", [r("-p tcp -m multiport --destination-ports 70:90,443", ACC)], {}, "allow"],
    ["negated multiport", [r("-p tcp -m multiport ! --destination-ports 80", ACC)], {}, "deny"],
    ["source ports", [r("-p tcp -m multiport --source-ports 40000", ACC)], {}, "allow"],
    ["interface wildcard", [r("--in-interface cali+", ACC)], {}, "allow"],
    ["interface exact miss", [r("--out-interface caliB", ACC)], {}, "deny"],
    ["ctstate NEW is not ESTABLISHED", [r("-m conntrack --ctstate RELATED,ESTABLISHED", "--jump ACCEPT")], {}, "deny"],
    ["ctstate ! DNAT", [r("-m conntrack ! --ctstate DNAT", ACC)], {}, "allow"],
    ["mark set then matched", [r("", "--jump MARK --set-mark 0x80000/0x80000"), r("-m mark --mark 0x80000/0x80000", ACC)], {}, "allow"],
    ["mark cleared", [r("", ACC), r("", "--jump MARK --set-mark 0/0x10000")], {}, "deny"],
    ["set-xmark", [r("", "--jump MARK --set-xmark 0x10000/0xffffffff")], {}, "allow"],
    ["DROP is final", [r("", "--jump DROP"), r("", ACC)], {}, "deny"],
    ["RETURN ends the chain", [r("", "--jump RETURN"), r("", ACC)], {}, "deny"],
    ["LOG continues", [r("", '--jump LOG --log-prefix "calico-packet: " --log-level 5'), r("", ACC)], {}, "allow"],
    ["icmp type any code", [r("-p icmp -m icmp --icmp-type 8", ACC)], { protocol: 1, icmp: { type: 8, code: 3 } }, "allow"],
    ["icmp type/code miss", [r("-p icmp -m icmp --icmp-type 8/0", ACC)], { protocol: 1, icmp: { type: 8, code: 3 } }, "deny"],
    ["hash:net src member", [r("-m set --match-set s1 src", ACC)], {}, "allow"],
    ["hash:net dst by covering net", [r("-m set --match-set s1 dst", ACC)], {}, "allow"],
    ["hash:net negated", [r("-m set ! --match-set s1 src", ACC)], {}, "deny"],
    ["hash:ip,port dst,dst", [r("-m set --match-set np dst,dst", ACC)], {}, "allow"],
    ["hash:ip,port wrong port", [r("-m set --match-set np dst,dst", ACC)], { dstPort: 81 }, "deny"],
    ["hash:ip,port wrong protocol", [r("-m set --match-set np dst,dst", ACC)], { protocol: 17 }, "deny"],
  ] as const)("%s", (_name, rules, p, expected) => {
    expect(verdict([...rules], p, [netSet, portSet])).toBe(expected);
  });

  it("jump returns to the caller; goto returns to the caller's caller", () => {
    const sub: Chain = { name: "cali-S", rules: [r("", "--jump RETURN")] };
    const setter: Chain = { name: "cali-T", rules: [r("", ACC)] };
    expect(verdict([r("", "--jump cali-S"), r("", ACC)], {}, [], [sub])).toBe("allow");
    // goto cali-S: its RETURN leaves cali-X too, so the ACC after the goto never runs.
    expect(verdict([r("", "--goto cali-S"), r("", ACC)], {}, [], [sub])).toBe("deny");
    const t = tracePacket(state([{ name: "cali-X", rules: [r("", "--goto cali-T")] }, setter]), pkt());
    expect(t.chains).toEqual(["FORWARD", "cali-X", "cali-T"]);
    expect(t.final?.chain).toBe("FORWARD");
  });

  it.each([
    ["unknown option", "-m tcp --tcp-flags SYN SYN"],
    ["unknown module option", "-m mark --ctstate NEW"],
    ["missing set", "-m set --match-set nope src"],
    ["wrong set flags", "-m set --match-set s1 src,src"],
    ["named ICMP type", "-p icmp -m icmp --icmp-type echo-request"],
  ])("fails loudly on %s", (_name, match) => {
    expect(() => verdict([r(match, ACC)], {}, [netSet])).toThrow(TraceError);
  });

  it("fails loudly on an unknown target and a jump to a missing chain", () => {
    expect(() => verdict([r("", "--jump REJECT")])).toThrow(/REJECT/);
    expect(() => verdict([r("", "--jump cali-missing")])).toThrow(/cali-missing/);
  });
});
