import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const fixture = "test/cli/fixtures/lint";
const cluster = `${fixture}/cluster.yaml`;

describe("policy-compile lint -f", () => {
  it("prints at most 200 findings and a PC9001 count; the summary and --strict count them all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-lint-"));
    try {
      const policies = Array.from({ length: 250 }, (_, i) => `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p${i}, namespace: default}\nspec: {selector: app == 'none'}\n`);
      writeFileSync(join(dir, "many.yaml"), policies.join("---\n"));
      const r = await cli(["lint", "-f", cluster, "-f", dir, "--strict"]);
      expect(r.code).toBe(1);
      // Each policy gets PC6001 (selects nothing) and, all but the first, PC6009 (redundant).
      expect(r.stdout).toBe("valid: 2 files, 0 errors, 499 warnings\n");
      expect(r.stderr.match(/: warning PC60\d\d:/g)).toHaveLength(200);
      expect(r.stderr).toContain("notice PC9001: 299 more diagnostics not shown (0 of them errors); only the first 200 are reported");
      const json = JSON.parse((await cli(["lint", "-f", cluster, "-f", dir, "--format", "json"])).stdout) as { code: string }[];
      expect(json).toHaveLength(201);
      expect(json.at(-1)?.code).toBe("PC9001");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints each warning as file:line:col with its code and exits 0", async () => {
    const r = await cli(["lint", "-f", cluster, "-f", `${fixture}/policy.yaml`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${fixture}/policy.yaml:7:13: warning PC6001: policy np/default/p applies to no endpoint`);
    expect(r.stdout).toBe("valid: 2 files, 0 errors, 1 warning\n");
  });

  it("prints a JSON array of diagnostics with code, line and column", async () => {
    const r = await cli(["lint", "-f", cluster, "-f", `${fixture}/policy.yaml`, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const out: unknown = JSON.parse(r.stdout);
    expect(Array.isArray(out)).toBe(true);
    expect((out as { code: string; line: number; column: number; file: string }[]).map(({ file, code, line, column }) => ({ file, code, line, column }))).toEqual([
      { file: `${fixture}/policy.yaml`, code: "PC6001", line: 7, column: 13 },
    ]);
  });

  it("exits 1 with --strict when there is a warning, and 0 with --strict when there is none", async () => {
    expect((await cli(["lint", "-f", cluster, "-f", `${fixture}/policy.yaml`, "--strict"])).code).toBe(1);
    const clean = await cli(["lint", "-f", cluster, "-f", `${fixture}/clean.yaml`, "--strict"]);
    expect(clean.code).toBe(0);
    expect(clean.stderr).toBe("");
  });

  it("exits 1 when the inputs do not load, reporting the error and no lint warnings", async () => {
    const r = await cli(["lint", "-f", cluster, "-f", `${fixture}/broken.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${fixture}/broken.yaml:7:19: error PC1002: invalid selector`);
    expect(r.stderr).not.toContain("PC60");
  });
});
