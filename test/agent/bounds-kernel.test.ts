/**
 * The reported case with the real agent process on a real kernel: a 2.3 MB one-line file of 750
 * invalid policies (3,000 errors) in the watched directory next to a good policy once kept the
 * agent busy for 100 s at 3 GB, wrote a 470 MB log line, and stopped it converging. Now the good
 * policy is in the kernel within seconds, the log stays small and so does the process, on each
 * dataplane (iptables-legacy, iptables-nft, native nftables).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceSkip, createNetns, kernelProblems, type Netns } from "../dataplane/kernel/netns.js";
import { hugeBadList } from "../hostile/texts.js";
import { startAgentProcess, statusFileUntil, type AgentProcess } from "./agent-process.js";
import { AGENT_DATAPLANES, dataplaneArgs, filterText, nftProblems } from "./dataplanes.js";

const problems = [...(await kernelProblems()), ...(await nftProblems())];
if (problems.length) announceSkip("agent bounds", problems);

const GOOD = `apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {nodeName: node-1}
status: {podIP: 10.65.1.10}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-80, namespace: default}
spec:
  selector: app == 'web'
  ingress:
    - {action: Allow, protocol: TCP, destination: {ports: [80]}}
`;

describe.skipIf(problems.length > 0).each(AGENT_DATAPLANES)("agent process: a huge broken file beside a good policy (%s)", (dataplane) => {
  let ns: Netns;
  let dir: string;
  let agent: AgentProcess | null = null;

  beforeAll(async () => {
    ns = await createNetns(`bounds-${dataplane}`);
    dir = await mkdtemp(join(tmpdir(), "pc-agent-bounds-"));
    await ns.exec("mkdir", ["-p", join(dir, "pol")]);
    await writeFile(join(dir, "pol", "bad.json"), hugeBadList(750));
    await writeFile(join(dir, "pol", "good.yaml"), GOOD);
  }, 30_000);

  afterAll(async () => {
    agent?.signal("SIGKILL");
    await agent?.exited;
    await ns?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("applies the good policy, logs 20 of the bad file's diagnostics in a small line, and stays small", async () => {
    const started = Date.now();
    agent = startAgentProcess(ns.name, ["--node", "node-1", "--watch", join(dir, "pol"),  ...dataplaneArgs(dataplane), "--status-file", join(dir, "status.json")]);
    await agent.until((e) => e.event === "converge", 0, 30_000);
    const convergedMs = Date.now() - started;
    expect(convergedMs).toBeLessThan(20_000);
    // The good policy is in the kernel.
    const rules = await filterText((f, a) => ns.exec(f, a), dataplane);
    expect(rules).toMatch(dataplane === "nftables" ? /^\tchain filter-cali-pi-.*allow-80 \{$/m : /^:cali-pi-.*allow-80/m);
    // The bad file: one diagnostics line, 20 diagnostics and a count of the rest.
    const diagnostics = agent.logs.filter((e) => e.event === "diagnostics");
    expect(diagnostics).toHaveLength(1);
    const bad = join(dir, "pol", "bad.json");
    expect(diagnostics[0]).toMatchObject({ rejected: [bad], count: 21 });
    const line = JSON.stringify(diagnostics[0]);
    expect(line.length).toBeLessThan(50_000);
    expect(String(diagnostics[0]?.text)).toContain(`notice PC9001: 2980 more diagnostics of ${bad} not shown`);
    // The status file: synced, and the process's memory bounded.
    const status = await statusFileUntil<{ synced: boolean; memory: { rssMb: number }; inputs: { rejected: Record<string, string> } }>(join(dir, "status.json"), (s) => s.synced);
    expect(status.synced).toBe(true);
    expect(status.inputs.rejected[bad]?.length).toBeLessThan(400);
    expect(status.memory.rssMb).toBeLessThan(500);
    console.log(`[agent bounds, ${dataplane}] converged in ${convergedMs} ms; diagnostics line ${line.length} bytes; rss ${status.memory.rssMb} MB`);
  }, 60_000);
});
