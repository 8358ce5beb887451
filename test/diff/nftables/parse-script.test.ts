/**
 * parseNftScript: a calico.nft script (what renderNftScript prints) read back into the desired
 * states apply and diff take: every golden script round-trips byte for byte; the pieces land
 * where they belong (families, base chains, interval sets, maps, rule hashes and comments);
 * anything the printer does not write is refused with its line and column.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { NftScriptError, parseNftScript } from "../../../src/diff/nftables/parse-script.js";
import { renderNftScript } from "../../../src/render/nftables/script.js";

const goldenDir = resolve(import.meta.dirname, "../../../golden");
const scripts = readdirSync(goldenDir)
  .filter((d) => existsSync(join(goldenDir, d, "calico.nft")))
  .sort();

describe("golden scripts", () => {
  it("are there to read", () => {
    expect(scripts.length).toBeGreaterThan(30);
  });

  it.each(scripts)("%s: parse then print gives the same bytes", (name) => {
    const text = readFileSync(join(goldenDir, name, "calico.nft"), "utf8");
    expect(renderNftScript(parseNftScript(text))).toBe(text);
  });
});

const SCRIPT = [
  "# written by hand, in an order the printer would not use",
  "add table ip6 calico",
  "add chain ip6 calico filter-INPUT { type filter hook input priority 0 ; }",
  "",
  "add table ip calico",
  "add set ip calico cali40s-b { type ipv4_addr ; }",
  "add set ip calico cali40s-a { type ipv4_addr ; flags interval ; }",
  "add element ip calico cali40s-a { 10.0.0.2/32, 10.0.0.1/32 }",
  "add element ip calico cali40s-a { 10.0.0.1/32 }",
  "add map ip calico cali-dispatch { type ifname : verdict ; }",
  "add element ip calico cali-dispatch { cali2 : goto filter-cali-x, cali1 : goto filter-cali-x }",
  "add chain ip calico mangle-OUTPUT { type route hook output priority -150 ; }",
  "add chain ip calico filter-cali-x",
  'add rule ip calico filter-cali-x ip saddr @cali40s-a counter accept comment "cali:AAAAAAAAAAAAAAAA; Policy gnp/x ingress"',
  'add rule ip calico filter-cali-x counter drop comment "cali:B-_9BBBBBBBBBBBB;"',
  "",
].join("\n");

describe("what a script holds", () => {
  const [v4, v6] = parseNftScript(SCRIPT);

  it("one state per family, IPv4 first", () => {
    expect([v4?.family, v4?.ipVersion, v6?.family, v6?.ipVersion]).toEqual(["ip", 4, "ip6", 6]);
    expect(parseNftScript("add table ip6 calico\n").map((s) => s.ipVersion)).toEqual([6]);
    expect(parseNftScript("# nothing\n\n")).toEqual([]);
  });

  it("chains by name, base chains with type, hook and priority", () => {
    expect(v4?.chains).toEqual([
      { name: "filter-cali-x", rules: [
        { hash: "AAAAAAAAAAAAAAAA", body: "ip saddr @cali40s-a counter accept", comments: ["Policy gnp/x ingress"] },
        { hash: "B-_9BBBBBBBBBBBB", body: "counter drop", comments: [] },
      ] },
      { name: "mangle-OUTPUT", base: { type: "route", hook: "output", priority: -150 }, rules: [] },
    ]);
    expect(v6?.chains).toEqual([{ name: "filter-INPUT", base: { type: "filter", hook: "input", priority: 0 }, rules: [] }]);
  });

  it("sets by name with their flags, elements once each and sorted; maps with their verdicts sorted by key", () => {
    expect(v4?.sets).toEqual([
      { name: "cali40s-a", type: "ipv4_addr", interval: true, elements: ["10.0.0.1/32", "10.0.0.2/32"] },
      { name: "cali40s-b", type: "ipv4_addr", interval: false, elements: [] },
    ]);
    expect(v4?.maps).toEqual([
      { name: "cali-dispatch", type: "ifname : verdict", elements: [
        { key: "cali1", verdict: "goto filter-cali-x" },
        { key: "cali2", verdict: "goto filter-cali-x" },
      ] },
    ]);
    expect(v6?.sets).toEqual([]);
    expect(v6?.maps).toEqual([]);
  });
});

function refusal(text: string): { line: number; column: number; message: string } {
  try {
    parseNftScript(text);
  } catch (e) {
    if (!(e instanceof NftScriptError)) throw e;
    expect(e.name).toBe("NftScriptError");
    expect(e.message).toBe(`line ${e.line}, column ${e.column}: ${e.detail}`);
    return { line: e.line, column: e.column, message: e.detail };
  }
  throw new Error("accepted");
}

describe("refused, with line and column", () => {
  const T = "add table ip calico\n";
  it.each([
    ["a command it does not write", `${T}flush table ip calico\n`, 2, 1, "only add commands into ip calico or ip6 calico build a desired table"],
    ["another table", "add table inet filter\n", 1, 1, "not a command policy-compile writes (add table|set|element|chain|map|rule into ip calico or ip6 calico)"],
    ["trailing blanks", `${T}add chain ip calico filter-cali-x \n`, 2, 1, "not a command policy-compile writes (add table|set|element|chain|map|rule into ip calico or ip6 calico)"],
    ["a family before its table", `${T}add chain ip6 calico filter-cali-x\n`, 2, 11, "ip6 calico is used before its add table line"],
    ["a chain twice", `${T}add chain ip calico c\nadd chain ip calico c\n`, 3, 21, "chain c is added twice"],
    ["a set twice", `${T}add set ip calico s { type ipv4_addr ; }\nadd set ip calico s { type ipv4_addr ; }\n`, 3, 19, "set or map s is added twice"],
    ["a map named like a set", `${T}add set ip calico s { type ipv4_addr ; }\nadd map ip calico s { type ifname : verdict ; }\n`, 3, 19, "set or map s is added twice"],
    ["elements of nothing added", `${T}add element ip calico s { 10.0.0.1/32 }\n`, 2, 23, "s is not an added set or map"],
    ["a rule in a chain not added", `${T}add rule ip calico c counter accept comment "cali:AAAA;"\n`, 2, 20, "c is not an added chain"],
    ["a rule without its hash comment", `${T}add chain ip calico c\nadd rule ip calico c counter accept\n`, 3, 22, 'a rule needs its comment "cali:<hash>; …"'],
    ["a set without its definition", `${T}add set ip calico s { type ipv4_addr }\n`, 2, 1, "not a command policy-compile writes (add table|set|element|chain|map|rule into ip calico or ip6 calico)"],
    ["elements without braces", `${T}add set ip calico s { type ipv4_addr ; }\nadd element ip calico s 10.0.0.1/32\n`, 3, 1, "not a command policy-compile writes (add table|set|element|chain|map|rule into ip calico or ip6 calico)"],
    ["a map element without its verdict", `${T}add map ip calico m { type ifname : verdict ; }\nadd element ip calico m { cali1 : goto c, cali2 }\n`, 3, 43, "map element cali2 has no verdict"],
  ])("%s", (_name, text, line, column, message) => {
    expect(refusal(text)).toEqual({ line, column, message });
  });

  it("a chain and a set may share a name; a set and a chain added twice are told apart", () => {
    expect(() => parseNftScript(`${T}add chain ip calico x\nadd set ip calico x { type ipv4_addr ; }\n`)).not.toThrow();
  });
});
