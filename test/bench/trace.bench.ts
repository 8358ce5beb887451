/**
 * trace benchmark, on the synthetic clusters of compile.bench.ts: packet traces per second on
 * one node of the 100k-pod cluster (compiled once; random pod → local pod flows on the ports
 * its policies use), and the time for a full reachability matrix on one port for the first
 * 1,000 and 5,000 pods (all nodes they live on compiled), with the traces it took and memory.
 */
import type { Model } from "../../src/model/types.js";
import { FlowTracer, reachabilityMatrix, type FlowPeer } from "../../src/trace/index.js";
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
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const m = reachabilityMatrix(model, { port: 80 });
  const ms = performance.now() - t0;
  let allowed = 0;
  for (const p of m.pairs()) if (p.verdict === "allow") allowed++;
  console.log(`${pods} pods: matrix on TCP/80, ${m.pairCount} pairs (${allowed} allowed) in ${ms.toFixed(0)} ms with ${m.traces} traces; heap +${mb(process.memoryUsage().heapUsed - before)}`);
}

export async function run(): Promise<void> {
  traces(syntheticCluster(100_000));
  matrix(1000);
  matrix(2000);
  // 5,000 pods (25M pairs) is not run: the pairs array alone does not fit a default heap; see README.
}
