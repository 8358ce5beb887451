/**
 * review benchmark: the compile benchmark's synthetic cluster (100,000 pods on 1,000 nodes,
 * 2,000 namespaces, 5,000 policies; seeded) and a one-policy change: ns-0's Kubernetes policy
 * `web-from-api` gains one more rule: port 22 from every pod of its namespace (and, as a stress,
 * from every pod of the cluster: 10k sources per web pod). Reports the wall and CPU time of `reviewChange` from
 * the two loaded models to the report (load is the model benchmark's figure), how many pods it
 * touched and traced, the flips, and the heap. Then today's `matrix --from/--to` (two whole
 * class matrices and their difference, every node compiled) on the same change at 10k pods, for
 * comparison; it is skipped above 10k pods, where it does not finish in a default heap.
 */
import type { Model, Policy } from "../../src/model/types.js";
import { reviewChange, type ReviewVersion } from "../../src/review/index.js";
import { matrixChanges, reachabilityMatrix } from "../../src/trace/index.js";
import { syntheticCluster } from "./compile.bench.js";

/** "namespace": the new rule admits every pod of ns-0; "cluster": every pod of the cluster (a stress: 100k sources per web pod). */
export function changed(m: Model, from: "namespace" | "cluster" = "namespace"): Model {
  const target = m.policies.find((p) => p.id === "knp/ns-0/web-from-api") as Policy;
  const rule = target.ingress[0];
  if (!rule) throw new Error("unreachable: web-from-api has an ingress rule");
  // A Kubernetes `from: [podSelector: {}]` (every pod of the namespace), or no source at all, to port 22.
  const source = from === "namespace" ? { ...rule.source, selector: "projectcalico.org/orchestrator == 'k8s'" } : { nets: [], notNets: [], ports: [], notPorts: [] };
  const more: Policy = { ...target, ingress: [...target.ingress, { ...rule, source, destination: { ...rule.destination, ports: [{ kind: "range", first: 22, last: 22 }] } }] };
  return { ...m, policies: m.policies.map((p) => (p === target ? more : p)) };
}

const version = (label: string, model: Model): ReviewVersion => ({ side: { label, paths: [] }, model, sources: [], diagnostics: [] });

function review(pods: number, from: "namespace" | "cluster"): void {
  const base = syntheticCluster(pods);
  const head = changed(base, from);
  if (typeof globalThis.gc === "function") globalThis.gc();
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = reviewChange(version("base", base), version("head", head));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const heap = process.memoryUsage().heapUsed - heap0;
  const c = r.connectivity;
  console.log(
    `${pods} pods, new rule from every pod of the ${from}: review in ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU; ${c.podsTouched} pods touched, ` +
      `${c.probes.length} probes, ${c.opened.length} opened / ${c.closed.length} closed in ${c.summary.length} groups; ` +
      `rules: ${r.rules.nodesChanged} of ${r.rules.nodesCompared} nodes change in ${r.rules.changes.length} classes; heap +${(heap / 2 ** 20).toFixed(0)} MiB, peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  );
  if (c.opened.length === 0 && process.env.REVIEW_BENCH_ALLOW_EMPTY === undefined) throw new Error("the benchmark's change opens no pair: it measures nothing");
}

function matrixFromTo(pods: number): void {
  const base = syntheticCluster(pods);
  const head = changed(base);
  const t0 = performance.now();
  const changes = matrixChanges(reachabilityMatrix(base, { port: 22 }), reachabilityMatrix(head, { port: 22 }));
  console.log(`${pods} pods: matrix --from/--to --port 22 in ${(performance.now() - t0).toFixed(0)} ms wall, ${changes.length} changes`);
}

export async function run(): Promise<void> {
  review(10_000, "namespace");
  review(100_000, "namespace");
  review(10_000, "cluster");
  matrixFromTo(10_000);
}
