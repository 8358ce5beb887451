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

const PODS = 100_000;
const NAMESPACES = 2_000;
const POLICIES = 5_000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function cluster(): unknown[] {
  const rand = rng(42);
  const pick = (n: number) => Math.floor(rand() * n);
  const items: unknown[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    items.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: `ns-${n}`, labels: { team: `t${n % 40}`, env: n % 2 ? "prod" : "dev" } } });
  }
  for (let i = 0; i < PODS; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    items.push({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `pod-${i}`, namespace: `ns-${i % NAMESPACES}`, labels: { app: `app-${pick(200)}`, tier: ["web", "api", "db"][pick(3)], version: `v${pick(5)}` } },
      spec: { nodeName: `node-${pick(500)}`, containers: [{ name: "main", image: "registry.example/app:1.0", ports: [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9090 }] }] },
      status: { phase: "Running", podIP: ip, podIPs: [{ ip }] },
    });
  }
  for (let p = 0; p < POLICIES; p++) {
    const ns = `ns-${p % NAMESPACES}`;
    if (p % 2 === 0) {
      items.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: `knp-${p}`, namespace: ns },
        spec: {
          podSelector: { matchLabels: { app: `app-${pick(200)}` } },
          policyTypes: ["Ingress", "Egress"],
          ingress: [{ from: [{ podSelector: { matchLabels: { tier: "web" } } }, { namespaceSelector: { matchLabels: { team: `t${pick(40)}` } } }], ports: [{ port: 8080 }, { port: "http" }] }],
          egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }], ports: [{ protocol: "UDP", port: 53 }] }],
        },
      });
    } else {
      items.push({
        apiVersion: "projectcalico.org/v3",
        kind: "NetworkPolicy",
        metadata: { name: `np-${p}`, namespace: ns },
        spec: {
          order: pick(1000),
          selector: `app == 'app-${pick(200)}' && tier in {'web', 'api'}`,
          ingress: [{ action: "Allow", protocol: "TCP", source: { selector: "tier == 'web'", namespaceSelector: "env == 'prod'" }, destination: { ports: [80, "8000:8080", "http"] } }, { action: "Deny" }],
          egress: [{ action: "Allow", protocol: "UDP", destination: { nets: ["10.96.0.10/32"], ports: [53] } }],
        },
      });
    }
  }
  return items;
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
    yaml: items.map((i) => stringify(i)).join("---\n"),
  };
}

// In a child (see run): load one input.
const [, self, label, dir] = process.argv;
if (self !== undefined && fileURLToPath(import.meta.url) === self && label !== undefined && dir !== undefined) {
  const entry = runs.find((r) => r[0] === label);
  if (entry === undefined) throw new Error(`unknown run ${label}`);
  measure(label, entry[1], readFileSync(join(dir, entry[1]), "utf8"), entry[2]);
}
