/**
 * Rule → iptables fragments, one row per field (felix-dataplane.md §4.2–§4.4). Each expected line
 * is `<match> <action>` after the hash comment; default marks A=0x10000 P=0x20000 D=0x40000
 * S0=0x80000 S1=0x100000.
 */
import { describe, expect, it } from "vitest";
import { renderRuleFragments } from "../../src/render/hash.js";
import { iptBody } from "../../src/render/iptables/print.js";
import { renderRule as irRenderRule, renderRuleList as irRenderRuleList } from "../../src/render/rule-render.js";

// The builders produce the rule IR; these specifications read its iptables printing.
const renderRule = (...a: Parameters<typeof irRenderRule>) => irRenderRule(...a).map(iptBody);
const renderRuleList = (...a: Parameters<typeof irRenderRuleList>) => irRenderRuleList(...a).map(iptBody);
import type { PortRange, ResolvedRule } from "../../src/resolve/types.js";
import { resolvedRule } from "./fixtures.js";

const lines = (o: Partial<ResolvedRule>) => renderRule(resolvedRule(o)).map(renderRuleFragments);
const ports = (...ns: number[]): PortRange[] => ns.map((n) => ({ first: n, last: n }));
const range = (first: number, last: number): PortRange => ({ first, last });
const ACCEPT_RET = "-m mark --mark 0x10000/0x10000 --jump RETURN";
const allow = (match: string) => [`${match} --jump MARK --set-mark 0x10000/0x10000`, ACCEPT_RET];
const SET = "cali40s:Ypl0eH3rfAA2jEIzV-DfzRp";
const NP = "cali40n:4BJEkoXK5sMzgkgZW1T0V2-";

describe("single-rule match fragments", () => {
  it.each<[string, Partial<ResolvedRule>, string[]]>([
    ["protocol name", { protocol: "tcp" }, allow("-p tcp")],
    ["protocol udp", { protocol: "udp" }, allow("-p udp")],
    ["protocol sctp", { protocol: "sctp" }, allow("-p sctp")],
    ["protocol number", { protocol: 132 }, allow("-p 132")],
    ["notProtocol name", { notProtocol: "udp" }, allow("! -p udp")],
    ["notProtocol number", { notProtocol: 17 }, allow("! -p 17")],
    ["icmp type", { protocol: "icmp", icmp: { type: 8 } }, allow("-p icmp -m icmp --icmp-type 8")],
    ["icmp type/code", { protocol: "icmp", icmp: { type: 3, code: 4 } }, allow("-p icmp -m icmp --icmp-type 3/4")],
    ["notICMP", { protocol: "icmp", notICMP: { type: 8, code: 0 } }, allow("-p icmp -m icmp ! --icmp-type 8/0")],
    ["one source net", { srcNets: ["10.0.0.1/8"] }, allow("--source 10.0.0.1/8")],
    ["one destination net", { dstNets: ["10.0.0.0/8"] }, allow("--destination 10.0.0.0/8")],
    ["one source notNet", { notSrcNets: ["10.1.0.0/16"] }, allow("! --source 10.1.0.0/16")],
    ["one destination notNet", { notDstNets: ["10.1.0.0/16"] }, allow("! --destination 10.1.0.0/16")],
    ["source selector set", { srcIpSets: [SET] }, allow(`-m set --match-set ${SET} src`)],
    ["destination selector set", { dstIpSets: [SET] }, allow(`-m set --match-set ${SET} dst`)],
    ["source notSelector set", { notSrcIpSets: [SET] }, allow(`-m set ! --match-set ${SET} src`)],
    ["destination notSelector set", { notDstIpSets: [SET] }, allow(`-m set ! --match-set ${SET} dst`)],
    ["destination ports", { protocol: "tcp", dstPorts: ports(80, 443) }, allow("-p tcp -m multiport --destination-ports 80,443")],
    ["source ports", { protocol: "udp", srcPorts: ports(53) }, allow("-p udp -m multiport --source-ports 53")],
    ["port range (endPort)", { protocol: "tcp", dstPorts: [range(8000, 8080)] }, allow("-p tcp -m multiport --destination-ports 8000:8080")],
    ["notPorts", { protocol: "tcp", notDstPorts: [range(1, 1023)] }, allow("-p tcp -m multiport ! --destination-ports 1:1023")],
    ["source notPorts", { protocol: "tcp", notSrcPorts: ports(22) }, allow("-p tcp -m multiport ! --source-ports 22")],
    ["one named port", { protocol: "tcp", dstNamedPortIpSets: [NP] }, allow(`-p tcp -m set --match-set ${NP} dst,dst`)],
    ["one source named port", { protocol: "tcp", srcNamedPortIpSets: [NP] }, allow(`-p tcp -m set --match-set ${NP} src,src`)],
    ["negated named port", { protocol: "tcp", notDstNamedPortIpSets: [NP] }, allow(`-p tcp -m set ! --match-set ${NP} dst,dst`)],
    [
      "every positive field, then every negated one, in Felix's order",
      {
        protocol: "tcp",
        srcNets: ["10.0.0.0/8"],
        srcIpSets: [SET],
        srcPorts: ports(1000),
        dstNets: ["192.168.0.0/16"],
        dstIpSets: [SET],
        dstPorts: ports(80),
        notSrcIpSets: [SET],
        notSrcPorts: ports(1001),
        notDstIpSets: [SET],
        notDstPorts: ports(81),
      },
      allow(
        `-p tcp --source 10.0.0.0/8 -m set --match-set ${SET} src -m multiport --source-ports 1000 ` +
          `--destination 192.168.0.0/16 -m set --match-set ${SET} dst -m multiport --destination-ports 80 ` +
          `-m set ! --match-set ${SET} src -m multiport ! --source-ports 1001 ` +
          `-m set ! --match-set ${SET} dst -m multiport ! --destination-ports 81`,
      ),
    ],
  ])("%s", (_name, rule, expected) => {
    expect(lines(rule)).toEqual(expected);
  });
});

