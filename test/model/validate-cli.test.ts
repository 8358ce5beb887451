/** `policy-compile validate` and readInputs/loadOrFail, run in-process against temporary files. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import { run } from "../../src/cli/run.js";

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pc-validate-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {} });
  return { code, stdout, stderr };
}

const good = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  selector: all()\n";
const bad = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g2}\nspec:\n  selector: app ==\n  order: x\n";

describe("readInputs", () => {
  it("reads files and directories recursively, only yaml/yml/json from directories, sorted", async () => {
    const dir = workspace({ "b/z.yaml": good, "b/a/y.yml": good, "b/notes.txt": "x", "a.json": "{}", "c.conf": "x" });
    const files = await readInputs(["b", "a.json", "c.conf", "b/z.yaml"], dir);
    expect(files.map((f) => f.file)).toEqual(["a.json", "b/a/y.yml", "b/z.yaml", "c.conf"]);
  });

  it("names a missing path", async () => {
    await expect(readInputs(["nope.yaml"], workspace({}))).rejects.toThrow("nope.yaml: error PC1013: cannot read: no such file or directory (ENOENT)");
  });
});

describe("policy-compile validate", () => {
  it("exits 0 on clean input with a summary", async () => {
    const r = await cli(workspace({ "p.yaml": good }), "validate", "-f", "p.yaml");
    expect(r).toEqual({ code: 0, stdout: "valid: 1 file, 0 errors, 0 warnings\n", stderr: "" });
  });

  it("exits 1 and prints every problem with file:line:col and a caret", async () => {
    const r = await cli(workspace({ "dir/p.yaml": bad }), "validate", "-f", "dir");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("invalid: 1 file, 2 errors, 0 warnings\n");
    expect(r.stderr).toBe(
      [
        "dir/p.yaml:5:19: error PC1002: invalid selector: expected a quoted string, found end of selector",
        "    selector: app ==",
        "                    ^",
        'dir/p.yaml:6:10: error PC2005: spec.order: expected a number, found "x"',
        "    order: x",
        "           ^",
        "",
      ].join("\n"),
    );
  });

  it("--format json prints an array of diagnostics on stdout", async () => {
    const r = await cli(workspace({ "p.yaml": bad }), "validate", "-f", "p.yaml", "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { file: "p.yaml", line: 5, column: 19, endLine: 5, endColumn: 19, code: "PC1002", severity: "error", message: "invalid selector: expected a quoted string, found end of selector" },
      { file: "p.yaml", line: 6, column: 10, endLine: 6, endColumn: 11, code: "PC2005", severity: "error", message: 'spec.order: expected a number, found "x"' },
    ]);
  });

  it("rejects an unknown --format as a usage error (exit 2)", async () => {
    const r = await cli(workspace({ "p.yaml": good }), "validate", "-f", "p.yaml", "--format", "xml");
    expect(r.code).toBe(2);
    // commander's choices (the same check as -o): the allowed values named, then where to look.
    expect(r.stderr).toBe("error: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json.\n(run with --help for usage)\n");
  });

  it("a missing file is exit 1 with the path named, no stack trace", async () => {
    const r = await cli(workspace({}), "validate", "-f", "missing.yaml");
    expect(r).toEqual({ code: 1, stdout: "", stderr: "missing.yaml: error PC1013: cannot read: no such file or directory (ENOENT)\n" });
  });
});
