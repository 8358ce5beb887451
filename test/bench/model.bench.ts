/**
 * Loading and normalizing a synthetic cluster: 100,000 pods in 2,000 namespaces and 5,000
 * policies (half Kubernetes, half Calico), as one JSON List and as multi-document YAML.
 * Reports wall and CPU time of loadSources (parse + validate + normalize; CPU includes the
 * garbage collector's helper threads, so it can exceed wall time) and the process's peak RSS so
 * far (JSON runs first, so its figure is the JSON peak; the YAML figure is the peak of both, and
 * includes the generated inputs). "yaml" is the default loader (the fast subset reader, see
 * src/model/yaml-subset.ts); "yaml-only" is the same text with `yamlFastPath: false`, every
 * document through the `yaml` parser, as before the fast path (its peak includes all earlier runs).
 * Seeded, so runs are comparable.
 */
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

function measure(label: string, file: string, text: string, options: LoadOptions = {}): void {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = loadSources([{ file, text }], options);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) throw new Error(`${label}: ${errors} errors in the synthetic input`);
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    `${label.padEnd(10)} ${(text.length / 1e6).toFixed(1).padStart(6)} MB input  ${seconds.toFixed(2).padStart(6)} s  ` +
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
  // Before the fast path: every document through the `yaml` parser (what it is checked against).
  if (typeof globalThis.gc === "function") globalThis.gc();
  measure("yaml-only", "cluster.yaml", yaml, { yamlFastPath: false });
}

function inputs(): { json: string; yaml: string } {
  const items = cluster();
  return {
    json: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
    yaml: items.map((i) => stringify(i)).join("---\n"),
  };
}
