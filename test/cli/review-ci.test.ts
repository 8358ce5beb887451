/**
 * The CI recipe of docs/review.md, run for real: a two-commit git repository (an "origin" whose
 * main holds the base policy, and a clone with the pull request's commit on top), and the GitHub
 * Actions workflow's `policy-compile review` command exactly as the page shows it, run in the
 * clone. The markdown it writes must show the opened and closed pairs, and `--fail-on` must give
 * the exit code the workflow relies on.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";

const root = resolve(import.meta.dirname, "../..");
const examples = join(root, "docs/examples/review");

/** The workflow's review command, from the page's GitHub Actions block. */
function workflowCommand(): string[] {
  const page = readFileSync(join(root, "docs/review.md"), "utf8");
  const line = page.split("\n").find((l) => /^\s+run: policy-compile review /.test(l));
  if (!line) throw new Error("docs/review.md: no `run: policy-compile review` step");
  return line.trim().slice("run: policy-compile ".length).split(/\s+/);
}

const git = (cwd: string, ...args: string[]) => execa("git", ["-c", "user.name=ci", "-c", "user.email=ci@example.com", "-c", "init.defaultBranch=main", ...args], { cwd });

async function runCli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {} });
  return { code, stdout, stderr };
}

describe("the CI workflow's review command in a real git repository", () => {
  let dir: string;
  let clone: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pc-review-ci-"));
    const origin = join(dir, "origin");
    mkdirSync(join(origin, "policies"), { recursive: true });
    for (const f of ["cluster.yaml", "policy.yaml"]) copyFileSync(join(examples, "base", f), join(origin, "policies", f));
    await git(origin, "init", "--quiet");
    await git(origin, "add", "-A");
    await git(origin, "commit", "--quiet", "-m", "base policy");
    clone = join(dir, "clone");
    await git(dir, "clone", "--quiet", origin, clone);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reports the pairs a commit opens and closes, and fails on closed ones", async () => {
    copyFileSync(join(examples, "head", "policy.yaml"), join(clone, "policies", "policy.yaml"));
    await git(clone, "commit", "--quiet", "-am", "move web to 8080");
    const argv = workflowCommand();
    expect(argv).toContain("--git");
    const r = await runCli(argv, clone);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("policy-compile review: the change opens 4 and closes 4 pod pair(s) (--fail-on closed)\n");
    const md = readFileSync(join(clone, "review.md"), "utf8");
    expect(md).toContain("Base: origin/main · Head: policies/");
    expect(md).toContain("**4 opened, 4 closed** pod pairs");
    expect(md).toContain("| opened | namespace default → namespace default | TCP/8080 | 4 |");
    expect(md).toContain("| closed | namespace default → namespace default | TCP/80 | 4 |");
    expect(md).toContain("(policies/policy.yaml:13)");
  });

  it("passes (exit 0) when the commit only opens pairs", async () => {
    copyFileSync(join(examples, "head-ssh", "policy.yaml"), join(clone, "policies", "policy.yaml"));
    await git(clone, "commit", "--quiet", "-am", "allow ssh too");
    // The base is still origin/main (port 80 only): the branch adds 22 and keeps 80.
    const r = await runCli(workflowCommand(), clone);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const md = readFileSync(join(clone, "review.md"), "utf8");
    expect(md).toContain("**4 opened, 0 closed** pod pairs");
    expect(md).toContain("| opened | namespace default → namespace default | TCP/22 | 4 |");
  });

  it("refuses an unknown revision and a directory outside any repository (usage errors)", async () => {
    const unknown = await runCli(["review", "--git", "origin/no-such-branch", "--head", "policies/"], clone);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--git origin/no-such-branch: unknown revision");
    const outside = mkdtempSync(join(tmpdir(), "pc-review-norepo-"));
    try {
      writeFileSync(join(outside, "p.yaml"), readFileSync(join(examples, "base", "policy.yaml")));
      const r = await runCli(["review", "--git", "main", "--head", "p.yaml"], outside);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--git needs the paths inside a git repository");
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("treats a path that does not exist at the revision as new in the change", async () => {
    mkdirSync(join(clone, "extra"), { recursive: true });
    copyFileSync(join(examples, "base", "cluster.yaml"), join(clone, "extra", "cluster.yaml"));
    const r = await runCli(["review", "--git", "origin/main", "--head", "extra/", "--format", "json"], clone);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { base: { gitRef: string }; connectivity: { opened: unknown[]; closed: unknown[]; pods: number } };
    expect(report.base.gitRef).toBe("origin/main");
    expect(report.connectivity.pods).toBe(0);
  });
});
