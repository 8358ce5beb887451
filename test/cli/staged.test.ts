/** explain --staged and matrix --staged [--changes] in-process: both verdicts, the JSON contracts, usage errors. */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const replaces = ["-f", "golden/staged-set-replaces/input"];
const deletes = ["-f", "golden/staged-delete/input"];

describe("policy-compile explain --staged", () => {
  it("says both verdicts and names the staged policy whose rule decides the pending one", async () => {
    const r = await cli(["explain", ...replaces, "--from", "default/client2", "--to", "default/web-1", "--port", "80", "--staged"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^default\/client2 -> default\/web-1 TCP\/80: enforced DENY, pending ALLOW\n/);
    expect(r.stdout).toContain("staged:     StagedNetworkPolicy default/web (Set: replaces NetworkPolicy default/web)");
    expect(r.stdout).toContain("decided by: StagedNetworkPolicy default/web (tier default, stagedAction Set) ingress rule 0 (Allow)\n  at:         golden/staged-set-replaces/input/policy.yaml:30");
    expect(r.stdout.indexOf("enforced (today):")).toBeLessThan(r.stdout.indexOf("pending (staged policies promoted):"));
  });

  it("prints JSON with the pending verdict, both traces and the staged policies", async () => {
    const r = await cli(["explain", ...deletes, "--from", "default/client2", "--to", "default/web-1", "--port", "80", "--staged", "--format", "json"]);
    const j = JSON.parse(r.stdout) as { verdict: string; enforced: { verdict: string }; pending: { verdict: string; hops: { decidedBy: { kind: string } }[] }; staged: object[] };
    expect([j.verdict, j.enforced.verdict, j.pending.verdict]).toEqual(["allow", "deny", "allow"]);
    expect(j.pending.hops.map((h) => h.decidedBy.kind)).toEqual(["profileRule", "profileRule"]);
    expect(j.staged).toEqual([{ kind: "StagedKubernetesNetworkPolicy", namespace: "default", name: "web-from-client1", stagedAction: "Delete", effect: "deletes" }]);
  });

  it("without --staged, staged policies change nothing (today's verdict only)", async () => {
    const r = await cli(["explain", ...deletes, "--from", "default/client2", "--to", "default/web-1", "--port", "80"]);
    expect(r.stdout).toMatch(/^default\/client2 -> default\/web-1 TCP\/80: DENY\n/);
  });
});

describe("policy-compile matrix --staged", () => {
  it("JSON: every pair with verdict (pending), enforced and pending", async () => {
    const r = await cli(["matrix", ...replaces, "--staged", "--format", "json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { pairs: { from: string; to: string; verdict: string; enforced: string; pending: string }[] };
    expect(j.pairs).toHaveLength(20);
    expect(j.pairs.every((p) => p.verdict === p.pending)).toBe(true);
    expect(j.pairs.find((p) => p.from === "default/client2" && p.to === "default/web-1")).toMatchObject({ enforced: "deny", pending: "allow" });
    expect(j.pairs.find((p) => p.from === "default/client1" && p.to === "default/web-1")).toMatchObject({ enforced: "allow", pending: "deny" });
    expect(Object.keys(j.pairs[0] ?? {})).toEqual(["from", "to", "port", "protocol", "verdict", "enforced", "pending"]);
  });

  it("--changes JSON: only the changed pairs, each with what decides it and the staged policies", async () => {
    const r = await cli(["matrix", ...deletes, "--staged", "--changes", "--format", "json"]);
    const j = JSON.parse(r.stdout) as { changes: { from: string; to: string; change: string; enforced: string; pending: string; decidedBy: { summary: string } | null; staged: { name: string; effect: string }[] }[] };
    expect(j.changes.map((c) => `${c.change} ${c.from} -> ${c.to}`)).toEqual([
      "closed default/client2 -> default/client1",
      "opened default/client2 -> default/web-1",
      "opened default/client2 -> default/web-2",
      "closed default/web-1 -> default/client1",
      "opened default/web-1 -> default/web-2",
      "closed default/web-2 -> default/client1",
      "opened default/web-2 -> default/web-1",
    ]);
    expect(j.changes.every((c) => c.enforced !== c.pending && c.decidedBy !== null && c.staged.length === 1)).toBe(true);
  });

  it("says so when promotion changes nothing", async () => {
    const r = await cli(["matrix", "-f", "golden/k8s-web-from-client1/input", "--staged", "--changes"]);
    expect(r.stdout).toBe("no pair changes: promoting the staged policies changes no verdict\n");
  });

  it.each([
    [["matrix", ...replaces, "--changes"], /--changes goes with --staged/],
    [["matrix", "--from", "golden/staged-delete/input", "--to", "golden/staged-delete/input", "--staged"], /--staged takes -f PATH/],
  ])("%j is a usage error", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
