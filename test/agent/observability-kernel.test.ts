/**
 * The real agent process (the CLI through tsx, in its own network namespace, on each dataplane:
 * iptables-legacy, iptables-nft, native nftables; a real etcd in the namespace) scraped over
 * HTTP: --health-port's /liveness and /readiness and --metrics-port's /metrics, fetched with curl
 * inside the namespace (the agent listens on the namespace's own 127.0.0.1).
 *
 * A failed apply is made real by putting a wrapper first on the agent's PATH: `ipset` on the
 * iptables dataplanes, `nft` on native nftables (the tool each one writes its sets with). While a
 * flag file exists it fails as the tool does when the kernel refuses (exit 1, a message on
 * stderr), and otherwise runs the real tool. Nothing is faked inside the agent.
 */
import { chmod, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernelAll } from "../kernel/harness/suite.js";
import { isCI } from "../ci.js";
import { detectKernelSupport } from "../kernel/harness/preflight.js";
import { etcdProblems, startEtcd, type EtcdServer } from "./etcd-server.js";
import { startAgentProcess, type AgentProcess } from "./agent-process.js";
import { dataplaneArgs, dataplaneOf } from "./dataplanes.js";

const support = await detectKernelSupport();
const etcdMissing = await etcdProblems();
const curlMissing = (await execa("sh", ["-c", "command -v curl"], { reject: false })).exitCode === 0 ? [] : ["curl not found on PATH (apt-get install curl)"];
if ((etcdMissing.length || curlMissing.length) && isCI) throw new Error(`observability kernel tests cannot run: ${[...etcdMissing, ...curlMissing].join("; ")}`);
const problems = [...support.problems, ...etcdMissing, ...curlMissing];

