/**
 * trace benchmark, on the synthetic clusters of compile.bench.ts: packet traces per second on
 * one node of the 100k-pod cluster (compiled once; random pod → local pod flows on the ports
 * its policies use), and the time for a full reachability matrix on one port for clusters of
 * 1,000, 2,000 and 5,000 pods (every node compiled; class-level, so the traces it took, the
 * class counts, and memory), plus the time to expand all pairs and to stream the JSON.
 */
import type { Model } from "../../src/model/types.js";
import { FlowTracer, matrixJsonChunks, reachabilityMatrix, type FlowPeer } from "../../src/trace/index.js";
import { syntheticCluster } from "./compile.bench.js";

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`;
const peer = (key: string): FlowPeer => {
  const [namespace, name] = key.split("/") as [string, string];
  return { kind: "pod", namespace, name };
};

function traces(model: Model): void {
  const tracer = new FlowTracer(model);
  const local = model.endpoints.filter((e) => e.node === "node-0");
  const t0 = performance.now();
  tracer.compiled("node-0");
  const compileMs = performance.now() - t0;
  const ports = [80, 443, 5432, 8080, 53];
  const n = 20000;
  let allowed = 0;
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    const from = model.endpoints[(i * 7919) % model.endpoints.length];
    const to = local[i % local.length];
    if (!from || !to) continue;
    // The egress hop runs on the source's node; bench only the ingress hop on node-0, so one
    // compiled node serves every trace.
    const fromIp = from.ipNetworks[0]?.split("/")[0] ?? "";
    const v = tracer.explain({ from: { kind: "ip", ip: fromIp }, to: peer(to.key), protocol: i % 5 === 4 ? "UDP" : "TCP", port: ports[i % 5] as number }).verdict;
    if (v === "allow") allowed++;
  }
  const ms = performance.now() - t1;
  console.log(`100k pods, node-0 (${local.length} local pods): compile with origins ${compileMs.toFixed(0)} ms; ${n} traces in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)} traces/s (${allowed} allowed); heap ${mb(process.memoryUsage().heapUsed)}`);
}

function matrix(pods: number): void {
  const model = syntheticCluster(pods);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const m = reachabilityMatrix(model, { port: 80 });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const heap = process.memoryUsage().heapUsed;
  // Expanding every pair (what the JSON and text outputs iterate), and the JSON bytes it streams.
  const t1 = performance.now();
  let allowed = 0;
  for (const p of m.pairs()) if (p.verdict === "allow") allowed++;
  const expandMs = performance.now() - t1;
  const t2 = performance.now();
  let bytes = 0;
  for (const chunk of matrixJsonChunks(m)) bytes += chunk.length;
  const jsonMs = performance.now() - t2;
  const c = m.classes;
  console.log(
    `${pods} pods: matrix on TCP/80 in ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (all ${new Set(model.endpoints.map((e) => e.node)).size} nodes compiled), ` +
      `${m.traces} traces, ${c.egressRows} egress rows x ${c.ingressRows} ingress rows, ${c.addressVectors} address vectors; heap ${mb(heap)} after it (model included); ` +
      `${m.pairCount} pairs (${allowed} allowed) expanded in ${expandMs.toFixed(0)} ms` +
      (bytes > 0 ? `, JSON ${mb(bytes)} in ${jsonMs.toFixed(0)} ms` : "") +
      `; peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
  );
}

export async function run(): Promise<void> {
  traces(syntheticCluster(100_000));
  matrix(1000);
  matrix(2000);
  matrix(5000);
}
