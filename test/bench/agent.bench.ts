/**
 * Agent benchmark on the model benchmark's synthetic cluster (100,000 pods, 2,000 namespaces,
 * 5,000 policies), as 20 JSON List sources, compiled for node-7, on a real kernel in a fresh
 * network namespace (iptables-legacy):
 * - first start: engine update with every source + Dataplane.apply into an empty kernel;
 * - restart: a new engine and Dataplane converge against the kernel the first one left (the
 *   number an operator cares about: how long after a restart the agent is in charge again; it
 *   must write nothing);
 * - single events: a remote pod relabelled, through engine.update → diffDirty against the
 *   agent's view → applyPlanned, one at a time (event-to-kernel without the batch window).
 * Skipped (with a message) when not root or the tools are missing.
 */
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { AgentEngine, diffDirty } from "../../src/agent/engine/index.js";
import { Dataplane } from "../../src/dataplane/dataplane.js";
import type { CommandRunner } from "../../src/dataplane/runner.js";
import { execaRunner } from "../../src/dataplane/runner.js";
import { cluster } from "./model.bench.js";
import { AgentDaemon } from "../../src/agent/daemon.js";
import type { Source, SourceSink } from "../../src/agent/sources/types.js";

const NODE = "node-7";
const CHUNKS = 20;

function sources(items: readonly unknown[]): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const size = Math.ceil(items.length / CHUNKS);
  for (let c = 0; c < CHUNKS; c++) {
    out.push({ name: `cluster/part-${String(c).padStart(2, "0")}.json`, text: JSON.stringify({ apiVersion: "v1", kind: "List", items: items.slice(c * size, (c + 1) * size) }) });
  }
  return out;
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("agent bench skipped: needs root (network namespace)");
    return;
  }
  const ns = `pcb-${process.pid}-agent`;
  await execa("ip", ["netns", "add", ns]);
  const runner: CommandRunner = (file, args, input) => execaRunner("ip", ["netns", "exec", ns, file, ...args], input);
  try {
    const items = cluster();
    const srcs = sources(items);
    const puts = srcs.map((s) => ({ kind: "put" as const, ...s }));

    const start = async (label: string) => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const engine = new AgentEngine({ node: NODE });
      const u = engine.update(puts);
      const t1 = performance.now();
      const dp = new Dataplane({ backend: "legacy", runner });
      const r = await dp.apply(u.desired);
      const t2 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `${label}: ${((t2 - t0) / 1000).toFixed(2)} s to converge (engine ${((t1 - t0) / 1000).toFixed(2)} s, kernel read+diff+write ${((t2 - t1) / 1000).toFixed(2)} s), wrote ${r.lines.ipset} ipset + ${r.lines.iptables} iptables lines; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; RSS ${mb(process.memoryUsage().rss)}`,
      );
      return { engine, dp, state: r.state, desired: u.desired };
    };
    const first = await start("first start (empty kernel)");
    console.log(`desired: ${first.desired.chains.length} chains, ${first.desired.ipsets.length} ipsets, ${first.desired.ipsets.reduce((n, s) => n + s.members.length, 0)} members`);
    const again = await start("restart (kernel already programmed)");

    // Single events: relabel a remote pod (its source file re-put with the new label), one at a time.
    const index = items.findIndex((i) => (i as { kind: string; spec?: { nodeName?: string } }).kind === "Pod" && (i as { spec: { nodeName: string } }).spec.nodeName !== NODE);
    const pod = items[index] as { metadata: { labels: Record<string, string> } };
    const size = Math.ceil(items.length / CHUNKS);
    const chunk = Math.floor(index / size);
    let view = again.state;
    const lat: number[] = [];
    const engineMs: number[] = [];
    const lines: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const changed = items.slice(chunk * size, (chunk + 1) * size).map((it) => (it === pod ? { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, app: `app-${i % 2 ? 1 : 2}` } } } : it));
      const text = JSON.stringify({ apiVersion: "v1", kind: "List", items: changed });
      const u = again.engine.update([{ kind: "put", name: srcs[chunk]!.name, text }]);
      engineMs.push(performance.now() - t0);
      const tx = diffDirty(view, u.desired, u.dirty, { backend: "legacy" });
      const r = await again.dp.applyPlanned(view, tx, u.desired);
      lines.push(r.lines.ipset + r.lines.iptables);
      view = r.state;
      lat.push(performance.now() - t0);
    }
    console.log(`relabel transactions: ${lines.join(", ")} lines`);
    lat.sort((a, b) => a - b);
    engineMs.sort((a, b) => a - b);
    console.log(`remote pod relabel, event to kernel (no batch window): p50 ${lat[5]?.toFixed(0)} ms, max ${lat[9]?.toFixed(0)} ms (engine, including parsing the re-put 5,000-resource file, p50 ${engineMs[5]?.toFixed(0)} ms); RSS ${mb(process.memoryUsage().rss)}`);
    await sustained(srcs, runner);
  } finally {
    await execa("ip", ["netns", "del", ns], { reject: false });
  }
}

