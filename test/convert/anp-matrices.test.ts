/**
 * Converting changes the policy's kind, not what it allows. For every AdminNetworkPolicy /
 * BaselineAdminNetworkPolicy golden scenario as it was before Calico v3.32 (its inputs in
 * fixtures/anp-inputs/, its reviewed matrix, computed while policy-compile still enforced ANPs as
 * Calico v3.31 did, in fixtures/anp-matrices/): `convert` gives exactly the input of the cnp-*
 * golden that replaced it, the converted policies load with no error, and compiling them gives
 * the same reachability matrix, byte for byte.
 *
 * Where ClusterNetworkPolicy semantics differ from Calico's old ANP conversion, and why no matrix
 * here differs:
 * - a protocol-less named port now matches under the protocol the pod declares (v3.31: TCP only).
 *   Every named port in these scenarios is declared TCP, so the ipset members are the same
 *   (`<ip>,tcp:<port>`) and only the set's name and the rule (no `-p tcp`) change. An ANP
 *   `namedPort` naming a UDP port would differ: it matched nothing before and matches UDP now;
 *   `convert` warns about every named port for that reason (PC4022), and the last test shows it.
 * - rule expansion order: CNP rules expand by protocol key ("" for named ports, then SCTP, TCP,
 *   UDP), the ANP conversion TCP-first with named ports inside the TCP rule. All rules made from
 *   one rule share its action, so the order changes rule indexes, not verdicts.
 * - policy names, tiers and ties: `kcnp/<name>` in kube-admin/kube-baseline instead of
 *   `gnp/kanp.adminnetworkpolicy.<name>` in adminnetworkpolicy/baselineadminnetworkpolicy, at the
 *   same tier orders (1,000 and 10,000,000); no scenario has two policies of equal priority.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { convertSources } from "../../src/convert/index.js";
import { formatDiagnostics } from "../../src/diagnostics/index.js";
import { loadSources } from "../../src/model/index.js";
import { explainFlow, reachabilityMatrix, renderMatrixText } from "../../src/trace/index.js";

const FIX = "test/convert/fixtures";
const RENAMED: Readonly<Record<string, string>> = {
  "anp-deny-beats-np-allow": "cnp-deny-beats-np-allow",
  "anp-deny-named-range-networks": "cnp-deny-named-range-networks",
  "anp-egress-named-port-range": "cnp-egress-named-port-range",
  "anp-networks-egress": "cnp-networks-egress",
  "anp-pass-to-np": "cnp-pass-to-np",
  "anp-priority-order": "cnp-priority-order",
  "banp-deny-np-allow": "cnp-baseline-deny-np-allow",
};

describe("ANP/BANP scenarios converted to ClusterNetworkPolicy", () => {
  it("covers every saved ANP/BANP matrix", () => {
    expect(readdirSync(join(FIX, "anp-matrices")).sort()).toEqual(Object.keys(RENAMED).map((n) => `${n}.txt`));
    expect(readdirSync(join(FIX, "anp-inputs")).sort()).toEqual(Object.keys(RENAMED));
  });

  describe.each(Object.entries(RENAMED))("%s → %s", (anp, cnp) => {
    const dir = join(FIX, "anp-inputs", anp);
    const sources = readdirSync(dir)
      .sort()
      .map((f) => ({ file: join("golden", cnp, "input", f), text: readFileSync(join(dir, f), "utf8") }));
    const result = convertSources(sources);
    const converted = result.files.map((f) => ({ file: f.file, text: f.text }));

    it("converts without errors, to exactly the golden's input", () => {
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(result.files.reduce((n, f) => n + f.converted, 0)).toBeGreaterThan(0);
      for (const f of converted) expect(f.text).toBe(readFileSync(f.file, "utf8"));
    });

    it("loads with no error and no ANP left", () => {
      const { diagnostics } = loadSources(converted);
      expect(formatDiagnostics(diagnostics.filter((d) => d.severity === "error"), converted)).toBe("");
      expect(diagnostics.map((d) => d.code)).not.toContain("PC4020");
    });

    it("gives the matrix the ANPs gave before the change", () => {
      const { model } = loadSources(converted);
      expect(renderMatrixText(reachabilityMatrix(model))).toBe(readFileSync(join(FIX, "anp-matrices", `${anp}.txt`), "utf8"));
    });
  });

  it("a namedPort naming a UDP container port: TCP-only (matched nothing) as an ANP in v3.31, the UDP port as a CNP", () => {
    const anp = `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Pod
metadata: {name: dns, namespace: a}
spec: {nodeName: node-1, containers: [{name: c, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]}
status: {podIP: 10.0.1.1}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: b}
spec: {nodeName: node-1}
status: {podIP: 10.0.2.1}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: dns-only}
spec:
  priority: 1
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}
  ingress:
  - {action: Allow, from: [{namespaces: {}}], ports: [{namedPort: dns}]}
  - {action: Deny, from: [{namespaces: {}}]}
`;
    const result = convertSources([{ file: "p.yaml", text: anp }]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["PC4022"]);
    const { model, diagnostics } = loadSources([{ file: "p.yaml", text: result.files[0]?.text ?? "" }]);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const pod = (ns: string, name: string) => ({ kind: "pod", namespace: ns, name }) as const;
    // Calico v3.31 converted the ANP's namedPort to TCP: its Allow matched nothing and the Deny
    // blocked UDP/53 (the kernel case "ANP named port naming a UDP container port" showed it).
    // The converted CNP's destinationNamedPort matches the port under its declared protocol.
    expect(explainFlow(model, { from: pod("b", "client"), to: pod("a", "dns"), protocol: "UDP", port: 53 }).verdict).toBe("allow");
    expect(explainFlow(model, { from: pod("b", "client"), to: pod("a", "dns"), protocol: "TCP", port: 53 }).verdict).toBe("deny");
  });
});
