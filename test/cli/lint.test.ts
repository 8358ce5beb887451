import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const fixture = "test/cli/fixtures/lint";
const cluster = `${fixture}/cluster.yaml`;

describe("policy-compile lint -f", () => {
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
