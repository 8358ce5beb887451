/** PC6008 and PC6009: rules and policies made redundant by earlier policies of the same tier. */
import { describe, expect, it } from "vitest";
import { calico, findings, lint } from "./harness.js";

const fromNets = (action: string, net: string): string => `  - action: ${action}\n    source:\n      nets: [${net}]\n`;
/** Policy a (order 1, lines 1-12) then policy b (order 2, from line 14: name at 17, rules from 23). */
const pair = (aSelector: string, bSelector: string, bRules: string): string =>
  `${calico(`  order: 1\n  selector: ${aSelector}\n  ingress:\n${fromNets("Allow", "10.0.0.0/8")}`, "a")}---\n${calico(`  order: 2\n  selector: ${bSelector}\n  ingress:\n${bRules}`, "b")}`;

describe("PC6008 rule shadowed in tier", () => {
  it("fires at b's rule when earlier policy a applies to all b's endpoints and matches all its packets", () => {
    const p = pair("all()", 'app == "web"', `${fromNets("Allow", "10.1.0.0/16")}  - action: Deny\n`);
    expect(findings(p)).toEqual([{ code: "PC6008", line: 23, column: 5 }]);
    expect(lint(p)[0]?.message).toContain("earlier policy np/default/a of tier default applies to every endpoint this one does");
  });

  it("is quiet when the earlier policy applies to fewer endpoints", () => {
    expect(findings(pair('app == "web"', "all()", `${fromNets("Allow", "10.1.0.0/16")}  - action: Deny\n`))).toEqual([]);
  });
});

describe("PC6009 policy redundant", () => {
  it("fires at b's name when every rule of b is shadowed by a", () => {
    const p = pair("all()", 'app == "web"', fromNets("Allow", "10.1.0.0/16"));
    expect(findings(p)).toEqual([{ code: "PC6009", line: 17, column: 9 }]);
    expect(lint(p)[0]?.message).toContain("policy np/default/b changes nothing: every rule is shadowed");
  });

  it("is quiet when b has a rule a does not shadow", () => {
    expect(findings(pair("all()", 'app == "web"', fromNets("Allow", "192.168.0.0/16")))).toEqual([]);
  });
});