/**
 * 1,000 endpoint updates per second for 5 s through the real daemon (50 ms batch window) and a
 * real kernel: remote pods (one source each, like one key per WorkloadEndpoint in etcd) added,
 * relabelled and deleted in turn, on top of the 100k-pod cluster. Latency is the daemon's own:
 * from an event's arrival to the kernel holding it.
 */
async function sustained(srcs: readonly { name: string; text: string }[], runner: CommandRunner): Promise<void> {
  let sink: SourceSink | null = null;
  const source: Source = {
    id: "bench",
    start: (s) => ((sink = s), Promise.resolve()),
    status: () => ({ source: "bench", state: "synced", entries: 0 }),
    stop: () => Promise.resolve(),
  };
  let converged: () => void = () => undefined;
  const ready = new Promise<void>((r) => (converged = r));
  const daemon = new AgentDaemon({
    node: NODE,
    engine: new AgentEngine({ node: NODE }),
    diffDirty,
    dataplane: new Dataplane({ backend: "legacy", runner }),
    sources: [source],
    log: (e) => {
      if (e.event === "converge") converged();
      if (e.event === "apply-failed") console.log(JSON.stringify(e));
    },
    resyncMs: 3_600_000,
  });
  await daemon.start();
  (sink as SourceSink | null)?.snapshot(new Map(srcs.map((s) => [s.name, s.text])));
  await ready;
  const pod = (i: number, app: string) =>
    JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: `burst-${i}`, namespace: `ns-${i % 2000}`, labels: { app, tier: "web" } }, spec: { nodeName: "node-3" }, status: { podIP: `10.200.${(i >> 8) & 255}.${i & 255}` } });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const RATE = 1000;
  const SECONDS = 5;
  let sent = 0;
  while (sent < RATE * SECONDS) {
    const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
    for (; sent < Math.min(due, RATE * SECONDS); sent++) {
      const i = sent % 1500;
      const phase = Math.floor(sent / 1500) % 3;
      const s = sink as SourceSink | null;
      if (phase === 0) s?.change({ kind: "put", name: `bench/burst-${i}.json`, text: pod(i, `app-${i % 200}`) });
      else if (phase === 1) s?.change({ kind: "put", name: `bench/burst-${i}.json`, text: pod(i, `app-${(i + 7) % 200}`) });
      else s?.change({ kind: "delete", name: `bench/burst-${i}.json` });
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 2000));
  await daemon.whenIdle();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const st = daemon.status();
  await daemon.stop();
  console.log(
    `sustained ${RATE} endpoint updates/s for ${SECONDS} s (${sent} events): ${st.counters.updates} batches, ${st.counters.applies} transactions (${((st.counters.applies ?? 0) / wall).toFixed(1)}/s); event-to-kernel p50 ${st.latencyMs.p50} ms, p99 ${st.latencyMs.p99} ms, max ${st.latencyMs.max} ms; agent CPU ${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)}% of one core; RSS ${mb(process.memoryUsage().rss)}; failures ${st.counters.failures}`,
  );
}