const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n";
const pod = (name: string, node: string, ip: string, app: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default, labels: {app: ${app}}}\nspec: {nodeName: ${node}}\nstatus: {podIP: ${ip}}\n`;
const ALLOW_KEY = "/calico/resources/v3/projectcalico.org/networkpolicies/default/allow-80";
const ALLOW = JSON.stringify({
  apiVersion: "projectcalico.org/v3",
  kind: "NetworkPolicy",
  metadata: { name: "allow-80", namespace: "default" },
  spec: { selector: "app == 'web'", ingress: [{ action: "Allow", protocol: "TCP", source: { selector: "app == 'client'" }, destination: { ports: [80] } }] },
});

/** One sample's value from the exposition text (exact name and label set), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describeKernelAll("agent metrics and health", { ...support, problems }, (backend) => {
  const dataplane = dataplaneOf(backend);
  const native = dataplane === "nftables";
  /** The tool whose failure the test injects, and the tool the set lines are counted for. */
  const tool = native ? "nft" : "ipset";
  const netns = `pcm-${process.pid}-${dataplane}`;
  let dir: string;
  let etcd: EtcdServer;
  let agent: AgentProcess | null = null;
  /** /readiness's kernel line after the injected failure. */
  const FAILED = native ? /^kernel +- +non-ready +last step failed: dataplane: nft -f failed \(nft, exit 1\)/m : /^kernel +- +non-ready +last step failed: dataplane: ipset \S+ failed/m;
  /** The rule lines' tool in the metrics. */
  const ruleTool = native ? "nft" : "iptables";
  const failFlag = () => join(dir, `${tool}-fails`);
  /** The names of the sets the agent owns in the kernel: ipsets, or the sets of `ip calico`. */
  const setNames = async (): Promise<string> => {
    const r = native ? await execa("ip", ["netns", "exec", netns, "nft", "list", "sets", "ip"]) : await execa("ip", ["netns", "exec", netns, "ipset", "list", "-n"]);
    return native ? [...r.stdout.matchAll(/^\s*set (\S+) \{/gm)].map((m) => m[1]).join("\n") : r.stdout;
  };

  const get = async (port: number, path: string): Promise<{ status: number; body: string }> => {
    const r = await execa("ip", ["netns", "exec", netns, "curl", "-sS", "--max-time", "5", "-w", "\n%{http_code}", `http://127.0.0.1:${port}${path}`], { reject: false });
    if (r.exitCode !== 0) throw new Error(`curl ${path}: ${r.stderr}`);
    const cut = r.stdout.lastIndexOf("\n");
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
  };
  /** Polls `path` until `pred` holds (the agent acts on its own time). */
  const eventually = async (port: number, path: string, pred: (r: { status: number; body: string }) => boolean, ms = 20_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = await get(port, path);
      if (pred(r)) return r;
      if (Date.now() > deadline) throw new Error(`${path} never matched; last answer ${r.status}:\n${r.body.slice(0, 3000)}\n${agent?.logs.map((l) => JSON.stringify(l)).join("\n").slice(-3000)}`);
      await new Promise((r2) => setTimeout(r2, 150));
    }
  };

  beforeAll(async () => {
    await execa("ip", ["netns", "add", netns]);
    await execa("ip", ["netns", "exec", netns, "ip", "link", "set", "lo", "up"]);
    dir = await mkdtemp(join(tmpdir(), "pc-obs-"));
    await execa("mkdir", ["-p", join(dir, "pol"), join(dir, "bin")]);
    const real = (await execa("sh", ["-c", `command -v ${tool}`])).stdout.trim();
    // nft fails its writes only (`nft -f`, reading its whole input first, as nft does); the reads of the table go through.
    const failing = native ? `[ "$1" = "-f" ] && [ -e '${failFlag()}' ]` : `[ -e '${failFlag()}' ]`;
    const refuse = native ? `cat >/dev/null; echo "/dev/stdin:1:1-3: Error: Could not process rule: Cannot allocate memory (injected by the test)" >&2` : `echo "ipset v7: Kernel error received: Cannot allocate memory (injected by the test)" >&2`;
    await writeFile(join(dir, "bin", tool), `#!/bin/sh\nif ${failing}; then ${refuse}; exit 1; fi\nexec '${real}' "$@"\n`);
    await chmod(join(dir, "bin", tool), 0o755);
    await writeFile(join(dir, "pol", "pods.yaml"), [ns, pod("web", "node-1", "10.65.1.10", "web"), pod("client", "node-2", "10.65.2.10", "client")].join("---\n"));
    etcd = await startEtcd(netns);
  }, 60_000);

  afterAll(async () => {
    agent?.signal("SIGKILL");
    await agent?.exited;
    await etcd?.destroy();
    await execa("ip", ["netns", "del", netns], { reject: false });
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("readiness is 503 before sync and after a failed apply, 200 after; metrics move with real events", async () => {
    // The flag exists from the start: the first converge fails, so the agent is live but never ready yet.
    await writeFile(failFlag(), "");
    agent = startAgentProcess(
      netns,
      ["--node", "node-1", "--watch", join(dir, "pol"), "--etcd", etcd.url, ...dataplaneArgs(dataplane), "--resync-seconds", "3600", "--metrics-port", "0", "--metrics-host", "127.0.0.1", "--health-port", "0", "--health-host", "127.0.0.1"],
      undefined,
      { PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}` },
    );
    const a = agent;
    const health = Number((await a.until((e) => e.event === "listening" && e.endpoint === "health")).port);
    const metrics = Number((await a.until((e) => e.event === "listening" && e.endpoint === "metrics")).port);

    // Before the first good apply: live (200), not ready (503), with Felix's kind of table.
    const live0 = await get(health, "/liveness");
    expect(live0.status).toBe(200);
    expect(live0.body).toMatch(/^loop +live +- +/m);
    await a.until((e) => e.event === "apply-failed");
    const notReady = await get(health, "/readiness");
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatch(/^COMPONENT +LIVENESS +READINESS +DETAIL$/m);
    expect(notReady.body).toMatch(FAILED);
    const m0 = (await get(metrics, "/metrics")).body;
    expect(sample(m0, 'policy_compile_agent_failures_total{stage="dataplane"}')).toBeGreaterThanOrEqual(1);
    expect(sample(m0, "policy_compile_agent_ready")).toBe(0);
    expect(sample(m0, `policy_compile_agent_datastore_state{source="etcd ${etcd.url}",state="synced"}`)).toBe(1);

    // The kernel accepts again: the converge retry (1 s backoff) succeeds and the agent is ready.
    await unlink(failFlag());
    await eventually(health, "/readiness", (r) => r.status === 200);
    const m1 = (await get(metrics, "/metrics")).body;
    expect(sample(m1, "policy_compile_agent_ready")).toBe(1);
    expect(sample(m1, 'policy_compile_agent_resyncs_total{reason="retry"}')).toBeGreaterThanOrEqual(1);
    expect(sample(m1, 'policy_compile_agent_programmed_ipsets{family="ipv4"}')).toBe(0);
    const rev1 = sample(m1, `policy_compile_agent_datastore_revision{source="etcd ${etcd.url}"}`) as number;
    expect(rev1).toBeGreaterThan(0);
    const lines1 = sample(m1, `policy_compile_agent_lines_written_total{family="ipv4",tool="${ruleTool}"}`) as number;
    const latency1 = sample(m1, "policy_compile_agent_event_to_kernel_seconds_count") ?? 0;

    // A real event from etcd: a policy that needs an ipset of the client's address.
    await etcd.ctl(["put", ALLOW_KEY, ALLOW]);
    const m2 = (
      await eventually(metrics, "/metrics", (r) => sample(r.body, 'policy_compile_agent_programmed_ipsets{family="ipv4"}') === 1)
    ).body;
    expect(sample(m2, 'policy_compile_agent_programmed_ipset_members{family="ipv4"}')).toBe(1);
    expect(sample(m2, `policy_compile_agent_datastore_revision{source="etcd ${etcd.url}"}`)).toBeGreaterThan(rev1);
    expect(sample(m2, `policy_compile_agent_lines_written_total{family="ipv4",tool="${ruleTool}"}`)).toBeGreaterThan(lines1);
    expect(sample(m2, "policy_compile_agent_event_to_kernel_seconds_count")).toBe(latency1 + 1);
    expect(sample(m2, 'policy_compile_agent_apply_duration_seconds_count{kind="update"}')).toBeGreaterThanOrEqual(1);
    expect(await setNames()).toMatch(/^cali40s[:-]/m);
    // Native nftables writes no ipset (and the iptables dataplanes no nft table); its programmed
    // gauges count the table itself (1,513 chains where the engine's iptables form has 1,531 at 100k pods).
    if (native) {
      expect((await execa("ip", ["netns", "exec", netns, "ipset", "list", "-n"])).stdout).not.toMatch(/^cali/m);
      const listed = (await execa("ip", ["netns", "exec", netns, "nft", "list", "table", "ip", "calico"])).stdout;
      expect(sample(m2, 'policy_compile_agent_programmed_chains{family="ipv4"}')).toBe(listed.match(/^\tchain /gm)?.length);
      expect(sample(m2, 'policy_compile_agent_programmed_rules{family="ipv4"}')).toBe(listed.match(/ comment "cali:/g)?.length);
    } else expect((await execa("ip", ["netns", "exec", netns, "nft", "list", "tables"])).stdout).not.toMatch(/calico/);

    // A second client in a file joins the set; an invalid file is rejected and counted.
    await writeFile(join(dir, "pol", "client2.yaml"), pod("client2", "node-3", "10.65.3.10", "client"));
    await writeFile(join(dir, "pol", "bad.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: [x]}\n");
    const m3 = (
      await eventually(metrics, "/metrics", (r) => sample(r.body, 'policy_compile_agent_programmed_ipset_members{family="ipv4"}') === 2 && sample(r.body, "policy_compile_agent_rejected_inputs") === 1)
    ).body;
    expect(sample(m3, "policy_compile_agent_input_rejections_total")).toBeGreaterThanOrEqual(1);
    expect(sample(m3, 'policy_compile_agent_transactions_total{family="ipv4"}')).toBeGreaterThanOrEqual(3);

    // A failed apply after being ready: not ready again (503), still live; ready once the retry succeeds.
    await writeFile(failFlag(), "");
    await writeFile(join(dir, "pol", "client3.yaml"), pod("client3", "node-3", "10.65.3.11", "client"));
    const failedAgain = await eventually(health, "/readiness", (r) => r.status === 503);
    expect(failedAgain.body).toMatch(FAILED);
    expect((await get(health, "/liveness")).status).toBe(200);
    await unlink(failFlag());
    await eventually(health, "/readiness", (r) => r.status === 200);
    await eventually(metrics, "/metrics", (r) => sample(r.body, 'policy_compile_agent_programmed_ipset_members{family="ipv4"}') === 3);

    // Unknown paths are 404; the process metrics come from prom-client's defaults.
    expect((await get(health, "/metrics")).status).toBe(404);
    expect((await get(metrics, "/metrics")).body).toMatch(/^process_resident_memory_bytes \d+/m);

    a.signal("SIGTERM");
    expect(await a.exited).toBe(0);
  }, 90_000);
});
