/** PC6005: named ports that no endpoint the rule can reach declares. */
import { describe, expect, it } from "vitest";
import { calico, findings, k8s, lint } from "./harness.js";

/** Ingress to web on the named port `name` (the port entry is at line 13, column 9). */
const toPort = (name: string, protocol = "TCP"): string =>
  calico(`  selector: app == "web"\n  ingress:\n  - action: Allow\n    protocol: ${protocol}\n    destination:\n      ports:\n      - ${name}\n`);

describe("PC6005 named port undeclared", () => {
  it("fires at the port entry when web declares no port of that name", () => {
    expect(findings(toPort("https"))).toEqual([{ code: "PC6005", line: 13, column: 9 }]);
    expect(lint(toPort("https"))[0]?.message).toContain('named port "https" (TCP)');
  });

  it("fires when the name is declared only under another protocol, and says so", () => {
    expect(findings(toPort("http", "UDP"))).toEqual([{ code: "PC6005", line: 13, column: 9 }]);
    expect(lint(toPort("http", "UDP"))[0]?.message).toContain("default/web declares it as TCP 80");
  });

  it("is quiet when web declares the port with the rule's protocol", () => {
    expect(findings(toPort("http"))).toEqual([]);
    expect(findings(toPort("dns", "UDP"))).toEqual([]);
  });

  it("fires at a notPorts entry, and at a Kubernetes port", () => {
    const notPorts = calico('  selector: app == "web"\n  ingress:\n  - action: Allow\n    protocol: TCP\n    destination:\n      notPorts:\n      - http\n      - https\n');
    expect(findings(notPorts)).toEqual([{ code: "PC6005", line: 14, column: 9 }]);
    expect(lint(notPorts)[0]?.message).toContain("this entry excludes nothing");
    const knp = (name: string): string => k8s(`  podSelector:\n    matchLabels:\n      app: web\n  ingress:\n  - ports:\n    - port: ${name}\n`);
    expect(findings(knp("https"))).toEqual([{ code: "PC6005", line: 12, column: 13 }]);
    expect(findings(knp("http"))).toEqual([]);
  });
});
