/**
 * The nft set layout (render.ts nftSet, docs/nftables.md "Set layout"): a selector set of host
 * addresses only is a plain address set under Felix's name; one holding a real CIDR is an
 * interval set named with version token 1; the layout is chosen from the content, so a set whose
 * content changes layout gets a new name and the rules that use it follow.
 */
import { describe, expect, it } from "vitest";
import { renderNodeIr } from "../../src/render/node-view.js";
import { holdsOnlyHosts, nftIntervalSetName, nftSet, renderNft } from "../../src/render/nftables/render.js";
import type { IpSet } from "../../src/render/types.js";
import { allowHttpView } from "./fixtures.js";

const set = (name: string, members: string[], family: IpSet["family"] = "inet"): IpSet => ({ name, type: "hash:net", family, maxelem: 1048576, members });

describe("layout chosen from the content", () => {
  it.each([
    ["host addresses (IPv4)", set("cali40s:abc", ["10.65.0.7/32", "10.65.0.10/32"]), { name: "cali40s-abc", type: "ipv4_addr", interval: false, elements: ["10.65.0.10", "10.65.0.7"] }],
    ["host addresses (IPv6)", set("cali60s:abc", ["fd00::5/128", "fd00::1/128"], "inet6"), { name: "cali60s-abc", type: "ipv6_addr", interval: false, elements: ["fd00::1", "fd00::5"] }],
    ["empty (a selector that selects nothing yet)", set("cali40s:abc", []), { name: "cali40s-abc", type: "ipv4_addr", interval: false, elements: [] }],
    ["a network set's CIDR among pods", set("cali40s:abc", ["10.65.0.7/32", "198.51.0.0/24", "198.51.0.9/32"]), { name: "cali41s-abc", type: "ipv4_addr", interval: true, elements: ["10.65.0.7/32", "198.51.0.0/24"] }],
    ["the /1 halves of a /0", set("cali40s:abc", ["0.0.0.0/1", "128.0.0.0/1"]), { name: "cali41s-abc", type: "ipv4_addr", interval: true, elements: ["0.0.0.0/1", "128.0.0.0/1"] }],
    ["an IPv6 /64", set("cali60s:abc", ["fd00::1/128", "fd00:1::/64"], "inet6"), { name: "cali61s-abc", type: "ipv6_addr", interval: true, elements: ["fd00:1::/64", "fd00::1/128"] }],
    ["a /31 is not a host", set("cali40s:abc", ["10.0.0.0/31"]), { name: "cali41s-abc", type: "ipv4_addr", interval: true, elements: ["10.0.0.0/31"] }],
  ])("%s", (_what, ipset, expected) => {
    expect(nftSet(ipset)).toEqual(expected);
  });

  it("named-port sets are concatenations without interval, under Felix's name", () => {
    const s = nftSet({ name: "cali40n:abc", type: "hash:ip,port", family: "inet", maxelem: 1048576, members: ["10.65.0.7,tcp:8080"] });
    expect(s).toEqual({ name: "cali40n-abc", type: "ipv4_addr . inet_proto . inet_service", interval: false, elements: ["10.65.0.7 . tcp . 8080"] });
  });

  it("only hash:net sets of /32 (/128 in IPv6) members count as host sets", () => {
    expect(holdsOnlyHosts(set("cali40s:a", ["10.0.0.1/32"]))).toBe(true);
    expect(holdsOnlyHosts(set("cali60s:a", ["fd00::1/128"], "inet6"))).toBe(true);
    expect(holdsOnlyHosts(set("cali60s:a", ["fd00::/32"], "inet6"))).toBe(false);
    expect(holdsOnlyHosts({ ...set("cali40n:a", []), type: "hash:ip,port" })).toBe(false);
  });

  it("the interval name swaps the version token and keeps the 31-byte length; a name without one is a bug", () => {
    expect(nftIntervalSetName("cali40s:cttW8MqAIeVWez-m8dwR9b3")).toBe("cali41s-cttW8MqAIeVWez-m8dwR9b3");
    expect(nftIntervalSetName("cali60s:cttW8MqAIeVWez-m8dwR9b3")).toBe("cali61s-cttW8MqAIeVWez-m8dwR9b3");
    expect(() => nftIntervalSetName("other:x")).toThrow(/no version token/);
  });
});

describe("rules follow the set's name", () => {
  const SET = "cali40s:cttW8MqAIeVWez-m8dwR9b3";
  const tableWith = (members: string[]) => renderNft(renderNodeIr({ ...allowHttpView(), ipsets: [set(SET, members)] }));
  const policyRule = (members: string[]) => tableWith(members).chains.find((c) => c.name === "filter-cali-pi-np/default/allow-http")?.rules[0];

  it("pods only: the plain set and Felix's rule text and hash (felix-nftables.md §3.6 vector)", () => {
    const t = tableWith(["10.65.0.7/32"]);
    expect(t.sets).toEqual([{ name: "cali40s-cttW8MqAIeVWez-m8dwR9b3", type: "ipv4_addr", interval: false, elements: ["10.65.0.7"] }]);
    expect(policyRule(["10.65.0.7/32"])).toMatchObject({
      hash: "LcIpG_tgryclYexS",
      body: "meta l4proto tcp ip saddr @cali40s-cttW8MqAIeVWez-m8dwR9b3 tcp dport { 80, 443 } counter meta mark set mark or 0x10000",
    });
  });

  it("a network set joins: a new interval set, the rule rewritten to use it, the old name gone", () => {
    const t = tableWith(["10.65.0.7/32", "198.51.100.0/24"]);
    expect(t.sets.map((s) => `${s.name} ${s.interval}`)).toEqual(["cali41s-cttW8MqAIeVWez-m8dwR9b3 true"]);
    const r = policyRule(["10.65.0.7/32", "198.51.100.0/24"]);
    expect(r?.body).toBe("meta l4proto tcp ip saddr @cali41s-cttW8MqAIeVWez-m8dwR9b3 tcp dport { 80, 443 } counter meta mark set mark or 0x10000");
    expect(r?.hash).not.toBe("LcIpG_tgryclYexS");
  });
});
