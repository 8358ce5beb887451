/**
 * Loading and normalizing a synthetic cluster: 100,000 pods in 2,000 namespaces and 5,000
 * policies (half Kubernetes, half Calico), as one JSON List and as multi-document YAML.
 * Reports wall and CPU time of loadSources (parse + validate + normalize; CPU includes the
 * garbage collector's helper threads, so it can exceed wall time), the peak RSS of a process that
 * only reads the text and loads it, and the heap still in use with the model. "yaml" is the
 * default loader (the fast subset reader, see src/model/yaml-subset.ts); "yaml-only" is the same
 * text with `yamlFastPath: false`, every document through the `yaml` parser, as before the fast
 * path. Seeded, so runs are comparable.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { loadSources, type LoadOptions } from "../../src/model/load.js";
import { clusterResources } from "../agent/engine/cluster.js";

const PODS = 100_000;
const NAMESPACES = 2_000;
const POLICIES = 5_000;

/** The shared synthetic cluster (test/agent/engine/cluster.ts) without its global policies, sets and tier. */
export function cluster(): unknown[] {
  return clusterResources(PODS, { globals: false }).resources.map((r) => r.resource);
}

/** One load in this process; prints its figures (peak RSS is this process's: the text and the loader). */
function measure(label: string, file: string, text: string, options: LoadOptions = {}): void {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = loadSources([{ file, text }], options);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) throw new Error(`${label}: ${errors} errors in the synthetic input`);
  const peak = process.resourceUsage().maxRSS * 1024;
  if (typeof globalThis.gc === "function") globalThis.gc();
  const heap = process.memoryUsage().heapUsed;
  console.log(
    `${label.padEnd(10)} ${(text.length / 1e6).toFixed(1).padStart(6)} MB input  ${seconds.toFixed(2).padStart(6)} s  ` +
      `(${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU)  ` +
      `peak rss ${(peak / 1e6).toFixed(0)} MB, heap with the model ${(heap / 1e6).toFixed(0)} MB  ` +
      `${r.model.endpoints.length} endpoints, ${r.model.policies.length} policies, ${r.model.profiles.length} profiles`,
  );
  if (r.model.endpoints.length === 0) throw new Error("unreachable: keeps the model alive until the heap is measured");
}

const runs = [
  ["json", "cluster.json", {}],
  ["yaml", "cluster.yaml", {}],
  // Before the fast path: every document through the `yaml` parser (what it is checked against).
  ["yaml-only", "cluster.yaml", { yamlFastPath: false }],
] as const;

/**
 * Each input is written once to a temporary directory and loaded in a child process of its own,
 * so that each peak RSS is that load's (the text plus the loader), not the generator's or an
 * earlier run's.
 */
export async function run(): Promise<void> {
  console.log(`synthetic cluster: ${PODS} pods, ${NAMESPACES} namespaces, ${POLICIES} policies`);
  const dir = mkdtempSync(join(tmpdir(), "pc-model-bench-"));
  try {
    const { json, yaml } = inputs();
    writeFileSync(join(dir, "cluster.json"), json);
    writeFileSync(join(dir, "cluster.yaml"), yaml);
    for (const [label] of runs) {
      const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), label, dir], { stdio: ["ignore", "inherit", "inherit"] });
      if (child.status !== 0) throw new Error(`${label}: the child process failed (${child.status ?? child.signal})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function inputs(): { json: string; yaml: string } {
  const items = cluster();
  return {
    json: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
    yaml: items.map((i) => stringify(i, { version: "1.1" })).join("---\n"),
  };
}

// In a child (see run): load one input.
const [, self, label, dir] = process.argv;
if (self !== undefined && fileURLToPath(import.meta.url) === self && label !== undefined && dir !== undefined) {
  const entry = runs.find((r) => r[0] === label);
  if (entry === undefined) throw new Error(`unknown run ${label}`);
  measure(label, entry[1], readFileSync(join(dir, entry[1]), "utf8"), entry[2]);
}
