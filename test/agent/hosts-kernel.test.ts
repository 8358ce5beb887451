/**
 * The agent with host endpoints on a real kernel, both backends: watching a directory, it
 * programs the host endpoint chains and the mangle and raw tables at start-up; a preDNAT policy
 * added later appears in mangle alone (its chain is not in filter), an untracked one in raw; a
 * host endpoint removed takes its chains with it, and the last one the mangle/raw chains and
 * hooks. Each step is checked against the kernel (iptables-save per table) and against a fresh
 * compile of the directory (the engine keeps these tables incrementally).
 */
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { announceSkip, createNetns, kernelProblems, type Netns } from "../dataplane/kernel/netns.js";
import { startAgentProcess, type AgentProcess } from "./agent-process.js";

const problems = await kernelProblems();
if (problems.length) announceSkip("agent host endpoints", problems);

const hep = (name: string, iface: string) => `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: ${name}, labels: {role: edge}}
spec: {node: node-1, interfaceName: ${iface}, expectedIPs: [10.99.0.1]}
`;
const ALLOW = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: allow-8081}
spec:
  selector: role == 'edge'
  applyOnForward: true
  ingress: [{action: Allow, protocol: TCP, destination: {ports: [8081]}}]
`;
const PREDNAT = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-30080}
spec:
  selector: role == 'edge'
  preDNAT: true
  applyOnForward: true
  ingress: [{action: Deny, protocol: TCP, destination: {ports: [30080]}}]
`;
const UNTRACKED = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: untracked-9000}
spec:
  selector: role == 'edge'
  doNotTrack: true
  applyOnForward: true
  ingress: [{action: Allow, protocol: TCP, destination: {ports: [9000]}}]
`;

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("agent with host endpoints (%s)", (backend) => {
  let ns: Netns;
  let dir: string;
  let agent: AgentProcess | null = null;
  const save = async (table: string) => ns.exec(`iptables-${backend}-save`, ["-t", table]);
  const chains = (text: string) => text.split("\n").filter((l) => l.startsWith(":cali-")).map((l) => l.slice(1).split(" ")[0] as string).sort();

  beforeEach(async () => {
    ns = await createNetns(`agenth-${backend}`);
    dir = await mkdtemp(join(tmpdir(), "pc-agenth-"));
  });
  afterEach(async () => {
    agent?.signal("SIGTERM");
    await agent?.exited;
    agent = null;
    await ns?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("follows host endpoint and preDNAT/untracked policy changes into filter, mangle and raw", async () => {
    await writeFile(join(dir, "hep-eth0.yaml"), hep("eth0-hep", "eth0"));
    await writeFile(join(dir, "allow.yaml"), ALLOW);
    agent = startAgentProcess(ns.name, ["--node", "node-1", "--watch", dir, "--backend", backend, "--batch-ms", "20"]);
    await agent.until((e) => e.event === "converge");
    const filter = await save("filter");
    expect(chains(filter)).toEqual(expect.arrayContaining(["cali-fh-eth0", "cali-th-eth0", "cali-fhfw-eth0", "cali-thfw-eth0", "cali-failsafe-in", "cali-pi-gnp/allow-8081"]));
    expect(filter).toMatch(/^-A cali-from-host-endpoint -i eth0 .*-g cali-fh-eth0$/m);
    expect(chains(await save("mangle"))).toEqual(expect.arrayContaining(["cali-PREROUTING", "cali-POSTROUTING", "cali-th-eth0"]));
    expect(chains(await save("raw"))).toEqual([]);

    let from = agent.logs.length;
    await writeFile(join(dir, "prednat.yaml"), PREDNAT);
    await agent.until((e) => e.event === "apply" && (e as { changed?: boolean }).changed === true, from);
    expect(chains(await save("mangle"))).toEqual(expect.arrayContaining(["cali-fh-eth0", "cali-pi-gnp/deny-30080", "cali-failsafe-in"]));
    expect(chains(await save("filter"))).not.toContain("cali-pi-gnp/deny-30080");

    from = agent.logs.length;
    await writeFile(join(dir, "untracked.yaml"), UNTRACKED);
    await agent.until((e) => e.event === "apply" && (e as { changed?: boolean }).changed === true, from);
    const raw = await save("raw");
    expect(chains(raw)).toEqual(expect.arrayContaining(["cali-PREROUTING", "cali-OUTPUT", "cali-fh-eth0", "cali-pi-gnp/untracked-9000"]));
    expect(raw).toMatch(/^-A cali-fh-eth0 .* -j (NOTRACK|CT --notrack)$/m);

    // A second host endpoint, then both gone: their chains go, and so do mangle and raw.
    from = agent.logs.length;
    await writeFile(join(dir, "hep-eth1.yaml"), hep("eth1-hep", "eth1"));
    await agent.until((e) => e.event === "apply" && (e as { changed?: boolean }).changed === true, from);
    expect(chains(await save("filter"))).toEqual(expect.arrayContaining(["cali-fh-eth1", "cali-th-eth1"]));
    from = agent.logs.length;
    await unlink(join(dir, "hep-eth0.yaml"));
    await unlink(join(dir, "hep-eth1.yaml"));
    await agent.until((e) => e.event === "apply" && (e as { changed?: boolean }).changed === true, from);
    const after = await save("filter");
    expect(chains(after).filter((c) => /^cali-(fh|th|fhfw|thfw)-|^cali-failsafe|^cali-pi-/.test(c))).toEqual([]);
    expect(chains(await save("mangle"))).toEqual([]);
    expect(chains(await save("raw"))).toEqual([]);
    expect(await save("mangle")).not.toMatch(/cali:/);
  });
});
