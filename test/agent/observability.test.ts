/**
 * The daemon's metrics (metrics.ts) and health (health.ts) in process, on the fake dataplane and a
 * manual clock: what /metrics and /readiness would answer at each point of a start, an event, a
 * failed apply and its retry. (The real agent process is scraped over HTTP in
 * observability-kernel.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { AgentMetrics } from "../../src/agent/metrics.js";
import { agentHealth, healthTable } from "../../src/agent/health.js";
import { emptyKernelState } from "../../src/diff/kernel-state.js";
import { daemonHarness } from "./fakes.js";

const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n";
const pod = (name: string, node: string, ip: string, app = "web") => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default, labels: {app: ${app}}}\nspec: {nodeName: ${node}}\nstatus: {podIP: ${ip}}\n`;
const allow = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: allow, namespace: default}\nspec:\n  selector: app == 'web'\n  ingress: [{action: Allow, source: {selector: app == 'client'}}]\n";

/** One sample's value from the exposition text, or undefined. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `) || (labels === "" && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

function harness() {
  let metrics: AgentMetrics | null = null;
  const observer = {
    latencies: (ms: readonly number[]) => metrics?.latencies(ms),
    step: (...a: Parameters<AgentMetrics["step"]>) => metrics?.step(...a),
    resync: (r: Parameters<AgentMetrics["resync"]>[0]) => metrics?.resync(r),
    repair: (r: Parameters<AgentMetrics["repair"]>[0]) => metrics?.repair(r),
    failure: (s: Parameters<AgentMetrics["failure"]>[0]) => metrics?.failure(s),
    rejected: (n: number) => metrics?.rejected(n),
  };
  const h = daemonHarness({ observer });
  metrics = new AgentMetrics(() => h.daemon.status(), () => h.daemon.health());
  const scrape = async () => (await (metrics as AgentMetrics).scrape()).body;
  return { ...h, metrics, scrape };
}

describe("agent metrics and health, in process", () => {
  it("readiness: false before the snapshot and before the first converge, true after; metrics count the start", async () => {
    const { daemon, source, tick, scrape } = harness();
    expect(daemon.health()).toMatchObject({ live: true, ready: false });
    await daemon.start();
    expect(daemon.health().ready).toBe(false);
    source.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "node-1", "10.0.0.1"), "client.yaml": pod("client", "node-2", "10.0.0.2", "client"), "allow.yaml": allow });
    expect(daemon.health().ready).toBe(false); // synced sources, kernel not yet converged
    await tick(0);
    const h = daemon.health();
    expect(h).toMatchObject({ live: true, ready: true });
    expect(h.components.map((c) => [c.name, c.live, c.ready])).toEqual([["loop", true, null], ["source files", null, true], ["kernel", null, true]]);
    const text = await scrape();
    expect(sample(text, "policy_compile_agent_resyncs_total", '{reason="start"}')).toBe(1);
    expect(sample(text, "policy_compile_agent_transactions_total", '{family="ipv4"}')).toBe(1);
    expect(sample(text, "policy_compile_agent_programmed_ipsets", '{family="ipv4"}')).toBe(1);
    expect(sample(text, "policy_compile_agent_programmed_ipset_members", '{family="ipv4"}')).toBe(1);
    expect(sample(text, "policy_compile_agent_programmed_rules", '{family="ipv4"}')).toBeGreaterThan(10);
    expect(sample(text, "policy_compile_agent_ready")).toBe(1);
    expect(sample(text, "policy_compile_agent_live")).toBe(1);
    expect(sample(text, "policy_compile_agent_datastore_state", '{source="files",state="synced"}')).toBe(1);
    expect(sample(text, "policy_compile_agent_datastore_state", '{source="files",state="syncing"}')).toBe(0);
    expect(sample(text, "policy_compile_agent_apply_duration_seconds_count", '{kind="converge"}')).toBe(1);
    expect(text).toMatch(/^# TYPE policy_compile_agent_event_to_kernel_seconds histogram$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    await daemon.stop();
    expect(daemon.health()).toMatchObject({ live: false });
  });

  it("an event moves the latency histogram, members and lines; a rejected input is counted and shown", async () => {
    const { daemon, source, tick, scrape } = harness();
    await daemon.start();
    source.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "node-1", "10.0.0.1"), "client.yaml": pod("client", "node-2", "10.0.0.2", "client"), "allow.yaml": allow });
    await tick(0);
    const before = await scrape();
    source.put("client2.yaml", pod("client2", "node-3", "10.0.0.3", "client"));
    await tick(50);
    const after = await scrape();
    expect(sample(after, "policy_compile_agent_event_to_kernel_seconds_count")).toBe((sample(before, "policy_compile_agent_event_to_kernel_seconds_count") ?? 0) + 1);
    expect(sample(after, "policy_compile_agent_programmed_ipset_members", '{family="ipv4"}')).toBe(2);
    expect(sample(after, "policy_compile_agent_transactions_total", '{family="ipv4"}')).toBe(2);
    expect(sample(after, "policy_compile_agent_apply_duration_seconds_count", '{kind="update"}')).toBe(1);
    source.put("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: 7}\n");
    await tick(50);
    const bad = await scrape();
    expect(sample(bad, "policy_compile_agent_input_rejections_total")).toBe(1);
    expect(sample(bad, "policy_compile_agent_rejected_inputs")).toBe(1);
    await daemon.stop();
  });

  it("readiness: false after a failed apply (503 table names it), true again once the retry succeeds; failures and resyncs counted", async () => {
    const { daemon, source, tick, dataplane, scrape } = harness();
    await daemon.start();
    source.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "node-1", "10.0.0.1") });
    await tick(0);
    dataplane.fail = 1;
    source.put("client.yaml", pod("client", "node-2", "10.0.0.2", "client"));
    source.put("allow.yaml", allow);
    await tick(50);
    const h = daemon.health();
    expect(h).toMatchObject({ live: true, ready: false });
    expect(healthTable(h)).toMatch(/^kernel +- +non-ready +last step failed: dataplane: iptables-restore failed/m);
    const failed = await scrape();
    expect(sample(failed, "policy_compile_agent_failures_total", '{stage="dataplane"}')).toBe(1);
    expect(sample(failed, "policy_compile_agent_ready")).toBe(0);
    await tick(1000); // the converge retry
    expect(daemon.health().ready).toBe(true);
    const ok = await scrape();
    expect(sample(ok, "policy_compile_agent_resyncs_total", '{reason="retry"}')).toBe(1);
    expect(sample(ok, "policy_compile_agent_ready")).toBe(1);
    await daemon.stop();
  });

  it("a periodic resync that finds the kernel changed behind the agent's back counts a repair", async () => {
    const { daemon, source, tick, dataplane, scrape } = harness();
    await daemon.start();
    source.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "node-1", "10.0.0.1") });
    await tick(0);
    dataplane.state = emptyKernelState(); // someone flushed everything
    await tick(90_000);
    const text = await scrape();
    expect(sample(text, "policy_compile_agent_resyncs_total", '{reason="periodic"}')).toBe(1);
    expect(sample(text, "policy_compile_agent_repairs_total", '{reason="resync"}')).toBe(1);
    await daemon.stop();
  });
});

describe("health", () => {
  const base = { stopped: false, stepRunningMs: null, livenessTimeoutMs: 90_000, sources: [{ source: "etcd http://127.0.0.1:2379", state: "synced" as const, entries: 3 }], kernelViewKnown: true, lastStepOk: true, lastError: null };
  it.each([
    ["all good", {}, true, true],
    ["a source re-listing", { sources: [{ source: "etcd", state: "syncing" as const, entries: 0 }] }, true, false],
    ["a source disconnected", { sources: [{ source: "etcd", state: "disconnected" as const, entries: 3 }] }, true, false],
    ["kernel not converged yet", { kernelViewKnown: false, lastStepOk: null }, true, false],
    ["last step failed", { lastStepOk: false, lastError: "dataplane: ipset restore failed" }, true, false],
    ["a step running within the limit", { stepRunningMs: 5000 }, true, true],
    ["a step stuck past the limit", { stepRunningMs: 90_001 }, false, true],
    ["stopped", { stopped: true }, false, true],
  ])("%s", (_label, over, live, ready) => {
    const h = agentHealth({ ...base, ...over });
    expect([h.live, h.ready]).toEqual([live, ready]);
  });

  it("the body is Felix's kind of table, one line per component", () => {
    expect(healthTable(agentHealth({ ...base, lastStepOk: false, lastError: "dataplane: ipset restore failed\nline 2" }))).toBe(
      [
        "COMPONENT                          LIVENESS  READINESS  DETAIL",
        "loop                               live      -          idle",
        "source etcd http://127.0.0.1:2379  -         ready      synced, 3 entries",
        "kernel                             -         non-ready  last step failed: dataplane: ipset restore failed",
        "",
      ].join("\n"),
    );
  });
});
