/**
 * `policy-compile convert`: AdminNetworkPolicy / BaselineAdminNetworkPolicy → ClusterNetworkPolicy.
 * The expected outputs under fixtures/convert-expected/ were reviewed line by line: comments and
 * key order kept, Allow → Accept, ports → protocols, tier and priority added, everything else
 * byte for byte.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import { cli } from "./helpers.js";

const FIX = "test/cli/fixtures/convert";
const expected = (name: string): string => readFileSync(join("test/cli/fixtures/convert-expected", name), "utf8");

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "pc-convert-"));
}

describe("policy-compile convert", () => {
  it("rewrites ANP and BANP as ClusterNetworkPolicy on stdout, keeping comments, order and the other documents", async () => {
    const r = await cli(["convert", "-f", `${FIX}/admin.yaml`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected("admin.yaml"));
    expect(r.stderr).toBe(expected("admin.stderr"));
  });

  it.each([
    ["admin.yaml", "admin.yaml"],
    ["dir", "dir.yaml"],
  ])("its output for %s loads as ClusterNetworkPolicy with no error (fail-closed notes only)", (_input, output) => {
    const { model, diagnostics } = loadSources([{ file: output, text: expected(output) }]);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(diagnostics.map((d) => d.code)).not.toContain("PC4020");
    expect(model.policies.every((p) => p.policyKind === "kcnp")).toBe(true);
    expect(model.policies.length).toBeGreaterThan(0);
  });

  it("reports what does not carry over exactly, each at its place", async () => {
    const r = await cli(["convert", "-f", `${FIX}/admin.yaml`]);
    expect([...r.stderr.matchAll(/^\S+:(\d+):(\d+): (\w+) (PC\d+):/gm)].map((m) => `${m[1]}:${m[2]} ${m[3]} ${m[4]}`)).toEqual([
      "23:18 notice PC4021", // portRange 8080-8080 → number 8080
      "24:7 warning PC4022", // namedPort: any protocol now
      "42:7 warning PC4023", // nodes: Calico fails closed
    ]);
  });

  it("converts a directory: JSON as JSON, typed and untyped Lists, plain files untouched", async () => {
    const r = await cli(["convert", "-f", `${FIX}/dir`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected("dir.yaml"));
    expect(r.stderr).toMatch(/list\.yaml:12:13: warning PC4023: egress peer `domainNames` is kept, .*this Accept rule is dropped/);
    expect(r.stderr.endsWith("converted 3 admin policies in 2 files to ClusterNetworkPolicy\n")).toBe(true);
  });

  it("with --out writes one file per input under its relative name, and unconverted files byte for byte", async () => {
    const out = scratch();
    const r = await cli(["convert", "-f", `${FIX}/dir`, "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(readdirSync(out, { recursive: true }).map(String).sort()).toEqual(["banp.json", "plain.yaml", "sub", join("sub", "list.yaml")]);
    expect(readFileSync(join(out, "plain.yaml"), "utf8")).toBe(readFileSync(`${FIX}/dir/plain.yaml`, "utf8"));
    expect(JSON.parse(readFileSync(join(out, "banp.json"), "utf8"))).toMatchObject({ kind: "ClusterNetworkPolicy", spec: { tier: "Baseline", priority: 1000 } });
    expect(readFileSync(join(out, "sub/list.yaml"), "utf8")).toContain("kind: ClusterNetworkPolicyList\n");
  });

  it("a file named directly is written under its base name", async () => {
    const out = scratch();
    const r = await cli(["convert", "-f", `${FIX}/admin.yaml`, "--out", out]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, "admin.yaml"), "utf8")).toBe(expected("admin.yaml"));
  });

  it("refuses to overwrite an input, and writes nothing", async () => {
    const dir = scratch();
    cpSync(`${FIX}/admin.yaml`, join(dir, "admin.yaml"));
    const before = readFileSync(join(dir, "admin.yaml"), "utf8");
    const r = await cli(["convert", "-f", "admin.yaml", "--out", "."], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.endsWith("policy-compile convert: --out . would overwrite the input admin.yaml; choose another directory\n")).toBe(true);
    expect(readFileSync(join(dir, "admin.yaml"), "utf8")).toBe(before);
    expect(readdirSync(dir)).toEqual(["admin.yaml"]);
  });

  // The yaml printer cannot write 4-space mappings with unindented sequences (it indents them by
  // 2); 4-space mappings with indented sequences, and 2-space either way, are kept.
  it("keeps the document's indentation, sequence style and the spacing of a closing comment", async () => {
    const dir = scratch();
    const four = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n    name: four\nspec:\n    priority: 3\n    subject:\n        namespaces: {}\n    ingress:\n        - action: Deny\n          from:\n              - namespaces: {}\n# closing comment\n";
    const apart = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: apart}\nspec: {priority: 1, subject: {namespaces: {}}}\n\n# kept apart\n";
    writeFileSync(join(dir, "four.yaml"), four);
    writeFileSync(join(dir, "apart.yaml"), apart);
    const r = await cli(["convert", "-f", "four.yaml"], dir);
    expect(r.stdout).toBe(
      "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n    name: four\nspec:\n    tier: Admin\n    priority: 3\n    subject:\n        namespaces: {}\n    ingress:\n        - action: Deny\n          from:\n              - namespaces: {}\n# closing comment\n",
    );
    const r2 = await cli(["convert", "-f", "apart.yaml"], dir);
    expect(r2.stdout).toBe("apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: apart}\nspec: {tier: Admin, priority: 1, subject: {namespaces: {}}}\n\n# kept apart\n");
  });

  it("expands an alias inside an admin policy (the anchored original is converted in place, each use gets a copy)", async () => {
    const dir = scratch();
    writeFileSync(
      join(dir, "alias.yaml"),
      "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: x}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n  - action: Allow\n    from: &all [{namespaces: {}}]\n    ports: &p [{portNumber: {port: 80}}]\n  - action: Deny\n    from: *all\n    ports: *p\n",
    );
    const r = await cli(["convert", "-f", "alias.yaml"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.split("  ingress:\n")[1]).toBe(
      "  - action: Accept\n    from: &all [{namespaces: {}}]\n    protocols: &p [{tcp: {destinationPort: {number: 80}}}]\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{tcp: {destinationPort: {number: 80}}}]\n",
    );
    expect(loadSources([{ file: "out.yaml", text: r.stdout }]).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("refuses an --out that is a file (usage error, nothing written)", async () => {
    const dir = scratch();
    cpSync(`${FIX}/admin.yaml`, join(dir, "admin.yaml"));
    const r = await cli(["convert", "-f", "admin.yaml", "--out", "admin.yaml"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.endsWith("policy-compile convert: --out admin.yaml is not a directory\n")).toBe(true);
    expect(readdirSync(dir)).toEqual(["admin.yaml"]);
  });

  it("exits 1 with located errors on invalid input and converts nothing", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "bad.yaml"), "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec:\n  priority: 1001\n  subject: {namespaces: {}}\n");
    const r = await cli(["convert", "-f", "bad.yaml", "--out", "out"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(["bad.yaml:5:13: error PC3019: priority 1001 is out of range: expected 0 to 1000", "    priority: 1001", "              ^^^^", "not converted: 1 error in the input", ""].join("\n"));
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("refuses two policies that would share a ClusterNetworkPolicy name (an ANP and the BANP both named default)", async () => {
    const dir = scratch();
    const anp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: default}\nspec: {priority: 1, subject: {namespaces: {}}}\n";
    const banp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec: {subject: {namespaces: {}}}\n";
    writeFileSync(join(dir, "p.yaml"), `${anp}---\n${banp}`);
    const r = await cli(["convert", "-f", "p.yaml", "--out", "out"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^p\.yaml:8:18: error PC3036: the ClusterNetworkPolicy "default" would be defined twice/);
    expect(r.stderr).toContain("p.yaml:3:18: note: first defined here");
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("splits a rule with more than 25 peers or ports into consecutive rules of at most 25 (PC4024)", async () => {
    const dir = scratch();
    const peers = Array.from({ length: 30 }, (_, i) => `    - namespaces: {matchLabels: {k: "${i}"}}`).join("\n");
    const ports = Array.from({ length: 26 }, (_, i) => `    - portNumber: {port: ${1000 + i}}`).join("\n");
    writeFileSync(
      join(dir, "big.yaml"),
      `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: big}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n  - name: many\n    action: Deny\n    from:\n${peers}\n    ports:\n${ports}\n`,
    );
    const r = await cli(["convert", "-f", "big.yaml"], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^big\.yaml:8:5: notice PC4024: ingress rule 0 has 30 peers and 26 ports; .* written as 4 consecutive rules/);
    const rules = r.stdout.split("\n  - name: many\n").slice(1);
    expect(rules).toHaveLength(4);
    const count = (text: string, re: RegExp): number => (text.match(re) ?? []).length;
    expect(rules.map((t) => [count(t, /- namespaces:/g), count(t, /- tcp:/g)])).toEqual([
      [25, 25],
      [25, 1],
      [5, 25],
      [5, 1],
    ]);
  });

  it("refuses more than 25 rules in a direction (PC3035): a second policy would need a priority of its own", async () => {
    const dir = scratch();
    const rules = Array.from({ length: 26 }, (_, i) => `  - {action: Deny, from: [{namespaces: {matchLabels: {k: "${i}"}}}]}`).join("\n");
    writeFileSync(join(dir, "many.yaml"), `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: many}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n${rules}\n`);
    const r = await cli(["convert", "-f", "many.yaml"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^many\.yaml:7:3: error PC3035: 26 ingress rules: a ClusterNetworkPolicy takes at most 25 per direction/);
    expect(r.stderr.endsWith("not converted: nothing was written\n")).toBe(true);
  });
});
