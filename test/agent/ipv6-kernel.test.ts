/**
 * The agent with IPv6 in play, on a real kernel, both backends: in a fresh namespace, watching a
 * directory of dual-stack pods and a policy, it programs iptables and ip6tables with their cali40
 * and cali60 sets; moving a pod's IPv6 address is applied as an IPv6 ipset change alone; an
 * IPv4-only input never touches ip6tables.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { announceSkip, createNetns, kernelProblems, type Netns } from "../dataplane/kernel/netns.js";
import { startAgentProcess, type AgentProcess } from "./agent-process.js";

const problems = await kernelProblems();
if (problems.length) announceSkip("agent IPv6", problems);

type Step = { readonly ipv6?: { readonly changed: boolean; readonly lines: { ipset: number; iptables: number } }; readonly lines?: { ipset: number; iptables: number } };

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("agent with IPv6 (%s)", (backend) => {
  let ns: Netns;
  let dir: string;
  let agent: AgentProcess | null = null;
  const save6 = async () => ns.exec(`ip6tables-${backend}-save`, ["-t", "filter"]);

  beforeEach(async () => {
    ns = await createNetns(`agent6-${backend}`);
    dir = await mkdtemp(join(tmpdir(), "pc-agent6-"));
  });
  afterEach(async () => {
    agent?.signal("SIGTERM");
    await agent?.exited;
    agent = null;
    await ns?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("programs both families and follows an IPv6-only change", async () => {
    await cp("golden/dual-stack-k8s/input", dir, { recursive: true });
    agent = startAgentProcess(ns.name, ["--node", "node-1", "--watch", dir, "--backend", backend]);
    const converge = (await agent.until((e) => e.event === "converge")) as unknown as Step;
    expect(converge.ipv6?.changed).toBe(true);
    expect((await save6()).split("\n").filter((l) => l.startsWith("-A cali-wl-to-host")).length).toBe(8);
    expect(await ns.exec("ipset", ["list", "-n"])).toMatch(/^cali60s:/m);

    const from = agent.logs.length;
    const file = join(dir, "cluster.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("fd00:10::1:14", "fd00:10::1:15"));
    const step = (await agent.until((e) => e.event === "apply" && (e as unknown as Step).ipv6 !== undefined, from)) as unknown as Step;
    expect(step.lines).toEqual({ ipset: 0, iptables: 0 });
    expect(step.ipv6?.lines).toEqual({ ipset: 2, iptables: 0 });
    expect(await ns.exec("ipset", ["save"])).toMatch(/^add cali60s:\S+ fd00:10::1:15$/m);
  });

  it("leaves ip6tables alone while the input is IPv4 only", async () => {
    await cp("golden/k8s-web-from-client1/input", dir, { recursive: true });
    agent = startAgentProcess(ns.name, ["--node", "node-2", "--watch", dir, "--backend", backend]);
    const converge = (await agent.until((e) => e.event === "converge")) as unknown as Step;
    expect(converge.ipv6).toBeUndefined();
    expect(await save6()).not.toContain("cali");
  });
});
