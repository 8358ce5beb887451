/** PC6006 and PC6007: rules an earlier rule of the same policy and direction always pre-empts. */
import { describe, expect, it } from "vitest";
import { calico, findings, k8s, lint } from "./harness.js";

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

  it("fires in a profile and in a Kubernetes policy (at the peer of the converted rule)", () => {
    const profile = "apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata:\n  name: prof\nspec:\n  ingress:\n  - action: Allow\n  - action: Deny\n";
    expect(findings(profile)).toEqual([{ code: "PC6006", line: 8, column: 5 }]);
    expect(lint(profile)[0]?.message).toBe("ingress rule 1 of profile prof (Deny) is never reached: ingress rule 0 (Allow) matches every packet");
    const knp = k8s("  podSelector:\n    matchLabels:\n      app: web\n  ingress:\n  - {}\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/8\n");
    expect(findings(knp)).toEqual([{ code: "PC6006", line: 13, column: 7 }]);
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

  it("checks each direction on its own", () => {
    // The egress Allow at line 12 follows the egress Deny; the ingress Allow before them does not count.
    expect(findings(onWeb("  - action: Allow\n  egress:\n  - action: Deny\n  - action: Allow\n"))).toEqual([{ code: "PC6007", line: 12, column: 5 }]);
  });

  it("is quiet when the earlier match-all rule is a Log", () => {
    expect(findings(onWeb(`  - action: Log\n${fromNets("Allow", "10.0.0.0/8")}`))).toEqual([]);
  });
});
