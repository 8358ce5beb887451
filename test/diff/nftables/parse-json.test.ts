/**
 * Reading `nft --json list table` back (fixtures captured from nft 1.0.6 in a namespace, see
 * the scripts in the test): hashes from comments, handles, base chains, canonical elements.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hashOfNftComment, parseNftJson } from "../../../src/diff/nftables/parse-json.js";
import { SaveParseError } from "../../../src/diff/errors.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("parseNftJson", () => {
  // ip-calico.json was listed after loading:
  //   cali40s-a interval { 10.65.0.7/32, 10.65.1.0/26, 10.1.0.0/16 }, cali40n-b concat
  //   { 10.65.0.7 . tcp . 8080, 10.65.0.8 . udp . 53 }, cali40this-host { 10.0.0.5 },
  //   filter-FORWARD (base), filter-cali-tw-cali1234, filter-cali-from-wl-dispatch (chain and map)
  it("reads chains, rules (hash, handle), sets and maps of ip calico", () => {
    const s = parseNftJson(fixture("ip-calico.json"), 4);
    expect(s.exists).toBe(true);
    expect(s.chains).toEqual([
      { name: "filter-FORWARD", base: { type: "filter", hook: "forward", priority: 0 }, rules: [{ hash: "dpfqBgJrpRwlrqw1", handle: 8 }] },
      { name: "filter-cali-from-wl-dispatch", rules: [{ hash: "aaa", handle: 9 }, { hash: "", handle: 10 }] },
      { name: "filter-cali-tw-cali1234", rules: [{ hash: "bbb", handle: 11 }] },
    ]);
    expect(s.sets).toEqual([
      { name: "cali40n-b", type: "ipv4_addr . inet_proto . inet_service", interval: false, elements: ["10.65.0.8 . udp . 53", "10.65.0.7 . tcp . 8080"] },
      // A /32 written to an interval set reads back bare; canonical is /32 again (§5.3).
      { name: "cali40s-a", type: "ipv4_addr", interval: true, elements: ["10.1.0.0/16", "10.65.0.7/32", "10.65.1.0/26"] },
      { name: "cali40this-host", type: "ipv4_addr", interval: false, elements: ["10.0.0.5"] },
    ]);
    expect(s.maps).toEqual([
      {
        name: "filter-cali-from-wl-dispatch",
        type: "ifname : verdict",
        elements: [
          { key: "cali5", verdict: "return" },
          { key: "cali1234", verdict: "goto filter-cali-tw-cali1234" },
        ],
      },
    ]);
    expect(s.others).toEqual([]);
  });

  it("reads IPv6 interval elements as /128 and prefixes", () => {
    const s = parseNftJson(fixture("ip6-calico.json"), 6);
    expect(s.family).toBe("ip6");
    expect(s.sets).toEqual([{ name: "cali60s-a", type: "ipv6_addr", interval: true, elements: ["fd00::1/128", "fd00:1::/64"] }]);
    expect(s.chains[0]?.rules.map((r) => r.hash)).toEqual(["v6hash", ""]);
  });

  it.each([
    ["cali:abc; NetworkPolicy x", "abc"],
    ["cali:abc;", "abc"],
    ["cali:abc", "abc"],
    ["something else", ""],
    [undefined, ""],
  ])("the hash of comment %j is %j", (comment, hash) => {
    expect(hashOfNftComment(comment)).toBe(hash);
  });

  it("records objects of kinds policy-compile never creates (the table is then rebuilt)", () => {
    const text = JSON.stringify({ nftables: [{ metainfo: { json_schema_version: 1 } }, { table: { family: "ip", name: "calico", handle: 1 } }, { counter: { family: "ip", table: "calico", name: "c1", handle: 2 } }] });
    expect(parseNftJson(text, 4).others).toEqual(["counter c1"]);
  });

  it.each([
    ["not json", "not JSON"],
    [JSON.stringify({ nftables: [] }), "json_schema_version is not 1"],
    [JSON.stringify({ nftables: [{ metainfo: { json_schema_version: 1 } }, { chain: { family: "ip", table: "filter", name: "INPUT" } }] }), "a chain of table ip filter, not ip calico"],
    [JSON.stringify({ nftables: [{ metainfo: { json_schema_version: 1 } }, { rule: { family: "ip", table: "calico", chain: "x", handle: 3 } }] }), "a rule of chain x, which was not listed"],
  ])("refuses %s", (text, message) => {
    expect(() => parseNftJson(text, 4)).toThrow(SaveParseError);
    expect(() => parseNftJson(text, 4)).toThrow(message);
  });
});
