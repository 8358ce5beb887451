/**
 * The real CLI (`src/cli/bin.ts` through tsx) with --dataplane nftables|auto under `ip netns
 * exec` in a fresh namespace: dry-run writes nothing, apply programs, a re-apply and `diff
 * --live` find nothing to do; auto follows kube-proxy's table; a transaction nft refuses ends
 * with exit 3, nft's error and the transaction line it names, and changes nothing.
 */
import { execa } from "execa";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { execaRunner } from "../../../src/dataplane/runner.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = [...(await kernelProblems()), ...((await execaRunner("sh", ["-c", "command -v nft"])).exitCode === 0 ? [] : ["nft not found on PATH"])];
if (problems.length) announceSkip("nftables CLI", problems);

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MAIN = "docs/examples/nftables-reconcile/main.nft";
const PR = "docs/examples/nftables-reconcile/pr.nft";

describe.skipIf(problems.length > 0)("policy-compile apply/diff --dataplane nftables in a network namespace", () => {
  let ns: Netns;
  let dir: string;
  const cli = (...args: string[]) => execa("ip", ["netns", "exec", ns.name, process.execPath, "--import", "tsx", "src/cli/bin.ts", ...args], { cwd: ROOT, reject: false, stripFinalNewline: false });
  const table = async () => (await ns.runner("nft", ["list", "table", "ip", "calico"])).stdout;

  beforeEach(async () => {
    ns = await createNetns("nftcli");
    dir = mkdtempSync(join(tmpdir(), "pc-nft-cli-"));
  });
  afterEach(async () => {
    await ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("dry-run, apply, re-apply, diff --live, a change", async () => {
    const dry = await cli("apply", "-f", MAIN, "--node", "node-1", "--dataplane", "nftables", "--dry-run");
    expect([dry.exitCode, dry.stderr]).toEqual([0, ""]);
    expect(dry.stdout).toMatch(/^# nft -f - \(ip calico\)\nadd table ip calico\nadd set ip calico cali40s-cttW8MqAIeVWez-m8dwR9b3 /);
    expect(await table()).toBe("");

    const first = await cli("apply", "-f", MAIN, "--node", "node-1", "--dataplane", "nftables");
    expect([first.exitCode, first.stderr]).toEqual([0, ""]);
    expect(first.stdout).toMatch(/^applied 21 nft lines to ip calico in 1 attempt\(s\) \([\d.]+ ms\)\n$/);
    expect(await table()).toContain('comment "cali:LcIpG_tgryclYexS; NetworkPolicy default/allow-http ingress"');

    const again = await cli("apply", "-f", MAIN, "--node", "node-1", "--dataplane", "nftables");
    expect(again.stdout).toMatch(/^already in sync: ip calico \([\d.]+ ms\)\n$/);
    const live = await cli("diff", "--node", "node-1", "--dataplane", "nftables", "-f", MAIN, "--live");
    expect([live.exitCode, live.stdout]).toEqual([0, "# no changes\n"]);

    const change = await cli("diff", "--node", "node-1", "--dataplane", "nftables", "-f", PR, "--live");
    // Read back with handles: the policy chain's only rule changed, so it is flushed and re-added.
    expect(change.stdout.split("\n").slice(0, 3)).toEqual(["# nft -f - (ip calico)", "add element ip calico cali40s-cttW8MqAIeVWez-m8dwR9b3 { 10.65.2.4/32 }", "flush chain ip calico filter-cali-pi-np/default/allow-http"]);
    const applied = await cli("apply", "-f", PR, "--node", "node-1", "--dataplane", "nftables");
    expect(applied.stdout).toMatch(/^applied 3 nft lines to ip calico in 1 attempt\(s\)/);
    expect(await table()).toContain("tcp dport { 80, 443, 8080 }");
  }, 240_000);

  it("compiled from policy inputs: apply, in sync, a cluster change is one set element", async () => {
    const first = await cli("apply", "-f", "test/dataplane/fixtures/cluster-v1", "--node", "node-1", "--dataplane", "nftables");
    expect([first.exitCode, first.stderr]).toEqual([0, ""]);
    expect(first.stdout).toMatch(/^applied \d+ nft lines to ip calico in 1 attempt\(s\)/);
    expect(await table()).toContain("chain filter-cali-FORWARD {");
    const live = await cli("diff", "--node", "node-1", "--dataplane", "nftables", "-f", "test/dataplane/fixtures/cluster-v1", "--live");
    expect([live.exitCode, live.stdout]).toEqual([0, "# no changes\n"]);
    const change = await cli("apply", "-f", "test/dataplane/fixtures/cluster-v2", "--node", "node-1", "--dataplane", "nftables");
    expect(change.stdout).toMatch(/^applied 1 nft lines to ip calico in 1 attempt\(s\)/);
  }, 240_000);

  it("--dataplane auto: iptables without kube-proxy's nft table, nftables with it (said on stderr)", async () => {
    const without = await cli("apply", "-f", MAIN, "--node", "node-1", "--dataplane", "auto", "--dry-run");
    expect(without.stderr.split("\n")[0]).toBe("policy-compile apply: --dataplane auto chose iptables (no kube-proxy nftables table with chains)");
    await ns.exec("nft", ["-f", "-"], "add table ip kube-proxy\nadd chain ip kube-proxy services\n");
    const withKp = await cli("apply", "-f", MAIN, "--node", "node-1", "--dataplane", "auto");
    expect(withKp.stderr).toBe("policy-compile apply: --dataplane auto chose nftables (ip kube-proxy holds 1 chain(s))\n");
    expect(withKp.stdout).toMatch(/^applied 21 nft lines to ip calico/);
    const diff = await cli("diff", "--node", "node-1", "--dataplane", "auto", "-f", MAIN, "--live");
    expect([diff.stdout, diff.stderr]).toEqual(["# no changes\n", "policy-compile diff: --dataplane auto chose nftables (ip kube-proxy holds 1 chain(s))\n"]);
  }, 240_000);

  it("a transaction nft refuses: exit 3, nft's error and the failing transaction line, nothing changed", async () => {
    await cli("apply", "-f", MAIN, "--node", "node-1", "--dataplane", "nftables");
    const before = await table();
    // The guard lets a port number through; nft refuses 99999 ("Service out of range").
    const bad = join(dir, "calico.nft");
    writeFileSync(bad, `${(await import("node:fs")).readFileSync(join(ROOT, MAIN), "utf8")}add rule ip calico filter-cali-tw-cali1234 tcp dport 99999 counter accept comment "cali:BADBADBADBADBAD0;"\n`);
    const r = await cli("apply", "-f", bad, "--node", "node-1", "--dataplane", "nftables", "--retries", "1");
    expect([r.exitCode, r.stdout]).toEqual([3, ""]);
    const line = 'add rule ip calico filter-cali-tw-cali1234 tcp dport 99999 counter accept comment "cali:BADBADBADBADBAD0;"';
    expect(r.stderr).toBe(
      "policy-compile: nft -f failed (nft, exit 1) after 2 attempt(s):\n" +
        "/dev/stdin:1:54-58: Error: Service out of range\n" +
        `${line}\n` +
        `${" ".repeat(53)}^^^^^\n` +
        `failing line 1: ${line}\n`,
    );
    expect(await table()).toBe(before);
  }, 240_000);
});
