/**
 * Loading and normalizing a synthetic cluster: 100,000 pods in 2,000 namespaces and 5,000
 * policies (half Kubernetes, half Calico), as one JSON List and as multi-document YAML.
 * Reports wall and CPU time of loadSources (parse + validate + normalize; CPU includes the
 * garbage collector's helper threads, so it can exceed wall time) and the process's peak RSS so
 * far (JSON runs first, so its figure is the JSON peak; the YAML figure is the peak of both, and
 * includes the generated inputs). Seeded, so runs are comparable.
 */
import { stringify } from "yaml";
import { loadSources } from "../../src/model/load.js";
import { clusterResources } from "../agent/engine/cluster.js";

const PODS = 100_000;
const NAMESPACES = 2_000;
const POLICIES = 5_000;

/** The shared synthetic cluster (test/agent/engine/cluster.ts) without its global policies, sets and tier. */
export function cluster(): unknown[] {
  return clusterResources(PODS, { globals: false }).resources.map((r) => r.resource);
}

function measure(label: string, file: string, text: string): void {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = loadSources([{ file, text }]);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) throw new Error(`${label}: ${errors} errors in the synthetic input`);
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    `${label.padEnd(5)} ${(text.length / 1e6).toFixed(1).padStart(6)} MB input  ${seconds.toFixed(2).padStart(6)} s  ` +
      `(${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU)  ` +
      `peak rss ${(peak / 1e6).toFixed(0)} MB  ` +
      `${r.model.endpoints.length} endpoints, ${r.model.policies.length} policies, ${r.model.profiles.length} profiles`,
  );
}

export async function run(): Promise<void> {
  console.log(`synthetic cluster: ${PODS} pods, ${NAMESPACES} namespaces, ${POLICIES} policies`);
  // Both inputs are rendered before measuring and the generated objects are dropped, so the
  // loader runs with the heap a real `-f cluster.json` run has: the input text, nothing else.
  const { json, yaml } = inputs();
  if (typeof globalThis.gc === "function") globalThis.gc();
  measure("json", "cluster.json", json);
  measure("yaml", "cluster.yaml", yaml);
}

function inputs(): { json: string; yaml: string } {
  const items = cluster();
  return {
    json: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
    yaml: items.map((i) => stringify(i)).join("---\n"),
  };
}
