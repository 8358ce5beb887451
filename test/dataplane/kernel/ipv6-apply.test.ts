/**
 * Both families on a real kernel: `policy-compile apply` under `ip netns exec` programs
 * iptables and ip6tables (with the cali40 and cali60 sets), a second apply and `diff --live` find
 * nothing to do in either, a foreign ip6tables rule survives, and an IPv6-only change (a pod's
 * IPv6 address moves) costs ipset lines in the IPv6 family and nothing in iptables. When the
 * input loses IPv6, apply (and diff --live) remove our IPv6 state and leave foreign state; an
 * IPv4-only apply on a kernel without IPv6 state of ours never runs ip6tables-save.
 */
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dataplane } from "../../../src/dataplane/dataplane.js";
import { transactionSize } from "../../../src/diff/transaction.js";
import { loadSources } from "../../../src/model/index.js";
import { compile } from "../../../src/render/index.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
if (problems.length) announceSkip("dataplane IPv6 apply", problems);

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const INPUT = "golden/dual-stack-k8s/input";

function modelWith(replace: (text: string) => string) {
  const files = ["cluster.yaml", "policy.yaml"].map((f) => ({ file: f, text: replace(readFileSync(`${ROOT}${INPUT}/${f}`, "utf8")) }));
  return loadSources(files).model;
}

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("IPv6 apply in a network namespace (%s)", (backend) => {
  let ns: Netns;
  const cli = (...args: string[]) =>
    execa("ip", ["netns", "exec", ns.name, process.execPath, "--import", "tsx", "src/cli/bin.ts", ...args], { cwd: ROOT, reject: false, stripFinalNewline: false });
  const owned6 = async () => (await ns.exec(`ip6tables-${backend}-save`, ["-t", "filter"])).split("\n").filter((l) => l.includes("cali")).length;

  beforeEach(async () => {
    ns = await createNetns(`v6-${backend}`);
  });
  afterEach(async () => {
    await ns?.destroy();
  });

  it("apply programs both families, re-apply and diff --live find nothing, a foreign rule stays", async () => {
    await ns.exec(`ip6tables-${backend}`, ["-A", "FORWARD", "-s", "2001:db8:ffff::1", "-j", "DROP"]);
    const first = await cli("apply", "-f", INPUT, "--node", "node-1", "--backend", backend);
    expect(first.stderr).toBe("");
    expect(first.stdout).toMatch(new RegExp(`^applied 5 ipset and \\d+ iptables lines on ${backend} in 1 attempt\\(s\\) \\([\\d.]+ ms\\)\\nIPv6: applied 4 ipset and \\d+ iptables lines on ${backend} in 1 attempt\\(s\\) \\([\\d.]+ ms\\)\\n$`));
    expect(await owned6()).toBeGreaterThan(40);
    const sets = await ns.exec("ipset", ["save"]);
    expect(sets).toMatch(/^create cali60s:\S+ hash:net family inet6 /m);
    expect(sets).toMatch(/^add cali60n:\S+ fd00:10::a,tcp:8080$/m);
    expect(sets).toMatch(/^add cali60s:\S+ fd00:10::1:14$/m); // ipset save drops /128; the diff canonicalises it

    const second = await cli("apply", "-f", INPUT, "--node", "node-1", "--backend", backend);
    expect(second.stdout).toMatch(new RegExp(`^already in sync on ${backend} \\([\\d.]+ ms\\)\\nIPv6: already in sync on ${backend} \\([\\d.]+ ms\\)\\n$`));
    const live = await cli("diff", "--node", "node-1", "-f", INPUT, "--live", "--backend", backend);
    expect([live.exitCode, live.stdout]).toEqual([0, "# IPv4\n# no changes\n# IPv6\n# no changes\n"]);
    expect(await ns.exec(`ip6tables-${backend}-save`, ["-t", "filter"])).toMatch(/^-A FORWARD -s 2001:db8:ffff::1\/128 -j DROP$/m);
  });

  it("an IPv6-only change is a minimal IPv6 transaction and no IPv4 one", async () => {
    const dp4 = new Dataplane({ backend, runner: ns.runner });
    const dp6 = new Dataplane({ backend, runner: ns.runner, ipVersion: 6 });
    const before = modelWith((t) => t);
    await dp4.apply(compile(before, { node: "node-1" }));
    await dp6.apply(compile(before, { node: "node-1", ipVersion: 6 }));
    const after = modelWith((t) => t.replace("fd00:10::1:14", "fd00:10::1:15"));
    expect(transactionSize(await dp4.plan(compile(after, { node: "node-1" })))).toEqual({ ipset: 0, iptables: 0 });
    const r = await dp6.apply(compile(after, { node: "node-1", ipVersion: 6 }));
    expect(r.lines).toEqual({ ipset: 2, iptables: 0 });
    expect(await ns.exec("ipset", ["list", r.transactions[0]?.ipsetsBefore[0]?.split(" ")[1] ?? ""])).toMatch(/^fd00:10::1:15$/m);
  });

  it("an input without IPv6 removes our IPv6 state (chains, hooks, cali6 sets in every table), never a foreign rule or set", async () => {
    await ns.exec(`ip6tables-${backend}`, ["-A", "INPUT", "-s", "2001:db8:ffff::1", "-j", "DROP"]);
    await ns.exec("ipset", ["create", "foreign6", "hash:net", "family", "inet6"]);
    expect((await cli("apply", "-f", INPUT, "--node", "node-1", "--backend", backend)).stdout).toMatch(/\nIPv6: applied /);
    expect(await owned6()).toBeGreaterThan(40);

    const V4_ONLY = "golden/k8s-web-from-client1/input";
    const dry = await cli("apply", "-f", V4_ONLY, "--node", "node-1", "--backend", backend, "--dry-run");
    expect(dry.stdout).toMatch(/^# IPv4\n[\s\S]*\n# IPv6\n[\s\S]*^-D INPUT -m comment --comment "cali:\S+" -j cali-INPUT$[\s\S]*^--delete-chain cali-INPUT$/m);
    const live = await cli("diff", "--node", "node-1", "-f", V4_ONLY, "--live", "--backend", backend);
    expect(live.stdout).toContain("# IPv6\n");
    expect(live.stdout).toMatch(/^destroy cali60s:\S+$/m);

    // Two ipset lines: the two cali60 sets destroyed.
    const r = await cli("apply", "-f", V4_ONLY, "--node", "node-1", "--backend", backend);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(new RegExp(`^applied \\d+ ipset and \\d+ iptables lines on ${backend} in 1 attempt\\(s\\) \\([\\d.]+ ms\\)\\nIPv6: applied 2 ipset and \\d+ iptables lines on ${backend} in 1 attempt\\(s\\) \\([\\d.]+ ms\\)\\n$`));
    for (const table of ["filter", "raw", "mangle"]) {
      const saved = await ns.exec(`ip6tables-${backend}-save`, ["-t", table]);
      expect(saved.split("\n").filter((l) => /cali/.test(l)), table).toEqual([]);
    }
    expect(await ns.exec(`ip6tables-${backend}-save`, ["-t", "filter"])).toMatch(/^-A INPUT -s 2001:db8:ffff::1\/128 -j DROP$/m);
    const sets = await ns.exec("ipset", ["list", "-n"]);
    expect(sets.split("\n").filter((n) => n.startsWith("cali60"))).toEqual([]);
    expect(sets).toMatch(/^foreign6$/m);
    expect(sets).toMatch(/^cali40s:\S+$/m); // the IPv4 state's sets stay
    // The IPv4 state is untouched by the clean-up; nothing of ours is left in IPv6 to look at.
    const again = await cli("apply", "-f", V4_ONLY, "--node", "node-1", "--backend", backend);
    expect(again.stdout).toMatch(new RegExp(`^already in sync on ${backend} \\([\\d.]+ ms\\)\\n$`));
    const live2 = await cli("diff", "--node", "node-1", "-f", V4_ONLY, "--live", "--backend", backend);
    expect([live2.exitCode, live2.stdout]).toEqual([0, "# no changes\n"]);
  });

  it("holdsOwned: an IPv4-only kernel is told apart without ip6tables-save on legacy (two cheap calls)", async () => {
    const calls: string[] = [];
    const runner: typeof ns.runner = (file, args, input) => {
      calls.push([file, ...args].join(" "));
      return ns.runner(file, args, input);
    };
    const dp6 = new Dataplane({ backend, runner, ipVersion: 6 });
    await new Dataplane({ backend, runner: ns.runner }).apply(compile(modelWith((t) => t), { node: "node-1" }));
    expect(await dp6.holdsOwned()).toBe(false);
    if (backend === "legacy" && calls.some((c) => c.startsWith("cat ")) && !calls.some((c) => c.includes("save"))) {
      expect(calls).toEqual(["ipset list -n", "cat /proc/net/ip6_tables_names"]);
    } else {
      // nft (or a legacy kernel whose namespace already has ip6 tables): one iptables-save of every table.
      expect(calls[calls.length - 1]).toBe(`ip6tables-${backend}-save`);
    }
    await dp6.apply(compile(modelWith((t) => t), { node: "node-1", ipVersion: 6 }));
    calls.length = 0;
    expect(await dp6.holdsOwned()).toBe(true);
    // The cali60 sets answer; the second call ran beside the first.
    expect(calls).toEqual(["ipset list -n", backend === "legacy" ? "cat /proc/net/ip6_tables_names" : `ip6tables-${backend}-save`]);
  });
});
