import { describe, expect, it } from "vitest";
import { assertNftText, isSafeNftLine, renderNftScript } from "../../src/render/nftables/script.js";
import type { NftDataplaneState } from "../../src/render/nftables/types.js";
import { UnsafeTokenError } from "../../src/render/safe-token.js";

const state: NftDataplaneState = {
  kind: "NftDataplaneState",
  ipVersion: 4,
  family: "ip",
  chains: [
    { name: "filter-FORWARD", base: { type: "filter", hook: "forward", priority: 0 }, rules: [{ hash: "dpfqBgJrpRwlrqw1", body: "counter jump filter-cali-FORWARD", comments: [] }] },
    { name: "filter-cali-FORWARD", rules: [{ hash: "AAAAAAAAAAAAAAAA", body: "iifname cali* counter goto filter-cali-from-wl-dispatch", comments: ["From workload"] }] },
    {
      name: "filter-cali-from-wl-dispatch",
      rules: [
        { hash: "BBBBBBBBBBBBBBBB", body: "iifname vmap @filter-cali-from-wl-dispatch", comments: [] },
        { hash: "CCCCCCCCCCCCCCCC", body: "counter drop", comments: ["Unknown interface"] },
      ],
    },
    { name: "filter-cali-fw-cali1234", rules: [{ hash: "DDDDDDDDDDDDDDDD", body: "ip saddr @cali40s-X counter accept", comments: [] }] },
  ],
  sets: [{ name: "cali40s-X", type: "ipv4_addr", interval: true, elements: ["10.65.0.7/32", "10.65.1.0/26"] }],
  maps: [{ name: "filter-cali-from-wl-dispatch", type: "ifname : verdict", elements: [{ key: "cali1234", verdict: "goto filter-cali-fw-cali1234" }] }],
};

describe("renderNftScript", () => {
  it("creates the table, sets, chains, maps, rules, then map elements, in that order", () => {
    expect(renderNftScript([state])).toBe(
      [
        "add table ip calico",
        "add set ip calico cali40s-X { type ipv4_addr ; flags interval ; }",
        "add element ip calico cali40s-X { 10.65.0.7/32, 10.65.1.0/26 }",
        "add chain ip calico filter-FORWARD { type filter hook forward priority 0 ; }",
        "add chain ip calico filter-cali-FORWARD",
        "add chain ip calico filter-cali-from-wl-dispatch",
        "add chain ip calico filter-cali-fw-cali1234",
        "add map ip calico filter-cali-from-wl-dispatch { type ifname : verdict ; }",
        'add rule ip calico filter-FORWARD counter jump filter-cali-FORWARD comment "cali:dpfqBgJrpRwlrqw1;"',
        'add rule ip calico filter-cali-FORWARD iifname cali* counter goto filter-cali-from-wl-dispatch comment "cali:AAAAAAAAAAAAAAAA; From workload"',
        'add rule ip calico filter-cali-from-wl-dispatch iifname vmap @filter-cali-from-wl-dispatch comment "cali:BBBBBBBBBBBBBBBB;"',
        'add rule ip calico filter-cali-from-wl-dispatch counter drop comment "cali:CCCCCCCCCCCCCCCC; Unknown interface"',
        'add rule ip calico filter-cali-fw-cali1234 ip saddr @cali40s-X counter accept comment "cali:DDDDDDDDDDDDDDDD;"',
        "add element ip calico filter-cali-from-wl-dispatch { cali1234 : goto filter-cali-fw-cali1234 }",
        "",
      ].join("\n"),
    );
  });

  it("prints IPv4 before IPv6 whatever the order given", () => {
    const v6: NftDataplaneState = { ...state, ipVersion: 6, family: "ip6", sets: [], maps: [], chains: [] };
    const text = renderNftScript([v6, { ...state, sets: [], maps: [], chains: [] }]);
    expect(text).toBe("add table ip calico\nadd table ip6 calico\n");
  });

  it("splits large sets into lines of 1000 elements", () => {
    const elements = Array.from({ length: 2500 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1/32`);
    const text = renderNftScript([{ ...state, chains: [], maps: [], sets: [{ name: "cali40s-Y", type: "ipv4_addr", interval: true, elements }] }]);
    const lines = text.split("\n").filter((l) => l.startsWith("add element"));
    expect(lines).toHaveLength(3);
    expect(lines[2]?.split(", ")).toHaveLength(500);
  });
});

describe("the nft text guard", () => {
  it.each([
    ["a second command after ;", 'add rule ip calico filter-x counter accept ; flush ruleset comment "cali:A;"'],
    ["a comment that ends the line early", "add rule ip calico filter-x counter accept # drop"],
    ["a quote outside a comment or an interface name", 'add rule ip calico filter-x meta l4proto "tcp" counter accept comment "cali:A;"'],
    ["an interface name quoted with a quote inside", 'add rule ip calico filter-x iifname "eth0"x" counter accept comment "cali:A;"'],
    ["a quote that does not close", 'add rule ip calico filter-x counter accept comment "cali:A;'],
    ["another table", "add rule ip filter INPUT counter accept"],
    ["an unknown command", "flush ruleset"],
    ["a name with a space", "add chain ip calico filter-a b"],
    ["a backslash", 'add rule ip calico filter-x counter accept comment "cali:A;\\"'],
  ])("refuses %s", (_why, line) => {
    expect(isSafeNftLine(line)).toBe(false);
    expect(() => assertNftText(`${line}\n`)).toThrow(UnsafeTokenError);
  });

  it("accepts the log prefix and the comment", () => {
    expect(isSafeNftLine('add rule ip calico filter-cali-pi-x counter log prefix "calico-packet: " level info comment "cali:AAAAAAAAAAAAAAAA; a=b"')).toBe(true);
  });

  it("refuses a state whose chain name would smuggle a command", () => {
    const bad: NftDataplaneState = { ...state, sets: [], maps: [], chains: [{ name: "filter-x;flush ruleset", rules: [] }] };
    expect(() => renderNftScript([bad])).toThrow(UnsafeTokenError);
  });
});

describe("the nft text guard admits quoted interface names", () => {
  it.each(['add rule ip calico filter-x iifname "eth0.100" counter goto filter-cali-fh-eth0.100 comment "cali:A;"', 'add rule ip calico filter-x oifname "eth0.*" counter accept comment "cali:A;"'])("%s", (line) => {
    expect(isSafeNftLine(line)).toBe(true);
  });
});
