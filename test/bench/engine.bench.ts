/**
 * Agent engine benchmark: the synthetic cluster of test/agent/engine/cluster.ts (the model
 * benchmark's cluster: 100,000 pods, 2,000 namespaces, 500 nodes, 5,000 Kubernetes and Calico
 * NetworkPolicies, plus 250 GlobalNetworkPolicies in two tiers and 20 GlobalNetworkSets), one
 * JSON source per resource as the etcd watcher delivers them, compiled for node-1.
 *
 * Reports the initial load (every source in one update), then 1,000 endpoint updates per second
 * batched as the agent batches them (50 ms windows: 50 events per update call): remote pods
 * relabelled, added and deleted, and local pods added, relabelled and deleted. Per batch it
 * times engine.update plus diffDirty against the previous state (the transaction the agent
 * would apply), and reports p50/p99/max, transaction sizes, and memory. Seeded: runs compare.
 */
import { AgentEngine, advanceKernelView, diffDirty, type SourceChange } from "../../src/agent/engine/index.js";
import { kernelStateOf } from "../../src/diff/kernel-state.js";
import { transactionSize } from "../../src/diff/transaction.js";
import { del, ipOf, podJson, podKey, put, syntheticSources, type PodSpec } from "../agent/engine/cluster.js";

const PODS = 100_000;
const BATCHES = Number(process.env.ENGINE_BENCH_BATCHES ?? 200);
const PER_BATCH = 50;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

export async function run(): Promise<void> {
  const cluster = syntheticSources(PODS);
  const engine = new AgentEngine({ node: "node-1" });
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const first = engine.update(cluster.sources);
  const load = (performance.now() - t0) / 1000;
  if (first.rejected.length > 0) throw new Error(`synthetic input rejected: ${first.rejected.slice(0, 3).join(", ")}`);
  if (typeof globalThis.gc === "function") globalThis.gc();
  const s = first.desired;
  console.log(
    `cluster: ${PODS} pods, ${cluster.namespaces} namespaces, ${cluster.nodes} nodes, ${cluster.sources.length} sources; node-1: ${s.chains.length} chains, ` +
      `${s.ipsets.length} ipsets, ${s.ipsets.reduce((n, x) => n + x.members.length, 0)} members`,
  );
  console.log(`initial load (parse + validate + model + node state): ${load.toFixed(2)} s; heap +${((process.memoryUsage().heapUsed - heap0) / 2 ** 20).toFixed(0)} MiB (engine + sources), rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

  const rand = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const live: PodSpec[] = [...cluster.pods];
  let next = PODS;
  const event = (): SourceChange => {
    const r = rand();
    const local = rand() < 0.2;
    if (r < 0.6) {
      // relabel an existing pod (local ones on node-1 a fifth of the time)
      const i = Math.floor(rand() * live.length);
      const p = live[i] as PodSpec;
      const moved: PodSpec = { ...p, labels: { app: `app-${Math.floor(rand() * 200)}`, tier: pick(["web", "api", "db"]), version: `v${Math.floor(rand() * 5)}` }, ...(local ? { node: "node-1" } : {}) };
      live[i] = moved;
      return put(podKey(moved.ns, moved.name), podJson(moved));
    }
    if (r < 0.8) {
      const p: PodSpec = { ns: `ns-${Math.floor(rand() * cluster.namespaces)}`, name: `pod-${next}`, node: local ? "node-1" : `node-${Math.floor(rand() * cluster.nodes)}`, ip: ipOf(next), labels: { app: `app-${Math.floor(rand() * 200)}`, tier: pick(["web", "api", "db"]), version: "v1" }, ports: [{ name: "http", containerPort: 8080 }] };
      next++;
      live.push(p);
      return put(podKey(p.ns, p.name), podJson(p));
    }
    const i = Math.floor(rand() * live.length);
    const p = live[i] as PodSpec;
    live[i] = live[live.length - 1] as PodSpec;
    live.pop();
    return del(podKey(p.ns, p.name));
  };

  const times: number[] = [];
  const engineTimes: number[] = [];
  const sizes: number[] = [];
  let dirtyChains = 0;
  let dirtySets = 0;
  let previous = kernelStateOf(engine.current());
  const cpu0 = process.cpuUsage();
  let busy = 0;
  for (let b = 0; b < BATCHES; b++) {
    const batch = Array.from({ length: PER_BATCH }, event);
    const t = performance.now();
    const u = engine.update(batch);
    const te = performance.now();
    const tx = diffDirty(previous, u.desired, u.dirty);
    const ms = performance.now() - t;
    engineTimes.push(te - t);
    busy += ms;
    times.push(ms);
    const size = transactionSize(tx);
    sizes.push(size.ipset + size.iptables);
    dirtyChains += u.dirty.chains.length;
    dirtySets += u.dirty.ipsets.length;
    previous = advanceKernelView(previous, u.desired, u.dirty); // the agent's view of what it wrote (not timed)
  }
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...times].sort((a, b) => a - b);
  const sortedSizes = [...sizes].sort((a, b) => a - b);
  console.log(
    `${BATCHES} batches x ${PER_BATCH} endpoint events (60% relabel, 20% add, 20% delete; a fifth local to node-1): engine.update + diffDirty per batch ` +
      `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted[sorted.length - 1] as number).toFixed(1)} ms`,
  );
  const se = [...engineTimes].sort((a, b) => a - b);
  console.log(`  of which engine.update alone: p50 ${percentile(se, 50).toFixed(1)} ms, p99 ${percentile(se, 99).toFixed(1)} ms (the rest is diffDirty)`);
  console.log(
    `  sustained: ${((BATCHES * PER_BATCH) / (busy / 1000)).toFixed(0)} events/s of engine time (1,000/s needs ${((busy / BATCHES / 50) * 100).toFixed(1)}% of one core); ` +
      `process CPU during the run (includes the untimed kernel-view rebuild) ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
  );
  console.log(
    `  per batch: ${(dirtyChains / BATCHES).toFixed(1)} dirty chains, ${(dirtySets / BATCHES).toFixed(1)} dirty ipsets, transaction lines p50 ${percentile(sortedSizes, 50)}, p99 ${percentile(sortedSizes, 99)}; ` +
      `rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  );
}
