/**
 * Every string field that ends up in the kernel (a chain name, an interface argument, an ipset
 * member's port, a comment) is validated where it enters, with the caret on the value: a
 * newline that would start a second iptables-restore command, a quote or space that would shift
 * its words, an iptables wildcard (`+`), a 100 KB string, non-ASCII text. Each case is loaded
 * through loadSources and run through the real CLI (`validate` and `compile` exit 1 and print no
 * rules).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lineColumn } from "../../src/diagnostics/position.js";
import { compile, renderIptablesRestore } from "../../src/render/index.js";
import { cli } from "../cli/helpers.js";
import { load, where, type Where } from "./harness.js";

/** The newline attack of the issue: a second and third iptables-restore command after the name. */
const ATTACK = "cali9\n-F INPUT\n-I INPUT 1 -s 198.51.100.0/24 -j ACCEPT\n#";

const PAYLOADS: readonly (readonly [string, string])[] = [
  ["newline commands", ATTACK],
  ["a double quote", 'ab"c'],
  ["a space", "a b"],
  ["a carriage return", "ab\rc"],
  ["a NUL byte", "ab\u0000c"],
  ["an iptables wildcard", "cali+"],
  ["100 KB", "a".repeat(100_000)],
  ["unicode", "caf\u00e9"],
];

/** `field` gets the placeholder, every other field its valid default. */
const at = (field: string, name: string, valid: string): string => (field === name ? "@@" : valid);

const wep = (f: string) => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: pod1, namespace: default}
spec:
  node: ${at(f, "node", "node-1")}
  pod: ${at(f, "pod", "pod1")}
  endpoint: ${at(f, "endpoint", "eth0")}
  orchestrator: ${at(f, "orchestrator", "k8s")}
  workload: ${at(f, "workload", "wl")}
  serviceAccountName: ${at(f, "serviceAccountName", "sa")}
  interfaceName: ${at(f, "interfaceName", "cali1")}
  ipNetworks: [10.65.0.10/32]
  profiles: [${at(f, "profiles", "kns.default")}]
  ports: [{name: ${at(f, "ports.name", "http")}, protocol: TCP, port: 80}]
`;

const hep = (f: string) => `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: ${at(f, "name", "h1")}}
spec:
  node: ${at(f, "node", "node-1")}
  interfaceName: ${at(f, "interfaceName", "eth0")}
  profiles: [${at(f, "profiles", "p")}]
  ports: [{name: ${at(f, "ports.name", "http")}, protocol: TCP, port: 80}]
`;

const pod = (f: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${at(f, "name", "p1")}, namespace: ${at(f, "namespace", "default")}}
spec:
  nodeName: ${at(f, "nodeName", "node-1")}
  serviceAccountName: ${at(f, "serviceAccountName", "sa")}
  serviceAccount: ${at(f, "serviceAccount", "sa")}
  containers:
  - ports: [{name: ${at(f, "ports.name", "http")}, containerPort: 80}]
status: {podIP: 10.65.0.11}
`;

const policy = (kind: "NetworkPolicy" | "GlobalNetworkPolicy") => (f: string) => `apiVersion: projectcalico.org/v3
kind: ${kind}
metadata: {name: ${at(f, "name", "p1")}${kind === "NetworkPolicy" ? ", namespace: default" : ""}}
spec:
  tier: ${at(f, "tier", "default")}
  selector: all()
  ingress:
  - action: Allow
    protocol: TCP
    metadata:
      annotations: {${at(f, "annotation key", "owner")}: x}
    source:
      serviceAccounts: {names: [${at(f, "serviceAccounts.names", "sa")}]}
    destination:
      ports: [${at(f, "named port", "http")}]
`;

const named = (apiVersion: string, kind: string, namespaced = false) => (f: string) =>
  `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: ${at(f, "name", "n1")}${namespaced ? ", namespace: default" : ""}}\n`;

