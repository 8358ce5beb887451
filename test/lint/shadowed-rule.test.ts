/** PC6006 and PC6007: rules an earlier rule of the same policy and direction always pre-empts. */
import { describe, expect, it } from "vitest";
import { calico, findings, lint } from "./harness.js";

const onWeb = (rules: string): string => calico(`  selector: app == "web"\n  ingress:\n${rules}`);
const fromNets = (action: string, net: string): string => `  - action: ${action}\n    source:\n      nets: [${net}]\n`;

describe("PC6006 rule shadowed", () => {
  it("fires at a rule whose packets an earlier, broader rule all matches", () => {
    // The Deny at line 12 matches only 10.1.0.0/16, all of which the Allow at line 9 matches.
    const p = onWeb(fromNets("Allow", "10.0.0.0/8") + fromNets("Deny", "10.1.0.0/16"));
    expect(findings(p)).toEqual([{ code: "PC6006", line: 12, column: 5 }]);
    expect(lint(p)[0]?.message).toContain("matches every packet it would match");
  });

  it("fires at a rule after an unconditional Allow", () => {
    expect(findings(onWeb("  - action: Allow\n  - action: Deny\n"))).toEqual([{ code: "PC6006", line: 10, column: 5 }]);
  });

  it("is quiet when the earlier rule is the narrower one", () => {
    expect(findings(onWeb(fromNets("Allow", "10.1.0.0/16") + fromNets("Deny", "10.0.0.0/8")))).toEqual([]);
  });
});

describe("PC6007 Allow after deny-all", () => {
  it("fires at the Allow after a Deny with no match criteria", () => {
    const p = onWeb(`  - action: Deny\n${fromNets("Allow", "10.0.0.0/8")}`);
    expect(findings(p)).toEqual([{ code: "PC6007", line: 10, column: 5 }]);
    expect(lint(p)[0]?.message).toContain("denies every packet before it");
  });

  it("is quiet when the earlier match-all rule is a Log", () => {
    expect(findings(onWeb(`  - action: Log\n${fromNets("Allow", "10.0.0.0/8")}`))).toEqual([]);
  });
});