describe("actions", () => {
  it.each<[ResolvedRule["action"], string[]]>([
    ["Allow", ["-p tcp --jump MARK --set-mark 0x10000/0x10000", "-m mark --mark 0x10000/0x10000 --jump RETURN"]],
    ["Pass", ["-p tcp --jump MARK --set-mark 0x20000/0x20000", "-m mark --mark 0x20000/0x20000 --jump RETURN"]],
    ["Deny", ["-p tcp --jump MARK --set-mark 0x40000/0x40000", "-m mark --mark 0x40000/0x40000 --jump DROP"]],
    ["Log", ['-p tcp --jump LOG --log-prefix "calico-packet: " --log-level 5']],
  ])("%s", (action, expected) => {
    expect(lines({ action, protocol: "tcp" })).toEqual(expected);
  });

  it("a match-all Allow is a bare set-mark", () => {
    expect(lines({})).toEqual(["--jump MARK --set-mark 0x10000/0x10000", ACCEPT_RET]);
  });
});

describe("match blocks (felix-dataplane.md §4.3)", () => {
  const sixteen = Array.from({ length: 16 }, (_, i) => 1000 + i);
  it.each<[string, Partial<ResolvedRule>, string[]]>([
    [
      "more than 15 ports: two multiport splits OR-ed through scratch0",
      { protocol: "tcp", dstPorts: ports(...sixteen) },
      [
        "--jump MARK --set-mark 0x0/0x180000",
        `-p tcp -m multiport --destination-ports ${sixteen.slice(0, 15).join(",")} --jump MARK --set-mark 0x80000/0x80000`,
        "-p tcp -m multiport --destination-ports 1015 --jump MARK --set-mark 0x80000/0x80000",
        ...allow("-p tcp -m mark --mark 0x80000/0x80000"),
      ],
    ],
    [
      "ranges take two slots: 8 ranges split 7 + 1",
      { protocol: "udp", dstPorts: Array.from({ length: 8 }, (_, i) => range(i * 10 + 1, i * 10 + 2)) },
      [
        "--jump MARK --set-mark 0x0/0x180000",
        "-p udp -m multiport --destination-ports 1:2,11:12,21:22,31:32,41:42,51:52,61:62 --jump MARK --set-mark 0x80000/0x80000",
        "-p udp -m multiport --destination-ports 71:72 --jump MARK --set-mark 0x80000/0x80000",
        ...allow("-p udp -m mark --mark 0x80000/0x80000"),
      ],
    ],
    [
      "numeric and named ports are OR-ed in one block; the named set carries no -p",
      { protocol: "tcp", dstPorts: ports(80), dstNamedPortIpSets: [NP] },
      [
        "--jump MARK --set-mark 0x0/0x180000",
        "-p tcp -m multiport --destination-ports 80 --jump MARK --set-mark 0x80000/0x80000",
        `-m set --match-set ${NP} dst,dst --jump MARK --set-mark 0x80000/0x80000`,
        ...allow("-p tcp -m mark --mark 0x80000/0x80000"),
      ],
    ],
    [
      "negated ports over 15 stay in the main rule, AND-ed per split",
      { protocol: "tcp", notDstPorts: ports(...sixteen) },
      allow(
        `-p tcp -m multiport ! --destination-ports ${sixteen.slice(0, 15).join(",")} -m multiport ! --destination-ports 1015`,
      ),
    ],
    [
      "one net and one notNet on the same side: a negated block pre-sets scratch0",
      { dstNets: ["10.0.0.0/16"], notDstNets: ["10.0.1.0/24"] },
      [
        "--jump MARK --set-mark 0x80000/0x180000",
        "--destination 10.0.1.0/24 --jump MARK --set-mark 0/0x80000",
        ...allow("--destination 10.0.0.0/16 -m mark --mark 0x80000/0x80000"),
      ],
    ],
    [
      "the policy_test.go vector: 2 src, 2 !src, 2 dst, 2 !dst",
      {
        srcNets: ["10.0.0.0/24", "10.0.1.0/24"],
        notSrcNets: ["11.0.0.0/24", "11.0.1.0/24"],
        dstNets: ["12.0.0.0/24", "12.0.1.0/24"],
        notDstNets: ["13.0.0.0/24", "13.0.1.0/24"],
      },
      [
        "--jump MARK --set-mark 0x0/0x180000",
        "--source 10.0.0.0/24 --jump MARK --set-mark 0x80000/0x80000",
        "--source 10.0.1.0/24 --jump MARK --set-mark 0x80000/0x80000",
        "--destination 12.0.0.0/24 --jump MARK --set-mark 0x100000/0x100000",
        "--destination 12.0.1.0/24 --jump MARK --set-mark 0x100000/0x100000",
        "-m mark --mark 0/0x100000 --jump MARK --set-mark 0/0x80000",
        "--source 11.0.0.0/24 --jump MARK --set-mark 0/0x80000",
        "--source 11.0.1.0/24 --jump MARK --set-mark 0/0x80000",
        "--destination 13.0.0.0/24 --jump MARK --set-mark 0/0x80000",
        "--destination 13.0.1.0/24 --jump MARK --set-mark 0/0x80000",
        ...allow("-m mark --mark 0x80000/0x80000"),
      ],
    ],
  ])("%s", (_name, rule, expected) => {
    expect(lines(rule)).toEqual(expected);
  });
});

