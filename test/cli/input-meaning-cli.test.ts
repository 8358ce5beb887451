/**
 * What a user sees for input that does not mean what it seems to (issue 16): `validate` exits 1
 * with a located diagnostic and a caret, and `compile` writes nothing.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli as runCli } from "./helpers.js";

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pc-meaning-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The in-process CLI (helpers.ts) run in `cwd`. */
const cli = (cwd: string, ...argv: string[]) => runCli(argv, cwd);

const octalPort = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-http
spec:
  selector: all()
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports: [0120]
`;

const twoActions = `{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "g"},
 "spec": {"selector": "all()", "ingress": [{"action": "Deny", "action": "Allow"}]}}
`;

describe("validate", () => {
  it("refuses a port Kubernetes reads as octal: exit 1, file:line:col, what each side reads, a caret", async () => {
    const r = await cli(workspace({ "p.yaml": octalPort }), "validate", "-f", "p.yaml");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'p.yaml:11:15: error PC1004: `0120` is the number 80 to Kubernetes and calicoctl (YAML 1.1) but the number 120 here (YAML 1.2): write 80, or quote it ("0120") for the string\n' +
        "        ports: [0120]\n" +
        "                ^^^^\n",
    );
    expect(r.stdout).toBe("invalid: 1 file, 1 error, 0 warnings\n");
  });

  it("refuses a JSON key given twice: exit 1, the second key with a caret, a note at the first", async () => {
    const r = await cli(workspace({ "p.json": twoActions }), "validate", "-f", "p.json");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'p.json:2:63: error PC1003: JSON syntax error: the key "action" appears twice in one object (JSON.parse would silently keep the last one): remove one of them\n' +
        '   "spec": {"selector": "all()", "ingress": [{"action": "Deny", "action": "Allow"}]}}\n' +
        "                                                                ^^^^^^^^\n" +
        "p.json:2:45: note: first occurrence\n" +
        '   "spec": {"selector": "all()", "ingress": [{"action": "Deny", "action": "Allow"}]}}\n' +
        "                                              ^^^^^^^^\n",
    );
  });

  it("gives the same as JSON (--format json), notes included", async () => {
    const r = await cli(workspace({ "p.json": twoActions }), "validate", "-f", "p.json", "--format", "json");
    expect(r.code).toBe(1);
    const [d] = JSON.parse(r.stdout) as { code: string; line: number; column: number; notes?: string[] }[];
    expect([d?.code, d?.line, d?.column, d?.notes]).toEqual(["PC1003", 2, 63, ["first occurrence"]]);
  });
});

describe("compile", () => {
  it("writes nothing for the octal port example", async () => {
    const dir = workspace({ "p.yaml": octalPort });
    const r = await cli(dir, "compile", "-f", "p.yaml", "--node", "node-1", "--out", "out");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("p.yaml:11:15: error PC1004");
    expect(readdirSync(dir)).toEqual(["p.yaml"]);
  });

  it("prints nothing on stdout without --out", async () => {
    const r = await cli(workspace({ "p.json": twoActions }), "compile", "-f", "p.json", "--node", "node-1");
    expect([r.code, r.stdout]).toEqual([1, ""]);
    expect(r.stderr).toContain("error PC1003");
  });
});
