/**
 * What `npm run mutate` runs against each folder, and how it scores the result.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MUTATE_FOLDERS, isMutateFolder, mutationTestFiles, type MutateFolder } from "./folders.js";
import { mutationScore, tallyResults } from "./score.js";

const root = join(import.meta.dirname, "..", "..");

describe("mutation folders", () => {
  it("are the five pure stages", () => {
    expect(Object.keys(MUTATE_FOLDERS)).toEqual(["selector", "resolve", "render", "diff", "trace"]);
    expect(isMutateFolder("trace")).toBe(true);
    expect(isMutateFolder("cli")).toBe(false);
    expect(isMutateFolder("toString")).toBe(false);
  });

  it.each(Object.keys(MUTATE_FOLDERS) as MutateFolder[])("%s: its own tests, without the slow property suites (which exist)", (folder) => {
    const files = mutationTestFiles(root, folder);
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(f).toMatch(new RegExp(`^test/${folder}/([^/]+/)*[^/]+\\.test\\.ts$`));
    for (const slow of MUTATE_FOLDERS[folder].slow) {
      expect(existsSync(join(root, "test", folder, slow))).toBe(true);
      expect(files).not.toContain(`test/${folder}/${slow}`);
    }
  });

  it("diff: the tests of src/diff/nftables in test/diff/nftables too, without their property suite", () => {
    const files = mutationTestFiles(root, "diff");
    expect(files).toContain("test/diff/nftables/plan.test.ts");
    expect(files).toContain("test/diff/nftables/parse-json.test.ts");
    expect(files).not.toContain("test/diff/nftables/properties.test.ts");
    expect(files).not.toContain("test/diff/properties.test.ts");
  });
});

describe("the vitest config Stryker runs", () => {
  it("includes the folder's test files and the module-load test, nothing else", async () => {
    process.env["MUTATE_FOLDER"] = "diff";
    try {
      const config = (await import("./vitest.config.js")).default as { test?: { include?: string[] } };
      expect(config.test?.include).toEqual([...mutationTestFiles(root, "diff"), "test/mutation/loads.test.ts"]);
    } finally {
      delete process.env["MUTATE_FOLDER"];
    }
  });
});

describe("mutation score", () => {
  it("is detected (killed, timeout) over valid (detected, survived, no coverage)", () => {
    const statuses = ["Killed", "Killed", "Killed", "Timeout", "Survived", "NoCoverage", "Ignored", "CompileError", "RuntimeError"] as const;
    const tally = tallyResults(statuses.map((status) => ({ status })));
    expect(tally).toEqual({ killed: 3, timeout: 1, survived: 1, noCoverage: 1, ignored: 1, errors: 2 });
    expect(mutationScore(tally)).toBeCloseTo((4 / 6) * 100, 10);
  });

  it("is undefined without a valid mutant", () => {
    expect(mutationScore(tallyResults([{ status: "Ignored" }]))).toBeUndefined();
  });
});
