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
import { endpointEvents, namespaceJson, namespaceKey, put, syntheticSources } from "../agent/engine/cluster.js";

const PODS = 100_000;
const BATCHES = Number(process.env.ENGINE_BENCH_BATCHES ?? 200);
const PER_BATCH = 50;

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

  const events = endpointEvents(cluster, "node-1");
  const event = events.next;

  const byKind = new Map<string, number>();
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
    for (const line of tx.iptables) {
      const m = /^-[ARD] (\S+)/.exec(line);
      if (m?.[1]) byKind.set(chainKind(m[1]), (byKind.get(chainKind(m[1])) ?? 0) + 1);
    }
    dirtyChains += u.dirty.chains.length;
    dirtySets += u.dirty.ipsets.length;
    previous = advanceKernelView(previous, u.desired, u.dirty); // the agent's view of what it wrote (not timed)
  }
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...times].sort((a, b) => a - b);
  const sortedSizes = [...sizes].sort((a, b) => a - b);
  console.log(
    `${BATCHES} batches x ${PER_BATCH} endpoint events (60% relabel, 20% add, 20% delete; a fifth about node-1's own pods): engine.update + diffDirty per batch ` +
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
  console.log(`  iptables lines per batch by chain: ${[...byKind].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} ${(n / BATCHES).toFixed(0)}`).join(", ")}`);

  // The rarer kinds, one change each: incremental (tier, profile, service account, namespace),
  // and the one that still rebuilds from the parsed sources (a host endpoint on another node).
  const rare: [string, SourceChange][] = [
    ["tier order change", put("/calico/resources/v3/projectcalico.org/tiers/security", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 2000000, defaultAction: "Pass" } }))],
    ["namespace relabel", put(namespaceKey("ns-1"), namespaceJson("ns-1", { team: "t-new", env: "prod" }))],
    ["profile added", put("/calico/resources/v3/projectcalico.org/profiles/kns.ns-2", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "kns.ns-2" }, spec: { labelsToApply: { zone: "z1" } } }))],
    ["service account added", put("/k8s/serviceaccounts/ns-3/default", JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "ns-3", labels: { role: "app" } } }))],
    ["host endpoint on another node (full rebuild)", put("/calico/resources/v3/projectcalico.org/hostendpoints/h1", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "h1", labels: { app: "app-1" } }, spec: { node: "node-2", expectedIPs: ["192.0.2.1"] } }))],
  ];
  for (const [label, change] of rare) {
    const t = performance.now();
    const u = engine.update([change]);
    const te = performance.now();
    const tx = diffDirty(previous, u.desired, u.dirty);
    const size = transactionSize(tx);
    previous = advanceKernelView(previous, u.desired, u.dirty);
    console.log(`  ${label}: engine.update ${(te - t).toFixed(0)} ms + diffDirty ${(performance.now() - te).toFixed(0)} ms; ${u.dirty.chains.length} dirty chains, ${u.dirty.ipsets.length} dirty ipsets, ${size.ipset + size.iptables} lines${u.rejected.length ? "; REJECTED" : ""}`);
  }
}

function chainKind(name: string): string {
  if (/^cali-[tf]w-/.test(name)) return "endpoint";
  if (/^cali-p[io]-/.test(name)) return "policy";
  if (/^cali-pr[io]-/.test(name)) return "profile";
  if (/^cali-g[io]-/.test(name)) return "group";
  if (name.includes("dispatch")) return "dispatch";
  return "other";
}
