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

  it("fires for a policy with no rules covered by an earlier policy, and for one covered by a global policy", () => {
    const empty = `${calico("  order: 1\n  selector: all()\n  types: [Ingress]\n", "a")}---\n${calico('  order: 2\n  selector: app == "web"\n  types: [Ingress]\n', "b")}`;
    expect(findings(empty)).toEqual([{ code: "PC6009", line: 14, column: 9 }]);
    expect(lint(empty)[0]?.message).toContain("it has no rules and earlier policy np/default/a");
    const denyAll = (kind: string, name: string): string => calico("  order: 1\n  selector: all()\n  ingress:\n  - action: Deny\n", name, kind);
    // The global policy has no namespace line, so b's name is at line 14 too; b's Log rule is shadowed as well.
    const b = calico('  order: 2\n  selector: app == "web"\n  ingress:\n  - action: Allow\n    source:\n      nets: [10.0.0.0/8]\n  - action: Log\n', "b");
    const global = `${denyAll("GlobalNetworkPolicy", "g")}---\n${b}`;
    expect(findings(global)).toEqual([{ code: "PC6009", line: 14, column: 9 }]);
    expect(lint(global)[0]?.message).toContain("earlier policy gnp/g of tier default");
  });
});

describe("tier shadowing near-misses", () => {
  const tier = "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: security\nspec:\n  order: 100\n---\n";
  const denyAllIn = (t: string): string => calico(`  tier: ${t}\n  order: 1\n  selector: all()\n  ingress:\n  - action: Deny\n`, `${t}.a`);

  it("is quiet when the covering policy is in another tier, and fires when it is in the same one", () => {
    const b = (t: string): string => calico(`${t === "default" ? "" : `  tier: ${t}\n`}  order: 2\n  selector: app == "web"\n  ingress:\n  - action: Allow\n`, t === "default" ? "b" : `${t}.b`);
    expect(findings(`${tier}${denyAllIn("security")}---\n${b("default")}`)).toEqual([]);
    // Tier (lines 1-7), security.a (8-19), security.b: name at line 23.
    expect(findings(`${tier}${denyAllIn("security")}---\n${b("security")}`)).toEqual([{ code: "PC6009", line: 23, column: 9 }]);
  });

  it("is quiet when the broader policy comes later in the tier", () => {
    const p = `${calico("  order: 2\n  selector: all()\n  ingress:\n  - action: Deny\n", "a")}---\n${calico('  order: 1\n  selector: app == "web"\n  ingress:\n  - action: Allow\n', "b")}`;
    expect(findings(p)).toEqual([]);
  });
});

describe("staged policies (never enforced) in tier shadowing", () => {
  const a = (kind: string) => calico(`  order: 1\n  selector: all()\n  ingress:\n${fromNets("Allow", "10.0.0.0/8")}`, "a", kind);
  const b = (kind: string) => calico(`  order: 2\n  selector: app == "web"\n  ingress:\n${fromNets("Allow", "10.1.0.0/16")}`, "b", kind);

  it("a staged policy shadows no enforced rule", () => {
    expect(findings(`${a("StagedNetworkPolicy")}---\n${b("NetworkPolicy")}`)).toEqual([]);
  });

  it("a staged policy is not reported as shadowed (its promotion may replace what shadows it)", () => {
    expect(findings(`${a("NetworkPolicy")}---\n${b("StagedNetworkPolicy")}`)).toEqual([]);
  });

  it("the same pair enforced is reported (the check itself is on)", () => {
    expect(findings(`${a("NetworkPolicy")}---\n${b("NetworkPolicy")}`).map((f) => f.code)).toEqual(["PC6009"]);
  });
});
