/**
 * The agent on real kernels, both backends: it runs in node-1's namespace (the routed topology of
 * test/kernel/harness), with pods and a default deny from watched files and an allow from a real
 * etcd (also inside node-1's namespace, driven with etcdctl), and real TCP decides.
 *
 * One scenario per backend, in order: policy from etcd flips traffic; a relabel through a file
 * flips it; a FIFO in the watched directory blocks nothing and is reported as rejected; kill -9 and restart mid-stream loses neither an established connection nor a new
 * one, and keeps counters; hand damage is repaired by the resync and foreign rules stay; etcd
 * stopped and restarted with no change changes nothing; a compaction past the watch revision
 * (a deletion made while the agent was away) is caught by the re-list. The restarted agent and
 * the scenarios after it run with --pipeline (overlapped planning and apply).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../kernel/harness/suite.js";
import { detectKernelSupport } from "../kernel/harness/preflight.js";
import { inNetns } from "../kernel/harness/exec.js";
import { buildTopology, calicoInterfaceName, type Topology } from "../kernel/harness/topology.js";
import { etcdProblems, freePort, startEtcd, type EtcdServer } from "./etcd-server.js";
import { startAgentProcess, type AgentProcess } from "./agent-process.js";
import { untilFlipped } from "./flips.js";
import type { LogEntry } from "../../src/agent/log.js";
import { isCI } from "../ci.js";

const support = await detectKernelSupport();
const etcdMissing = await etcdProblems();
if (etcdMissing.length && isCI) throw new Error(`agent kernel tests cannot run: ${etcdMissing.join("; ")}`);
const problems = [...support.problems, ...etcdMissing];

const POD = (name: string, node: string, ip: string, app: string) => ({ namespace: "default", name, node, ip, interfaceName: calicoInterfaceName("default", name), app });
const PODS = [POD("web", "node-1", "10.65.1.10", "web"), POD("client", "node-2", "10.65.2.10", "client"), POD("other", "node-2", "10.65.2.11", "other")];
const ECHO_PORT = 8080;
/** How long a policy or label change may take to flip real traffic (see `flips`). */
const FLIP_BUDGET_MS = 3000;

