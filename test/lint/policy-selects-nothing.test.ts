/** PC6001: policies that apply to no endpoint, pointing at the part that selects nothing. */
import { describe, expect, it } from "vitest";
import { calico, findings, k8s, lint } from "./harness.js";

const allowAll = "  ingress:\n  - action: Allow\n";

describe("PC6001 policy selects nothing", () => {
  it("fires at the selector when no endpoint matches it", () => {
    expect(findings(calico(`  selector: app == "nginx"\n${allowAll}`))).toEqual([{ code: "PC6001", line: 7, column: 13 }]);
    expect(lint(calico(`  selector: app == "nginx"\n${allowAll}`))[0]?.message).toBe(
      'policy np/default/p applies to no endpoint: selector "app == \\"nginx\\"" matches no endpoint in the inputs',
    );
  });

  it("is quiet when the selector matches a pod of the policy's namespace", () => {
    expect(findings(calico(`  selector: app == "web"\n${allowAll}`))).toEqual([]);
  });

  it("says when the selector matches only outside the policy's namespace", () => {
    const p = calico(`  selector: app == "web"\n${allowAll}`, "p", "NetworkPolicy", "other");
    expect(findings(p)).toEqual([{ code: "PC6001", line: 7, column: 13 }]);
    expect(lint(p)[0]?.message).toContain("matches endpoints only outside namespace other");
  });

  it("points at the namespace when it has no endpoints and the selector is all()", () => {
    const p = calico(allowAll, "p", "NetworkPolicy", "empty");
    expect(findings(p)).toEqual([{ code: "PC6001", line: 5, column: 14 }]);
    expect(lint(p)[0]?.message).toContain("namespace empty has no endpoints in the inputs");
  });

  it("fires at a Kubernetes podSelector that matches no pod, and is quiet on one that does", () => {
    expect(findings(k8s("  podSelector:\n    matchLabels:\n      app: nginx\n"))).toEqual([{ code: "PC6001", line: 8, column: 5 }]);
    expect(findings(k8s("  podSelector:\n    matchLabels:\n      app: web\n"))).toEqual([]);
  });

  it("blames a global policy's namespaceSelector when the selector alone matches", () => {
    const spec = (team: string): string => `  selector: all()\n  namespaceSelector: team == "${team}"\n${allowAll}`;
    const gnp = (team: string): string => calico(spec(team), "g", "GlobalNetworkPolicy");
    expect(findings(gnp("b"))).toEqual([{ code: "PC6001", line: 7, column: 22 }]);
    expect(lint(gnp("b"))[0]?.message).toContain('namespaceSelector "team == \\"b\\"" matches no namespace');
    expect(findings(gnp("a"))).toEqual([]);
  });
});

describe("PC6001 and staged policies", () => {
  it("fires for a staged policy that selects nothing, and not for a staged Delete (it names what to remove)", () => {
    expect(findings(calico('  selector: app == "nope"\n', "s", "StagedNetworkPolicy")).map((f) => f.code)).toEqual(["PC6001"]);
    expect(findings(calico("  stagedAction: Delete\n", "s", "StagedNetworkPolicy"))).toEqual([]);
  });
});
