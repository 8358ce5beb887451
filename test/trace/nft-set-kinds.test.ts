/**
 * The trace's view of the two address-set layouts (render.ts nftSet): an interval set contains
 * an address when one of its prefixes covers it; a plain set holds exact addresses; a prefix in
 * a plain set is a table nft would refuse, so the trace refuses it too (PC8002).
 */
import { describe, expect, it } from "vitest";
import { asIpSet } from "../../src/trace/nft-program.js";
import { setLookup } from "../../src/trace/sets.js";
import { parseIpv4, parseIpv6 } from "../../src/trace/ip.js";

const has = (set: Parameters<typeof asIpSet>[0], ip: string) => setLookup(asIpSet(set)).has((ip.includes(":") ? parseIpv6(ip) : parseIpv4(ip)) as number | bigint);

describe("nft address sets in the trace", () => {
  it.each([
    [{ name: "cali40s-a", type: "ipv4_addr", interval: false, elements: ["10.65.0.7", "10.65.0.9"] }, "10.65.0.7", true],
    [{ name: "cali40s-a", type: "ipv4_addr", interval: false, elements: ["10.65.0.7", "10.65.0.9"] }, "10.65.0.8", false],
    [{ name: "cali41s-a", type: "ipv4_addr", interval: true, elements: ["10.65.0.7/32", "198.51.100.0/24"] }, "198.51.100.77", true],
    [{ name: "cali41s-a", type: "ipv4_addr", interval: true, elements: ["10.65.0.7", "198.51.100.0/24"] }, "10.65.0.7", true],
    [{ name: "cali41s-a", type: "ipv4_addr", interval: true, elements: ["10.65.0.7/32", "198.51.100.0/24"] }, "198.51.101.1", false],
    [{ name: "cali60s-a", type: "ipv6_addr", interval: false, elements: ["fd00::5"] }, "fd00::5", true],
    [{ name: "cali60s-a", type: "ipv6_addr", interval: false, elements: ["fd00::5"] }, "fd00::6", false],
    [{ name: "cali61s-a", type: "ipv6_addr", interval: true, elements: ["fd00:1::/64"] }, "fd00:1::abcd", true],
  ] as const)("%j has %s: %s", (set, ip, expected) => {
    expect(has(set, ip)).toBe(expected);
  });

  it("refuses a prefix in a plain set", () => {
    expect(() => asIpSet({ name: "cali40s-a", type: "ipv4_addr", interval: false, elements: ["10.0.0.0/24"] })).toThrow(/PC8002|prefix in a set without flags interval/);
  });
});