function podsYaml(apps: Record<string, string>): string {
  const docs = ["apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n"];
  for (const p of PODS) {
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: ${p.name}, namespace: default, labels: {app: ${apps[p.name] ?? p.app}}}\nspec: {nodeName: ${p.node}}\nstatus: {podIP: ${p.ip}}\n`);
  }
  return docs.join("---\n");
}
const DENY = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-web, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n";
const ALLOW_KEY = "/calico/resources/v3/projectcalico.org/networkpolicies/default/allow-80";
const ALLOW = JSON.stringify({
  apiVersion: "projectcalico.org/v3",
  kind: "NetworkPolicy",
  metadata: { name: "allow-80", namespace: "default" },
  spec: { selector: "app == 'web'", ingress: [{ action: "Allow", protocol: "TCP", source: { selector: "app == 'client'" }, destination: { ports: [80, ECHO_PORT] } }] },
});

describeKernel("agent", { ...support, problems }, (backend) => {
  let topo: Topology;
  let etcd: EtcdServer;
  let dir: string;
  let agent: AgentProcess | null = null;
  const helpers: ChildProcess[] = [];
  const web = PODS[0]!;

  const agentArgs = () => ["--node", "node-1", "--watch", join(dir, "pol"), "--etcd", etcd.url, "--backend", backend.name, "--resync-seconds", "2", "--status-file", join(dir, "status.json")];
  const n1 = () => topo.node("node-1").netns;
  const probe = async (from: string, port = 80, timeoutMs = 500): Promise<boolean> => {
    const r = await topo.pod(`default/${from}`).agent.probe({ proto: "tcp", host: web.ip, port, srcPort: topo.nextSourcePort(), timeoutMs });
    return r.ok && r.reply === "default/web";
  };
  /**
   * Polls until `from` → web:80 is `want`; returns how long it took, or fails with the agent's
   * log once `ms` has passed. The poll's limit and the latency the test asserts are the same
   * number (it was a 5 s poll under a 3 s assertion, so a 3-5 s flip failed without the log):
   * a change reaches the kernel within 3 s (docs/agent.md measures event-to-kernel p99 at
   * 1.1-2.0 s on a loaded two-core node), plus one probe (300 ms) of polling granularity inside
   * the same budget.
   */
  const flips = (from: string, want: boolean, ms = FLIP_BUDGET_MS): Promise<number> => untilFlipped(() => probe(from, 80, 300), `${from} -> web:80`, want, ms, agent);
  const startAgent = async (extra: readonly string[] = []) => {
    const a = startAgentProcess(n1(), [...agentArgs(), ...extra]);
    agent = a;
    await a.until((e) => e.event === "converge");
    return a;
  };
  const save = async () => (await inNetns(n1(), [backend.save, "-c", "-t", "filter"])).stdout;

  beforeAll(async () => {
    topo = await buildTopology({ tag: `ag-${backend.name}`, nodes: ["node-1", "node-2"], pods: PODS, ports: [80] });
    dir = await mkdtemp(join(tmpdir(), "pc-agent-"));
    await inNetns(n1(), ["mkdir", "-p", join(dir, "pol")]);
    await writeFile(join(dir, "pol", "pods.yaml"), podsYaml({}));
    await writeFile(join(dir, "pol", "deny.yaml"), DENY);
    etcd = await startEtcd(n1());
    // An echo server for the long-lived connection (the pod agents close after one answer).
    const echo = spawn("ip", ["netns", "exec", topo.pod("default/web").netns, process.execPath, "-e", `require("net").createServer((s)=>s.pipe(s)).listen(${ECHO_PORT})`], { stdio: "ignore" });
    helpers.push(echo);
  }, 60_000);

  afterAll(async () => {
    agent?.signal("SIGKILL");
    for (const h of helpers) h.kill("SIGKILL");
    await etcd?.destroy();
    await topo?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("converges from files and etcd; a policy put with etcdctl and a relabel in a file flip real TCP", async () => {
    await startAgent();
    expect(await probe("client")).toBe(false);
    await etcd.ctl(["put", ALLOW_KEY, ALLOW]);
    const opened = await flips("client", true);
    expect(await probe("other")).toBe(false);
    await writeFile(join(dir, "pol", "pods.yaml"), podsYaml({ other: "client" }));
    const relabelled = await flips("other", true);
    console.log(`[${backend.name}] etcd put -> client connected in ${opened} ms; file relabel -> other connected in ${relabelled} ms`);
    expect(opened).toBeLessThanOrEqual(FLIP_BUDGET_MS);
    expect(relabelled).toBeLessThanOrEqual(FLIP_BUDGET_MS);
    const status = JSON.parse(await readFile(join(dir, "status.json"), "utf8")) as { synced: boolean; kernelViewKnown: boolean; counters: { applies: number } };
    expect(status).toMatchObject({ synced: true, kernelViewKnown: true });
    expect(status.counters.applies).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it("a FIFO dropped into the watched directory is refused without blocking: the agent keeps applying the other files and shows it as rejected", async () => {
    const fifo = join(dir, "pol", "stuck.yaml");
    const from = agent!.logs.length;
    await execa("mkfifo", [fifo]);
    try {
      const refused = await agent!.until((e) => e.event === "source-problem" && e.file === fifo, from, 5000);
      expect(refused).toMatchObject({ level: "warn", code: "PC1010", keptLastGood: false });
      await writeFile(join(dir, "pol", "pods.yaml"), podsYaml({}));
      await flips("other", false);
      await writeFile(join(dir, "pol", "pods.yaml"), podsYaml({ other: "client" }));
      await flips("other", true);
      const status = JSON.parse(await readFile(join(dir, "status.json"), "utf8")) as { inputs: { rejected: Record<string, string> } };
      expect(status.inputs.rejected).toEqual({ [fifo]: `${fifo}: error PC1010: a FIFO (named pipe), not a regular file: not read (only regular files are inputs)` });
    } finally {
      await rm(fifo, { force: true });
    }
    // Gone: no longer rejected (the status file is rewritten when the source says so).
    for (let i = 0; i < 50; i++) {
      const status = JSON.parse(await readFile(join(dir, "status.json"), "utf8")) as { inputs: { rejected: Record<string, string> } };
      if (Object.keys(status.inputs.rejected).length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the removed FIFO is still listed as rejected after 5 s");
  }, 30_000);

  it("kill -9 and restart mid-stream: the established connection and every new one survive, counters are kept", async () => {
    // A long-lived connection client -> web:8080, one echo every 50 ms, reporting any failure.
    const script = `const s=require("net").connect(${ECHO_PORT},"${web.ip}");let sent=0,got=0,fail="";s.on("data",d=>got+=d.length);s.on("error",e=>fail=e.message);s.on("close",()=>fail=fail||"closed");const t=setInterval(()=>{if(sent-got>8)fail=fail||"stalled";s.write("x");sent++;},50);setTimeout(()=>{clearInterval(t);setTimeout(()=>{console.log(JSON.stringify({sent,got,fail}));process.exit(0)},500)},8000);`;
    const long = spawn("ip", ["netns", "exec", topo.pod("default/client").netns, process.execPath, "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    helpers.push(long);
    let out = "";
    long.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    const longDone = new Promise<void>((r) => long.on("exit", () => r()));
    await new Promise((r) => setTimeout(r, 500));
    const countersBefore = await save();
    // New connections, one every 100 ms, across the kill and the restart.
    let stop = false;
    const results: boolean[] = [];
    const prober = (async () => {
      while (!stop) {
        results.push(await probe("client", 80, 1000));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    agent?.signal("SIGKILL");
    await agent?.exited;
    await new Promise((r) => setTimeout(r, 1000));
    // The restarted agent (and every later scenario) runs with --pipeline: the overlapped path on a real kernel.
    const restarted = await startAgent(["--pipeline"]);
    const converge = restarted.logs.find((e) => e.event === "converge");
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await prober;
    await longDone;
    const stream = JSON.parse(out) as { sent: number; got: number; fail: string };
    expect(stream.fail).toBe("");
    expect(stream.got).toBe(stream.sent);
    expect(results.length).toBeGreaterThan(10);
    expect(results.filter((r) => !r)).toEqual([]);
    // The restarted agent found the kernel as desired: nothing written, counters kept.
    expect(converge).toMatchObject({ changed: false, lines: { ipset: 0, iptables: 0 } });
    const packets = (save: string) => new Map([...save.matchAll(/^\[(\d+):\d+\] -A (cali-\S+) .*?cali:([\w-]+)/gm)].map((m) => [`${m[2]} ${m[3]}`, Number(m[1])]));
    const before = packets(countersBefore);
    const after = packets(await save());
    const counted = [...before].filter(([, n]) => n > 0);
    expect(counted.length).toBeGreaterThan(0);
    for (const [rule, n] of counted) expect(after.get(rule) ?? -1).toBeGreaterThanOrEqual(n);
  }, 60_000);

  it("resync repairs a deleted rule and a flushed set, and keeps a foreign rule and set", async () => {
    const from = agent!.logs.length;
    const saved = await save();
    const policyChain = /^:(cali-pi-\S+)/m.exec(saved)?.[1];
    expect(policyChain).toBeDefined();
    const sets = (await inNetns(n1(), ["ipset", "list", "-n"])).stdout.split("\n").filter((s) => s.startsWith("cali40"));
    // All the damage in one shell command: the agent resyncs every 2 s, and damage spread over
    // several process spawns on a loaded machine could be half repaired before it is complete.
    // (No "traffic is now denied" probe here for the same reason: the next resync may already
    // have repaired it; the converge event below proves the agent found and undid the damage.)
    const ipt = backend.restore.replace("-restore", "");
    const damage = [
      `${ipt} -D ${policyChain!} 1`,
      ...sets.map((s) => `ipset flush ${s}`),
      "ipset create foreign-set hash:ip",
      `${ipt} -I FORWARD 1 -m set --match-set foreign-set src -j DROP`,
    ].join(" && ");
    await inNetns(n1(), ["sh", "-c", damage]);
    // The resync that refills the flushed sets (an earlier one may have repaired only part of it).
    const refilled = (e: LogEntry) =>
      e.event === "converge" && e.changed === true && ((e.ipsets as { membersAdded?: number } | undefined)?.membersAdded ?? 0) > 0;
    const repaired = await agent!.until(refilled, from, 10_000);
    expect(repaired).toMatchObject({ ipsets: { membersAdded: expect.any(Number) } });
    await flips("client", true, 2000);
    const now = await save();
    expect(now).toMatch(/-A FORWARD -m set --match-set foreign-set src -j DROP/);
    expect((await inNetns(n1(), ["ipset", "list", "-n"])).stdout).toMatch(/^foreign-set$/m);
    // Our hook is back on top, above the foreign rule.
    expect(now.split("\n").filter((l) => /-A FORWARD /.test(l))[0]).toMatch(/cali:/);
  }, 30_000);

  it("etcd stopped and restarted with nothing changed: the agent re-lists and writes nothing", async () => {
    const from = agent!.logs.length;
    await etcd.stop();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await probe("client")).toBe(true);
    await etcd.start();
    await agent!.until((e) => e.event === "snapshot" && String(e.source).startsWith("etcd"), from, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(agent!.logs.slice(from).filter((e) => e.event === "apply" && e.changed === true)).toEqual([]);
    expect(await probe("client")).toBe(true);
  }, 30_000);

  it("a deletion made while the agent was away and compacted past its watch revision is caught by the re-list", async () => {
    const original = etcd.clientPort;
    await etcd.stop();
    await etcd.start(await freePort());
    await etcd.ctl(["del", ALLOW_KEY]);
    await etcd.ctl(["compact", String(await etcd.revision())]);
    await etcd.stop();
    await etcd.start(original);
    await flips("client", false, 10_000);
    expect(await probe("other")).toBe(false);
    const from = agent!.logs.length;
    agent!.signal("SIGTERM");
    expect(await agent!.exited).toBe(0);
    expect(agent!.logs.slice(from).map((e) => e.event)).toEqual(["stopping", "stopped"]);
    agent = null;
  }, 40_000);
});
