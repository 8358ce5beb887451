/**
 * The real CLI (`src/cli/bin.ts` through tsx) run under `ip netns exec` in a fresh namespace:
 * --dry-run writes nothing, apply programs, a second apply and `diff --live` find nothing to do,
 * and a kernel that refuses a line ends with exit 3, the tool's error and the failing line.
 */
import { execa } from "execa";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
if (problems.length) announceSkip("dataplane CLI apply", problems);

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const V1 = "test/dataplane/fixtures/cluster-v1";

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("policy-compile apply in a network namespace (%s)", (backend) => {
  let ns: Netns;
  const cli = (...args: string[]) =>
    execa("ip", ["netns", "exec", ns.name, process.execPath, "--import", "tsx", "src/cli/bin.ts", ...args], { cwd: ROOT, reject: false, stripFinalNewline: false });
  const owned = async () => (await ns.exec(`iptables-${backend}-save`, ["-t", "filter"])).split("\n").filter((l) => l.includes("cali")).length;

  beforeEach(async () => {
    ns = await createNetns(`cli-${backend}`);
  });
  afterEach(async () => {
    await ns?.destroy();
  });

  it("dry-run, apply, re-apply, diff --live", async () => {
    const dry = await cli("apply", "-f", V1, "--node", "node-1", "--backend", backend, "--dry-run");
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(/^# ipset restore \(before iptables\)\ncreate cali40s:\S+ hash:net family inet maxelem 1048576\n/);
    expect(dry.stdout).toContain(`# iptables-restore --noflush (${backend})\n*filter\n`);
    expect(await owned()).toBe(0);

    const first = await cli("apply", "-f", V1, "--node", "node-1", "--backend", backend);
    expect(first.stderr).toBe("");
    expect(first.stdout).toMatch(new RegExp(`^applied 2 ipset and \\d+ iptables lines on ${backend} in 1 attempt\\(s\\) \\([\\d.]+ ms\\)\\n$`));
    expect(await owned()).toBeGreaterThan(20);

    const second = await cli("apply", "-f", V1, "--node", "node-1", "--backend", backend);
    expect(second.stdout).toMatch(new RegExp(`^already in sync on ${backend} \\([\\d.]+ ms\\)\\n$`));
    const live = await cli("diff", "--node", "node-1", "-f", V1, "--live", "--backend", backend);
    expect([live.exitCode, live.stdout]).toEqual([0, "# no changes\n"]);
  });

  it("a line the kernel refuses ends with exit 3, the tool's error and the failing line", async () => {
    // Another program left a set with an owned name but the wrong family: the swap is refused.
    const set = /create (cali40s:\S+)/.exec((await cli("apply", "-f", V1, "--node", "node-1", "--backend", backend, "--dry-run")).stdout)?.[1] ?? "";
    await ns.exec("ipset", ["create", set, "hash:net", "family", "inet6"]);
    const r = await cli("apply", "-f", V1, "--node", "node-1", "--backend", backend, "--retries", "1");
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe("");
    // ipset restore is not atomic: the first attempt left its temp set cali4t0 behind, so the
    // retry, planned from a fresh read, used cali4t1 (the next successful apply destroys both).
    expect(r.stderr).toBe(
      `policy-compile: ipset restore failed (ipsets-before, exit 1) after 2 attempt(s):\n` +
        `ipset v7.17: Error in line 3: The sets cannot be swapped: their type does not match\n` +
        `failing line 3: swap ${set} cali4t1\n`,
    );
    expect(await owned()).toBe(0);
  });
});