describe("annotations and chain-level shaping", () => {
  it("annotations become key=value comments on every rule, sorted by key, escaped", () => {
    const out = renderRule(resolvedRule({ action: "Deny", annotations: { zeta: "1", "alpha/x": "a b;c" } }));
    expect(out.map((r) => r.comments)).toEqual([
      ["alpha/x=a b_c", "zeta=1"],
      ["alpha/x=a b_c", "zeta=1"],
    ]);
  });

  it("strips the trailing RETURN and puts the chain comment after the rule's own comments", () => {
    const out = renderRuleList([resolvedRule({ annotations: { k: "v" } })], "Profile p ingress").map(renderRuleFragments);
    expect(out).toEqual(['-m comment --comment "k=v" -m comment --comment "Profile p ingress" --jump MARK --set-mark 0x10000/0x10000']);
  });

  it("an empty chain is one comment-only rule", () => {
    expect(renderRuleList([], "Profile ksa.a.b egress").map(renderRuleFragments)).toEqual([
      '-m comment --comment "Profile ksa.a.b egress"',
    ]);
  });

  it("a Deny at the end is not stripped", () => {
    const out = renderRuleList([resolvedRule({ action: "Deny" })], "c").map(renderRuleFragments);
    expect(out.at(-1)).toBe("-m mark --mark 0x40000/0x40000 --jump DROP");
  });
});
