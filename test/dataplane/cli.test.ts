/** The `diff` command in-process (offline mode needs no kernel) and the usage rules of both commands. */
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { fileURLToPath } from "node:url";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: FIXTURES, env: {} });
  return { code, stdout, stderr };
}

describe("policy-compile diff --from --to", () => {
  it("a remote pod that one selector matches is one ipset line and nothing else", async () => {
    const r = await cli("diff", "--node", "node-1", "--from", "cluster-v1", "--to", "cluster-v2");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^# ipset restore \(before iptables\)\nadd cali40s:\S+ 10\.65\.1\.21\/32\n$/);
  });

  it("the reverse removes the member with --exist", async () => {
    const r = await cli("diff", "--node", "node-1", "--from", "cluster-v2", "--to", "cluster-v1");
    expect(r.stdout).toMatch(/^# ipset restore \(before iptables\)\ndel cali40s:\S+ 10\.65\.1\.21\/32 --exist\n$/);
  });

  it("equal inputs print # no changes", async () => {
    expect(await cli("diff", "--node", "node-1", "--from", "cluster-v1", "--to", "cluster-v1")).toEqual({ code: 0, stdout: "# no changes\n", stderr: "" });
  });

  it("removing the policy deletes its chain last, after the rule that jumped to it is rewritten", async () => {
    const r = await cli("diff", "--node", "node-1", "--from", "cluster-v1", "--to", "cluster-v1/cluster.yaml", "--backend", "nft");
    const lines = r.stdout.split("\n");
    expect(lines).toContain(":cali-pi-knp/shop/web-ingress - -");
    expect(lines.slice(-6)).toEqual([
      "*filter",
      "--delete-chain cali-pi-knp/shop/web-ingress",
      "COMMIT",
      "# ipset restore (after iptables)",
      expect.stringMatching(/^destroy cali40s:\S+$/),
      "",
    ]);
  });

  it("--format json prints the transaction", async () => {
    const r = await cli("diff", "--node", "node-1", "--from", "cluster-v1", "--to", "cluster-v2", "--format", "json");
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: "Transaction", backend: "legacy", iptables: [], ipsetsAfter: [], notes: [] });
  });

  it.each([
    [["diff", "--node", "n"], "policy-compile diff: give --from and --to, or -f with --live\n"],
    [["diff", "--node", "n", "--from", "cluster-v1"], "policy-compile diff: --from and --to go together\n"],
    [["diff", "--node", "n", "--from", "a", "--to", "b", "--live"], "policy-compile diff: use either --from/--to or -f with --live, not both\n"],
    [["diff", "--node", "n", "-f", "cluster-v1"], "policy-compile diff: give --from and --to, or -f with --live\n"],
    [["apply", "-f", "cluster-v1", "--node", "n", "--retries", "x"], 'policy-compile apply: --retries must be a whole number, got "x"\n'],
  ])("usage error: %j", async (argv, message) => {
    expect(await cli(...argv)).toEqual({ code: 2, stdout: "", stderr: message });
  });

  it("invalid input exits 1 with diagnostics, before anything touches a kernel", async () => {
    const r = await cli("apply", "-f", "nope.yaml", "--node", "node-1");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/nope\.yaml/);
  });
});
