/** PC6002, PC6003, PC6004: rule selectors that match nothing, pointing at the field to blame. */
import { describe, expect, it } from "vitest";
import { calico, findings, k8s, lint } from "./harness.js";

/** A policy for web whose one ingress rule has `source` (indented six spaces, from line 11). */
const withSource = (source: string): string => calico(`  selector: app == "web"\n  ingress:\n  - action: Allow\n    source:\n${source}`);

describe("PC6002 rule selector matches nothing", () => {
  it("fires at the rule's selector when no endpoint matches it", () => {
    const p = withSource('      selector: app == "nginx"\n');
    expect(findings(p)).toEqual([{ code: "PC6002", line: 11, column: 17 }]);
    expect(lint(p)[0]?.message).toContain('selector "app == \\"nginx\\"" in the source of');
  });

  it("is quiet when the selector matches a pod of the policy's namespace", () => {
    expect(findings(withSource('      selector: run == "client"\n'))).toEqual([]);
  });

  it("fires at serviceAccounts that match no endpoint", () => {
    expect(findings(withSource("      serviceAccounts:\n        names: [x]\n"))).toEqual([{ code: "PC6002", line: 12, column: 9 }]);
  });

  it("fires at the podSelector of the Kubernetes peer that matches nothing, not at the one that matches", () => {
    const peer = (app: string): string => `    - podSelector:\n        matchLabels:\n          app: ${app}\n      namespaceSelector: {}\n`;
    const p = k8s(`  podSelector:\n    matchLabels:\n      app: web\n  ingress:\n  - from:\n${peer("db")}${peer("nginx")}`);
    // Peer 2's podSelector is at line 16; its value (the matchLabels mapping) starts at line 17, column 9.
    expect(findings(p)).toEqual([{ code: "PC6002", line: 17, column: 9 }]);
    expect(lint(p)[0]?.message).toContain("podSelector in the source of ingress rule 0, peer 1 of policy knp/default/p matches no pod in the namespaces its namespaceSelector matches");
  });
});

describe("PC6002 blames a Kubernetes namespaceSelector whose namespaces hold no pods", () => {
  const emptyNamespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: empty\n  labels:\n    x: z\n---\n";
  // Namespace empty (lines 1-7), then the policy: from[0].namespaceSelector at line 19, its matchLabels at line 20.
  const fromNamespaces = (podSelector: string): string =>
    k8s(`  podSelector:\n    matchLabels:\n      app: web\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          x: z\n${podSelector}`);

  it("fires at the namespaceSelector, not at a podSelector the peer does not have", () => {
    const p = emptyNamespace + fromNamespaces("");
    expect(findings(p)).toEqual([{ code: "PC6002", line: 20, column: 9 }]);
    expect(lint(p)[0]?.message).toBe(
      "namespaceSelector in the source of ingress rule 0 of policy knp/default/p matches only namespaces without endpoints or network sets: the rule never matches",
    );
  });

  it("fires at the namespaceSelector when the podSelector is {} (every pod)", () => {
    expect(findings(emptyNamespace + fromNamespaces("      podSelector: {}\n"))).toEqual([{ code: "PC6002", line: 20, column: 9 }]);
  });

  it("blames a Calico namespaceSelector whose namespaces hold nothing, not the selector", () => {
    const p = emptyNamespace + withSource('      selector: all()\n      namespaceSelector: x == "z"\n');
    // Namespace empty (lines 1-7) shifts the policy by 7: the namespaceSelector is at line 19, column 26.
    expect(findings(p)).toEqual([{ code: "PC6002", line: 19, column: 26 }]);
    expect(lint(p)[0]?.message).toContain('namespaceSelector "x == \\"z\\"" in the source of');
  });

  it("still blames a podSelector that matches no pod of the namespaces", () => {
    const p = k8s("  podSelector:\n    matchLabels:\n      app: web\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          team: a\n      podSelector:\n        matchLabels:\n          app: db\n");
    // podSelector at line 15, its matchLabels at line 16; db is in namespace other, which lacks team=a.
    expect(findings(p)).toEqual([{ code: "PC6002", line: 16, column: 9 }]);
    expect(lint(p)[0]?.message).toContain("podSelector in the source of ingress rule 0 of policy knp/default/p matches no pod in the namespaces its namespaceSelector matches (it matches 1 outside them)");
  });
});

describe("PC6003 namespaceSelector matches nothing", () => {
  it("fires at the namespaceSelector when no namespace matches it", () => {
    const p = withSource('      namespaceSelector: team == "b"\n');
    expect(findings(p)).toEqual([{ code: "PC6003", line: 11, column: 26 }]);
    expect(lint(p)[0]?.message).toContain("matches no namespace in the inputs");
  });

  it("is quiet when a namespace has the label", () => {
    expect(findings(withSource('      namespaceSelector: team == "a"\n'))).toEqual([]);
  });
});

describe("PC6004 notSelector excludes nothing", () => {
  it("fires at the notSelector when it matches nothing the rule would otherwise match", () => {
    // Without namespaceSelector the source is namespace default; db is in other.
    const p = withSource('      notSelector: app == "db"\n');
    expect(findings(p)).toEqual([{ code: "PC6004", line: 11, column: 20 }]);
    expect(lint(p)[0]?.message).toContain("it excludes nothing");
  });

  it("is quiet when the notSelector excludes an endpoint of the namespace", () => {
    expect(findings(withSource('      notSelector: app == "web"\n'))).toEqual([]);
  });
});