const k8sPolicy = (f: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p1, namespace: default}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: ${at(f, "ports.port", "http")}}]
`;

const anp = (f: string) => `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: a1}
spec:
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - action: Allow
    from: [{namespaces: {}}]
    ports: [{namedPort: ${at(f, "namedPort", "http")}}]
`;

/** [resource, field, template, code]: every payload in that field gives exactly this error at the value. */
const FIELDS: readonly (readonly [string, string, (f: string) => string, string])[] = [
  ["WorkloadEndpoint", "interfaceName", wep, "PC3043"],
  ["WorkloadEndpoint", "node", wep, "PC2009"],
  ["WorkloadEndpoint", "pod", wep, "PC2009"],
  ["WorkloadEndpoint", "endpoint", wep, "PC2009"],
  ["WorkloadEndpoint", "orchestrator", wep, "PC2009"],
  ["WorkloadEndpoint", "workload", wep, "PC2009"],
  ["WorkloadEndpoint", "serviceAccountName", wep, "PC2009"],
  ["WorkloadEndpoint", "profiles", wep, "PC2009"],
  ["WorkloadEndpoint", "ports.name", wep, "PC2011"],
  ["HostEndpoint", "name", hep, "PC2009"],
  ["HostEndpoint", "node", hep, "PC2009"],
  ["HostEndpoint", "interfaceName", hep, "PC3043"],
  ["HostEndpoint", "profiles", hep, "PC2009"],
  ["HostEndpoint", "ports.name", hep, "PC2011"],
  ["Pod", "name", pod, "PC2009"],
  ["Pod", "namespace", pod, "PC2009"],
  ["Pod", "nodeName", pod, "PC2009"],
  ["Pod", "serviceAccountName", pod, "PC2009"],
  ["Pod", "serviceAccount", pod, "PC2009"],
  ["Pod", "ports.name", pod, "PC2011"],
  ["NetworkPolicy", "name", policy("NetworkPolicy"), "PC2009"],
  ["NetworkPolicy", "tier", policy("NetworkPolicy"), "PC2009"],
  ["NetworkPolicy", "annotation key", policy("NetworkPolicy"), "PC2014"],
  ["NetworkPolicy", "serviceAccounts.names", policy("NetworkPolicy"), "PC2009"],
  ["NetworkPolicy", "named port", policy("NetworkPolicy"), "PC2011"],
  ["GlobalNetworkPolicy", "name", policy("GlobalNetworkPolicy"), "PC2009"],
  ["GlobalNetworkPolicy", "tier", policy("GlobalNetworkPolicy"), "PC2009"],
  ["GlobalNetworkPolicy", "annotation key", policy("GlobalNetworkPolicy"), "PC2014"],
  ["Profile", "name", named("projectcalico.org/v3", "Profile"), "PC2009"],
  ["Tier", "name", named("projectcalico.org/v3", "Tier"), "PC2009"],
  ["NetworkSet", "name", named("projectcalico.org/v3", "NetworkSet", true), "PC2009"],
  ["GlobalNetworkSet", "name", named("projectcalico.org/v3", "GlobalNetworkSet"), "PC2009"],
  ["Namespace", "name", named("v1", "Namespace"), "PC2009"],
  ["ServiceAccount", "name", named("v1", "ServiceAccount", true), "PC2009"],
  ["Kubernetes NetworkPolicy", "ports.port", k8sPolicy, "PC2011"],
  ["AdminNetworkPolicy", "namedPort", anp, "PC2011"],
];

/** The document with `payload` in place of the placeholder, and where the value starts. */
function place(template: string, payload: string): { text: string; at: Where & { code: "" } } {
  const offset = template.indexOf("@@");
  const { line, column } = lineColumn(template, offset);
  // A JSON string is a YAML double-quoted scalar with the same escapes.
  return { text: template.replace("@@", JSON.stringify(payload)), at: { code: "", line, column } };
}

const CASES = FIELDS.flatMap(([kind, field, template, code]) => {
  const payloads = field === "interfaceName" && kind === "WorkloadEndpoint" ? [...PAYLOADS, ["a '*' wildcard", "*"] as const] : PAYLOADS;
  return payloads.map(([what, payload]) => [`${kind} ${field}: ${what}`, template(field), payload, code] as const);
});

describe("strings that become kernel tokens are validated where they enter", () => {
  it("every template is valid with its defaults (so each case's one error is its field's)", () => {
    for (const [kind, , template] of FIELDS) {
      expect([kind, diagsOfErrors(template(""))]).toEqual([kind, []]);
    }
  });

  it.each(CASES)("%s", (_name, template, payload, code) => {
    const { text, at: value } = place(template, payload);
    const errors = load(text).diagnostics.filter((d) => d.severity === "error");
    expect(where(errors, [{ file: "t.yaml", text }])).toEqual([{ code, line: value.line, column: value.column }]);
  });
});

describe("rule annotation values are free text: accepted, and escaped into one comment", () => {
  it.each(PAYLOADS.filter(([, p]) => p.length < 1000))("%s", (_name, payload) => {
    const text = `${wep("")}---\n${policy("GlobalNetworkPolicy")("")}`.replace("owner: x", `owner: ${JSON.stringify(payload)}`);
    const loaded = load(text);
    expect(diagsOfErrors(text)).toEqual([]);
    const lines = renderIptablesRestore(compile(loaded.model, { node: "node-1" })).split("\n");
    const escaped = payload.replace(/[^\w @%+=:,./-]/g, "_");
    expect(lines.filter((l) => l.includes(`--comment "owner=${escaped}"`))).toHaveLength(1);
    expect(lines).not.toContain("-F INPUT");
  });

  it("but all of a rule's annotations together are bounded (256 KiB), with the caret on `annotations`", () => {
    const template = policy("GlobalNetworkPolicy")("");
    const text = template.replace("owner: x", `owner: ${JSON.stringify("a".repeat(300_000))}`);
    const { line, column } = lineColumn(text, text.indexOf("annotations:"));
    expect(diagsOfErrors(text)).toEqual([{ code: "PC2014", line, column }]);
  });
});

function diagsOfErrors(text: string): Where[] {
  return where(load(text).diagnostics.filter((d) => d.severity === "error"), [{ file: "t.yaml", text }]);
}

describe("the CLI refuses them: exit 1, a located diagnostic, no rules printed", () => {
  const dir = mkdtempSync(join(tmpdir(), "pc-kernel-tokens-"));
  const cliCases = FIELDS.map(([kind, field, template, code]) => [`${kind} ${field}`, template(field), code] as const);

  it.each(cliCases)("%s", async (name, template, code) => {
    const { text, at: value } = place(template, ATTACK);
    const file = join(dir, `${name.replace(/[^a-zA-Z0-9]+/g, "-")}.yaml`);
    writeFileSync(file, text);
    const located = `${file}:${value.line}:${value.column}: error ${code}:`;

    const validate = await cli(["validate", "-f", file]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(located);
    expect(validate.stdout + validate.stderr).not.toContain("\n-F INPUT");

    const compiled = await cli(["compile", "-f", file, "--node", "node-1"]);
    expect(compiled.code).toBe(1);
    expect(compiled.stdout).toBe("");
    expect(compiled.stderr).toContain(located);
    expect(compiled.stderr).not.toContain("internal error");
  });
});

describe("--node must be a node name (it is compared with every endpoint's node)", () => {
  const dir = mkdtempSync(join(tmpdir(), "pc-node-flag-"));
  const file = join(dir, "ok.yaml");
  writeFileSync(file, wep(""));

  it.each([
    ["compile", ["compile", "-f", file]],
    ["apply --dry-run", ["apply", "-f", file, "--dry-run"]],
    ["diff", ["diff", "--from", file, "--to", file]],
  ])("%s: a usage error (exit 2) that shows the value escaped, nothing on stdout", async (_name, argv) => {
    const r = await cli([...argv, "--node", "node-1\n-F INPUT"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('--node: invalid node name "node-1\\n-F INPUT": expected lower case alphanumeric characters');
  });
});
