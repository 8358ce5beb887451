/**
 * Lint on ClusterNetworkPolicies: warnings point at the CNP field that causes them (the peer's
 * selector, the protocol entry), and rules are numbered as written (a dropped rule leaves a gap,
 * a fail-closed rule keeps its number). The policy text's spec starts at line 5.
 */
import { describe, expect, it } from "vitest";
import { findings, lint } from "./harness.js";

const cnp = (rules: string) => `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: c}
spec:
  tier: Admin
  priority: 1
  subject: {pods: {podSelector: {matchLabels: {app: web}}}}
${rules}`;

describe("lint sites of ClusterNetworkPolicy rules", () => {
  it("points PC6003 at the pods peer's namespaceSelector, numbering the peer", () => {
    const text = cnp("  ingress:\n  - action: Accept\n    from:\n    - namespaces: {matchLabels: {team: a}}\n    - pods: {namespaceSelector: {matchLabels: {team: nope}}, podSelector: {}}\n");
    expect(findings(text)).toEqual([{ code: "PC6003", line: 12, column: 33 }]);
    expect(lint(text)[0]?.message).toContain("ingress rule 0, peer 1 of policy kcnp/c");
  });

  it("points PC6005 at the destinationNamedPort entry of a protocol-less named port (any protocol)", () => {
    const text = cnp("  ingress:\n  - action: Accept\n    from: [{namespaces: {}}]\n    protocols:\n    - tcp: {destinationPort: {number: 80}}\n    - destinationNamedPort: https\n");
    expect(findings(text)).toEqual([{ code: "PC6005", line: 13, column: 7 }]);
    expect(lint(text)[0]?.message).toContain('named port "https" (any protocol)');
  });

  it("is quiet for a protocol-less named port the pod declares under UDP", () => {
    expect(findings(cnp("  ingress:\n  - action: Accept\n    from: [{namespaces: {}}]\n    protocols: [{destinationNamedPort: dns}]\n")).filter((f) => f.code === "PC6005")).toEqual([]);
  });

  it("numbers rules as written across a dropped Accept rule and a fail-closed Deny", () => {
    const text = cnp("  egress:\n  - {action: Accept, to: [{domainNames: [a.example]}]}\n  - {action: Deny, to: [{nodes: {}}]}\n  - {action: Accept, to: [{namespaces: {}}]}\n");
    const warnings = lint(text).filter((d) => d.code === "PC6007");
    expect(warnings.map((d) => d.message)).toEqual([expect.stringContaining("egress rule 2")]);
  });
});
