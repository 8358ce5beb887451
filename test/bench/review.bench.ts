/**
 * review benchmark: the compile benchmark's synthetic cluster (100,000 pods on 1,000 nodes,
 * 2,000 namespaces, 5,000 policies; seeded) and a one-policy change: ns-0's Kubernetes policy
 * `web-from-api` gains one more rule: port 22 from every pod of its namespace (and, as a stress,
 * from every pod of the cluster: 10k sources per web pod). Reports the wall and CPU time of `reviewChange` from
 * the two loaded models to the report (load is the model benchmark's figure), how many pods it
 * touched and traced, the flips, and the heap. Then today's `matrix --from/--to` (two whole
 * class matrices and their difference, every node compiled) on the same change at 10k pods, for
 * comparison; it is skipped above 10k pods, where it does not finish in a default heap.
 *
 * End to end ("e2e"): the model benchmark's 100k-pod cluster written as files, a base directory
 * (cluster.yaml: namespaces and pods; policies.yaml: the 5,000 policies) and a head directory with
 * the same cluster.yaml and policies.yaml where the first Kubernetes policy that selects a pod has one more ingress rule, port 22
 * from every pod of its namespace; then the built CLI, `node dist/cli/bin.js review --base base
 * --head head --format json`, in a child process timed by /usr/bin/time: wall, CPU (user +
 * system), peak RSS, with the load average before and after (the machine is shared). The CLI is
 * built first (`npm run build`), so the figure is what users run. "e2e-json" is the same with each
 * file one JSON List (`cluster.json`, `policies.json`), the form `kubectl get … -o json` exports.
 *
 * REVIEW_BENCH_RUNS picks runs by name, comma-separated (default: all, in this order):
 * `10k`, `100k` (the one-policy review from the two models), `10k-cluster` (the stress),
 * `matrix-10k` (today's matrix --from/--to: about 7 minutes at load), `e2e`, `e2e-json`.
 * `REVIEW_BENCH_RUNS=100k,e2e npm run bench -- review` measures the issue's target only.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Model, Policy } from "../../src/model/types.js";
import { reviewChange, type ReviewVersion } from "../../src/review/index.js";
import { matrixChanges, reachabilityMatrix } from "../../src/trace/index.js";
import { clusterResources } from "../agent/engine/cluster.js";
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

const yamlOf = (items: readonly unknown[]): string => items.map((i) => stringify(i, { version: "1.1" })).join("---\n");

const jsonListOf = (items: readonly unknown[]): string => JSON.stringify({ apiVersion: "v1", kind: "List", items });

/** The input formats of the end-to-end run: multi-document YAML, or one JSON List per file (as `kubectl get -o json` writes). */
export type InputFormat = "yaml" | "json";

/** The base and head directories of the end-to-end run: the cluster as files, knp-0 given a port-22 rule in head. */
export function writeVersions(dir: string, pods: number, format: InputFormat = "yaml"): void {
  const write = format === "yaml" ? yamlOf : jsonListOf;
  const { resources, pods: specs } = clusterResources(pods, { globals: false });
  const policies = resources.filter((r) => r.key.startsWith("/policies/")).map((r) => r.resource);
  const cluster = write(resources.filter((r) => !r.key.startsWith("/policies/")).map((r) => r.resource));
  // The first Kubernetes policy that selects a pod (a random app label of 200 in 50 pods: most select none).
  const apps = new Set(specs.map((p) => `${p.ns}/${p.labels.app}`));
  type Knp = { kind: string; metadata: { name: string; namespace: string }; spec: { podSelector: { matchLabels: { app: string } }; ingress: unknown[] } };
  const target = (policies as Knp[]).findIndex((p) => p.kind === "NetworkPolicy" && "podSelector" in p.spec && apps.has(`${p.metadata.namespace}/${p.spec.podSelector.matchLabels.app}`));
  if (target < 0) throw new Error("unreachable: some Kubernetes policy of the synthetic cluster selects a pod");
  const old = policies[target] as { spec: { ingress: unknown[] } };
  const more = { ...old, spec: { ...old.spec, ingress: [...old.spec.ingress, { from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 22 }] }] } };
  for (const [name, list] of [["base", policies], ["head", policies.map((p, i) => (i === target ? more : p))]] as const) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, `cluster.${format}`), cluster);
    writeFileSync(join(dir, name, `policies.${format}`), write(list));
  }
}

/** The built CLI reviewing the two directories, timed by /usr/bin/time in its own process. */
function endToEnd(pods: number, format: InputFormat): void {
  const root = join(import.meta.dirname, "..", "..");
  execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "pc-review-bench-"));
  try {
    writeVersions(dir, pods, format);
    const load0 = loadavg()[0] as number;
    const timing = join(dir, "time.txt");
    const out = execFileSync("/usr/bin/time", ["-f", "%e %U %S %M", "-o", timing, process.execPath, join(root, "dist", "cli", "bin.js"), "review", "--base", "base", "--head", "head", "--format", "json"], { cwd: dir, maxBuffer: 1 << 30 }).toString();
    const load1 = loadavg()[0] as number;
    const [wall, user, sys, rssKb] = readFileSync(timing, "utf8").trim().split("\n").at(-1)?.split(" ").map(Number) ?? [];
    const c = (JSON.parse(out) as { connectivity: { opened: unknown[]; closed: unknown[]; podsTouched: number; pods: number } }).connectivity;
    console.log(
      `${pods} pods, end to end (node dist/cli/bin.js review --base base --head head --format json, ${format === "yaml" ? "YAML files" : "JSON List files"}): ${(wall as number).toFixed(1)} s wall, ` +
        `${((user as number) + (sys as number)).toFixed(1)} s CPU (user ${(user as number).toFixed(1)} + sys ${(sys as number).toFixed(1)}), peak RSS ${((rssKb as number) / 1024).toFixed(0)} MiB; ` +
        `${c.opened.length} opened / ${c.closed.length} closed, ${c.podsTouched} of ${c.pods} pods touched; load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after`,
    );
    if (c.opened.length === 0) throw new Error("the end-to-end change opens no pair: it measures nothing");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const RUNS: Readonly<Record<string, () => void>> = {
  "10k": () => review(10_000, "namespace"),
  "100k": () => review(100_000, "namespace"),
  "10k-cluster": () => review(10_000, "cluster"),
  "matrix-10k": () => matrixFromTo(10_000),
  e2e: () => endToEnd(100_000, "yaml"),
  "e2e-json": () => endToEnd(100_000, "json"),
};

export async function run(): Promise<void> {
  const picked = process.env.REVIEW_BENCH_RUNS?.split(",").map((r) => r.trim()) ?? Object.keys(RUNS);
  const unknown = picked.filter((r) => !(r in RUNS));
  if (unknown.length > 0) throw new Error(`REVIEW_BENCH_RUNS: unknown run(s) ${unknown.join(", ")}; the runs are ${Object.keys(RUNS).join(", ")}`);
  for (const r of picked) (RUNS[r] as () => void)();
}
