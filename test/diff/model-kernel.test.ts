/** The model kernel fails where the real tools fail (checked against iptables 1.8.9 / ipset 7.17). */
import { describe, expect, it } from "vitest";
import { ModelKernel } from "./model-kernel.js";

const SETUP = "*filter\n:cali-a - -\n:cali-b - -\n-A cali-a -j cali-b\n-A FORWARD -j cali-a\nCOMMIT\n";

describe("iptables-restore model", () => {
  it.each([
    ["a jump to a missing chain", "*filter\n-A FORWARD -j cali-nope\nCOMMIT\n", /Couldn't load target `cali-nope'\nError occurred at line: 2/],
    ["a missing set", "*filter\n-A FORWARD -m set --match-set nope src -j ACCEPT\nCOMMIT\n", /Set nope doesn't exist/],
    ["deleting a referenced chain", "*filter\n--delete-chain cali-b\nCOMMIT\n", /Too many links/],
    ["deleting a non-empty chain", "*filter\n-D FORWARD 1\n--delete-chain cali-a\nCOMMIT\n", /Directory not empty/],
    ["-R past the end", "*filter\n-R cali-a 2 -j DROP\nCOMMIT\n", /Index of replacement too big/],
    ["-D by index past the end", "*filter\n-D cali-a 2\nCOMMIT\n", /Index of deletion too big/],
    ["-I past the end", "*filter\n-I cali-a 3 -j DROP\nCOMMIT\n", /Index of insertion too big/],
    ["-D of a rule that is not there", "*filter\n-D FORWARD -j cali-b\nCOMMIT\n", /Bad rule/],
    ["a missing COMMIT", "*filter\n-A FORWARD -j DROP\n", /COMMIT expected/],
  ])("fails on %s and applies nothing", (_name, input, error) => {
    const k = new ModelKernel();
    k.iptablesRestore(SETUP);
    const before = k.state();
    expect(() => k.iptablesRestore(input)).toThrow(error);
    expect(k.state()).toEqual(before);
  });

  it("a forward reference flushes an existing chain; rules keep identities until rewritten", () => {
    const k = new ModelKernel();
    k.iptablesRestore(SETUP);
    const [fwd] = k.ruleIds("FORWARD");
    k.iptablesRestore("*filter\n:cali-a - -\n-A cali-a -j DROP\nCOMMIT\n");
    expect(k.rules("cali-a").map((r) => r.text)).toEqual(["-j DROP"]);
    expect(k.ruleIds("FORWARD")).toEqual([fwd]);
  });

  it("nft: a chain referenced at the start of the block cannot be deleted in it, and -R is refused", () => {
    const k = new ModelKernel("nft");
    k.iptablesRestore(SETUP);
    expect(() => k.iptablesRestore("*filter\n:cali-a - -\n--delete-chain cali-b\nCOMMIT\n")).toThrow(/referenced at the start/);
    k.iptablesRestore("*filter\n:cali-a - -\nCOMMIT\n*filter\n--delete-chain cali-b\nCOMMIT\n");
    expect(k.state().chains.map((c) => c.name)).toEqual(["FORWARD", "INPUT", "OUTPUT", "cali-a"]);
    expect(() => k.iptablesRestore("*filter\n-R FORWARD 1 -j cali-a\nCOMMIT\n")).toThrow(/-R is not used/);
  });
});

describe("ipset restore model", () => {
  it.each([
    ["adding a present member without --exist", "add s 10.0.0.1/32\n", /Error in line 1: Element cannot be added to the set: it's already added/],
    ["deleting a missing member without --exist", "del s 10.0.0.9\n", /it's not added/],
    ["creating an existing set", "create s hash:net family inet maxelem 10\n", /already exists/],
    ["swapping sets of different types", "create t hash:ip,port family inet maxelem 10\nswap s t\n", /Error in line 2: The sets cannot be swapped: their type does not match/],
    ["destroying a set a rule uses", "destroy s\n", /in use by a kernel component/],
  ])("fails on %s", (_name, input, error) => {
    const k = new ModelKernel();
    k.ipsetRestore("create s hash:net family inet maxelem 10\nadd s 10.0.0.1\n");
    k.iptablesRestore("*filter\n-A FORWARD -m set --match-set s src -j ACCEPT\nCOMMIT\n");
    expect(() => k.ipsetRestore(input)).toThrow(error);
  });

  it("is not atomic: lines before the failing one stay applied", () => {
    const k = new ModelKernel();
    expect(() => k.ipsetRestore("create s hash:net family inet maxelem 10\nadd s 10.0.0.1\nadd s 10.0.0.1/32\n")).toThrow(/line 3/);
    expect(k.state().ipsets).toEqual([{ name: "s", type: "hash:net", family: "inet", maxelem: 10, options: [], members: ["10.0.0.1/32"] }]);
  });
});
