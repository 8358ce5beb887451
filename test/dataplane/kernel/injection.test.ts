/**
 * The attack against a real kernel, on both iptables backends: a WorkloadEndpoint whose
 * interfaceName carries a newline and two more iptables-restore commands (`-F INPUT`, an ACCEPT
 * for a foreign network), and one whose interfaceName is the wildcard `cali+`. The real CLI's
 * `apply`, run in a fresh namespace that holds a foreign rule, must exit 1 with a located
 * diagnostic and leave the namespace's iptables and ipsets byte-identical: the foreign rule still
 * there, nothing added. The agent, watching a directory with both files and a safe one, rejects
 * the two with the same diagnostics and programs the safe endpoint. A safe endpoint applies
 * through the CLI too (the control case).
 */
import { execa } from "execa";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAgentProcess } from "../../agent/agent-process.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
if (problems.length) announceSkip("dataplane injection", problems);

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const endpoint = (interfaceName: string) => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: pod1, namespace: default}
spec:
  node: node-1
  pod: pod1
  endpoint: eth0
  interfaceName: ${JSON.stringify(interfaceName)}
  ipNetworks: ["10.65.0.10/32"]
  profiles: ["kns.default"]
`;

const dir = mkdtempSync(join(tmpdir(), "pc-injection-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ATTACK = file("attack.yaml", endpoint("cali9\n-F INPUT\n-I INPUT 1 -s 198.51.100.0/24 -j ACCEPT\n#"));
const WILDCARD = file("wildcard.yaml", endpoint("cali+"));
const SAFE = file("safe.yaml", endpoint("cali9"));

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("apply refuses injected kernel tokens (%s)", (backend) => {
  let ns: Netns;
  const cli = (...args: string[]) =>
    execa("ip", ["netns", "exec", ns.name, process.execPath, "--import", "tsx", "src/cli/bin.ts", ...args], { cwd: ROOT, reject: false, stripFinalNewline: false });
  /** Everything iptables and ipset hold in the namespace (without iptables-save's dated header lines). */
  const snapshot = async () => ({
    iptables: (await ns.exec(`iptables-${backend}-save`, []))
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n"),
    ipsets: await ns.exec("ipset", ["save"]),
  });

  beforeEach(async () => {
    ns = await createNetns(`inject-${backend}`);
    await ns.exec(`iptables-${backend}`, ["-A", "INPUT", "-s", "192.0.2.1", "-j", "DROP"]);
  });
  afterEach(async () => {
    await ns?.destroy();
  });

  it.each([
    ["the newline attack", ATTACK, 8, 18, "PC3043"],
    ["the cali+ wildcard", WILDCARD, 8, 18, "PC3043"],
  ])("%s: exit 1, a located diagnostic, the kernel untouched", async (_name, path, line, column, code) => {
    const before = await snapshot();
    expect(before.iptables).toContain("-A INPUT -s 192.0.2.1/32 -j DROP\n");

    const r = await cli("apply", "-f", path, "--node", "node-1", "--backend", backend);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${path}:${line}:${column}: error ${code}: interfaceName `);
    expect(r.stderr).not.toContain("internal error");

    expect(await snapshot()).toEqual(before);
  });

  it("the agent rejects the attack file with the located diagnostic and applies the rest", async () => {
    const watched = mkdtempSync(join(tmpdir(), "pc-injection-agent-"));
    writeFileSync(join(watched, "attack.yaml"), endpoint("cali9\n-F INPUT\n-I INPUT 1 -s 198.51.100.0/24 -j ACCEPT\n#"));
    writeFileSync(join(watched, "wildcard.yaml"), endpoint("cali+").replace("pod1", "pod2"));
    writeFileSync(join(watched, "safe.yaml"), endpoint("cali7").replace("pod1", "pod3"));
    const agent = startAgentProcess(ns.name, ["--node", "node-1", "--watch", watched, "--backend", backend]);
    try {
      const reported = await agent.until((e) => e.event === "diagnostics");
      expect(reported.rejected).toEqual([join(watched, "attack.yaml"), join(watched, "wildcard.yaml")]);
      expect(reported.text).toContain(`${join(watched, "attack.yaml")}:8:18: error PC3043: interfaceName `);
      expect(reported.text).toContain(`${join(watched, "wildcard.yaml")}:8:18: error PC3043: interfaceName "cali+"`);
      await agent.until((e) => e.event === "converge");
      const now = await snapshot();
      expect(now.iptables).toContain("-A INPUT -s 192.0.2.1/32 -j DROP\n");
      expect(now.iptables).toContain(":cali-tw-cali7 - [0:0]");
      expect(now.iptables).not.toMatch(/198\.51\.100\.0|cali-tw-cali9|cali\+ -j cali-tw|-F INPUT/);
    } finally {
      agent.signal("SIGTERM");
      await agent.exited;
    }
  });

  it("the safe endpoint applies beside the foreign rule (so the refusals are not a broken setup)", async () => {
    const r = await cli("apply", "-f", SAFE, "--node", "node-1", "--backend", backend);
    expect(r.exitCode).toBe(0);
    // Only the warning that profile kns.default is not defined (the file lists it).
    expect(r.stderr).not.toMatch(/ error PC/);
    expect(r.stdout).toMatch(/^applied /);
    const after = await snapshot();
    expect(after.iptables).toContain("-A INPUT -s 192.0.2.1/32 -j DROP\n");
    expect(after.iptables).toContain(":cali-tw-cali9 - [0:0]");
  });
});
