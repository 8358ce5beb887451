/**
 * The switches the suites read from the environment: how many cases a property suite runs
 * (runs.ts) and whether a missing prerequisite fails the suite or skips it (ci.ts).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { prerequisitesMet } from "./ci.js";
import { runsFromEnv } from "./runs.js";

describe("runsFromEnv", () => {
  it.each([
    [undefined, 150],
    ["", 150],
    ["  ", 150],
    ["1", 1],
    ["5000", 5000],
    [" 20 ", 20],
  ])("%j gives %i", (value, want) => {
    expect(runsFromEnv("MATRIX_RUNS", 150, value === undefined ? {} : { MATRIX_RUNS: value })).toBe(want);
  });

  it.each(["0", "-5", "abc", "1e3", "2.5", "0x10", "NaN", "Infinity", "99999999999999999999"])("refuses %j, naming the variable", (value) => {
    expect(() => runsFromEnv("REFERENCE_RUNS", 1000, { REFERENCE_RUNS: value })).toThrow(
      `REFERENCE_RUNS=${JSON.stringify(value)}: expected a whole number of runs, at least 1 (unset for the default 1000)`,
    );
  });
});

describe("isCI", () => {
  // Decided in a child process: the answer is fixed when std-env is first imported.
  const root = join(import.meta.dirname, "..");
  const isCIWith = (env: Record<string, string>): boolean => {
    // A bare environment: no CI variable of any provider leaks in from the machine running this.
    const clean = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/" };
    const script = `import("./test/ci.ts").then((m) => process.stdout.write(String(m.isCI)))`;
    const out = execFileSync(join(root, "node_modules", ".bin", "tsx"), ["-e", script], { cwd: root, env: { ...clean, ...env }, encoding: "utf8" });
    return out.trim() === "true";
  };

  it.each([
    [{}, false],
    [{ CI: "true" }, true],
    // Narrower checks (CI === "true" || CI === "1") missed these; vitest counts them as CI.
    [{ CI: "yes" }, true],
    [{ GITHUB_ACTIONS: "true" }, true],
  ])("%j -> %s", (env, want) => {
    expect(isCIWith(env)).toBe(want);
  });
});

describe("prerequisitesMet", () => {
  it("runs a suite that lacks nothing, silently", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      expect(prerequisitesMet("etcd", [], false)).toBe(true);
      expect(prerequisitesMet("etcd", [], true)).toBe(true);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("outside CI skips with a banner naming the suite and each missing thing", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      expect(prerequisitesMet("etcd source (real etcd)", ["etcd not found on PATH", "etcdctl not found on PATH"], false)).toBe(false);
      const bar = "!".repeat(78);
      expect(warn.mock.calls).toEqual([
        [[bar, '!! SKIPPING suite "etcd source (real etcd)":', "!!  - etcd not found on PATH", "!!  - etcdctl not found on PATH", "!! (in CI this is a failure)", bar].join("\n")],
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it("in CI fails instead", () => {
    expect(() => prerequisitesMet("etcd", ["etcd not found on PATH"], true)).toThrow('suite "etcd" cannot run (in CI a skip is a failure):\n  - etcd not found on PATH');
  });
});
