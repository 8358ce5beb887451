import { describe, expect, it } from "vitest";
import { escapeComment, lengthLimitedName, ruleHashes } from "../../src/render/hash.js";

const jump = (action: string, comments: string[] = []) => ({ comments, match: "", action });

// Vectors from Felix's table_test.go and unique_id_test.go (felix-dataplane.md §1.5, §6.1).
describe("ruleHashes", () => {
  it.each([
    ["cali-foobar", [jump("--jump ACCEPT"), jump("--jump DROP"), jump("--jump RETURN")], ["42h7Q64_2XDzpwKe", "0sUFHicPNNqNyNx8", "yilSOZ62PxMhMnS9"]],
    ["cali-correct", [jump("--jump ACCEPT")], ["dCKeL4JtUEDC2GQu"]],
    ["FORWARD", [jump("--jump DROP"), jump("--jump ACCEPT"), jump("--goto cali-foobar")], ["hecdSCslEjdBPBPo", "plvr29-ZiKUwbzDV", "vKEEfdy_QeXafpRE"]],
    ["FORWARD*appends*", [jump("--jump RETURN"), jump("--jump DROP")], ["TQaqIrW2HQal-sdp", "EDon0sGIntr1CQga"]],
    ["FORWARD", [jump("--jump DROP", ["a drop rule"]), jump("--jump ACCEPT", ["an accept rule"])], ["upaItQyFMdN7MTTl", "EpCg3AYNp_DftVFS"]],
    ["FORWARD", [jump("--jump cali-FORWARD")], ["wUHhoiAYhphO9Mso"]],
    ["INPUT", [jump("--jump cali-INPUT")], ["Cz_u1IQiXIMmKD4c"]],
    ["OUTPUT", [jump("--jump cali-OUTPUT")], ["tVnHkvAo15HuiPy0"]],
  ])("%s %#", (chain, rules, expected) => {
    expect(ruleHashes(chain, rules)).toEqual(expected);
  });
});

describe("lengthLimitedName", () => {
  it.each([
    ["felix", "_2345", 10, "felix_kMQI"],
    ["felix", "12345678910", 13, "felix_Y2QCZIS"],
    ["felix", "", 10, "felix_"],
    ["cali-pi-", "gnp/long-policy-name-that-gets-hashed", 28, "cali-pi-_PymyFHQQg3808jiz1OJ"],
    ["cali-pri-", "long-policy-name-that-gets-hashed", 28, "cali-pri-_ffOMcf6pikpiZ6hgKc"],
    ["cali-pi-", "np/default/allow-http", 28, "cali-pi-__1mUHBQcIxYLxtmzd35"],
    ["cali-pri-", "ksa.default.default", 28, "cali-pri-ksa.default.default"],
    ["cali-tw-", "cali1234", 28, "cali-tw-cali1234"],
  ])("(%s, %s, %d) -> %s", (prefix, suffix, max, expected) => {
    expect(lengthLimitedName(prefix, suffix, max)).toBe(expected);
  });
});

describe("escapeComment", () => {
  it("replaces characters outside [\\w @%+=:,./-] and truncates to 256", () => {
    expect(escapeComment('NetworkPolicy default/allow-http ingress')).toBe("NetworkPolicy default/allow-http ingress");
    expect(escapeComment('a"b\'c;d$e')).toBe("a_b_c_d_e");
    expect(escapeComment("x".repeat(300))).toHaveLength(256);
  });
  it("replaces one rune with one _ (calico-332.md §2.4), whatever its UTF-16 length; \\w is ASCII only", () => {
    expect(escapeComment("name=é😀x")).toBe("name=__x");
    expect(escapeComment("ünï_cödé 名前")).toBe("_n__c_d_ __");
  });
});
