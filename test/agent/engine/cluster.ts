/**
 * The synthetic cluster of every benchmark and the engine tests (one generator: the model, engine
 * and agent benchmarks measure the same cluster), as resource objects, or as source texts: one
 * JSON resource per source, named like Calico's etcd keys, as the agent's etcd watcher hands
 * them over.
 */
import type { SourceChange } from "../../../src/agent/engine/index.js";

export interface PodSpec {
  readonly ns: string;
  readonly name: string;
  readonly node?: string;
  readonly ip?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly sa?: string;
  readonly ports?: readonly { readonly name: string; readonly containerPort: number; readonly protocol?: string }[];
}

export const podKey = (ns: string, name: string): string => `/k8s/pods/${ns}/${name}`;
export const namespaceKey = (ns: string): string => `/k8s/namespaces/${ns}`;
export const policyKey = (kind: string, ns: string | undefined, name: string): string => `/policies/${kind}/${ns === undefined ? "" : `${ns}/`}${name}`;
export const netsetKey = (name: string): string => `/calico/resources/v3/projectcalico.org/globalnetworksets/${name}`;

export function podJson(p: PodSpec): string {
  return JSON.stringify(podObject(p));
}

export function podObject(p: PodSpec): unknown {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: p.name, namespace: p.ns, labels: p.labels },
    spec: {
      ...(p.node !== undefined ? { nodeName: p.node } : {}),
      ...(p.sa !== undefined ? { serviceAccountName: p.sa } : {}),
      containers: [{ name: "main", image: "registry.example/app:1.0", ...(p.ports ? { ports: p.ports } : {}) }],
    },
    status: { phase: "Running", ...(p.ip !== undefined ? { podIP: p.ip, podIPs: [{ ip: p.ip }] } : {}) },
  };
}

export function namespaceJson(ns: string, labels: Readonly<Record<string, string>>): string {
  return JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } });
}

export function netsetJson(name: string, labels: Readonly<Record<string, string>>, nets: readonly string[]): string {
  return JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkSet", metadata: { name, labels }, spec: { nets } });
}

export const put = (name: string, text: string): SourceChange => ({ kind: "put", name, text });
export const del = (name: string): SourceChange => ({ kind: "delete", name });

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const ipOf = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/**
 * 2,000 namespaces per 100,000 pods on 500 nodes, half Kubernetes and half Calico
 * NetworkPolicies (one per 20 pods) with pod, namespace and named-port selectors; with `globals`
 * also a second tier, GlobalNetworkPolicies in both tiers and GlobalNetworkSets. Seeded: the
 * same arguments give the same resources.
 */
export interface SyntheticCluster {
  readonly sources: SourceChange[];
  readonly pods: PodSpec[];
  readonly namespaces: number;
  readonly nodes: number;
}

export interface ClusterResource {
  /** Its etcd-like source name. */
  readonly key: string;
  readonly resource: unknown;
}

export function clusterResources(pods: number, options: { readonly seed?: number; readonly globals?: boolean } = {}): { resources: ClusterResource[]; pods: PodSpec[]; namespaces: number; nodes: number } {
  const rand = rng(options.seed ?? 42);
  const globals = options.globals ?? true;
  const pick = (n: number): number => Math.floor(rand() * n);
  const namespaces = Math.max(2, Math.round(pods / 50));
  const nodes = Math.max(2, Math.round(pods / 200));
  const policies = Math.round(pods / 20);
  const out: ClusterResource[] = [];
  const add = (key: string, resource: unknown): void => void out.push({ key, resource });
  if (globals) add("/calico/resources/v3/projectcalico.org/tiers/security", { apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 100, defaultAction: "Pass" } });
  for (let n = 0; n < namespaces; n++) {
    add(namespaceKey(`ns-${n}`), { apiVersion: "v1", kind: "Namespace", metadata: { name: `ns-${n}`, labels: { team: `t${n % 40}`, env: n % 2 ? "prod" : "dev" } } });
  }
  const podSpecs: PodSpec[] = [];
  for (let i = 0; i < pods; i++) {
    const labels = { app: `app-${pick(200)}`, tier: ["web", "api", "db"][pick(3)] as string, version: `v${pick(5)}` };
    const p: PodSpec = {
      ns: `ns-${i % namespaces}`,
      name: `pod-${i}`,
      node: `node-${pick(nodes)}`,
      ip: ipOf(i),
      labels,
      ports: [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9090 }],
    };
    podSpecs.push(p);
    add(podKey(p.ns, p.name), podObject(p));
  }
  for (let p = 0; p < policies; p++) {
    const ns = `ns-${p % namespaces}`;
    if (p % 2 === 0) {
      add(policyKey("knp", ns, `knp-${p}`), {
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
      add(policyKey("np", ns, `np-${p}`), {
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
  if (globals) {
    const gnps = Math.max(1, Math.round(policies / 20));
    for (let g = 0; g < gnps; g++) {
      add(policyKey("gnp", undefined, `global-${g}`), {
        apiVersion: "projectcalico.org/v3",
        kind: "GlobalNetworkPolicy",
        metadata: { name: `global-${g}` },
        spec: {
          tier: g % 2 === 0 ? "security" : "default",
          order: g,
          selector: `app == 'app-${g % 200}' || version == 'v${g % 5}'`,
          ingress: [
            { action: g % 3 === 0 ? "Pass" : "Allow", protocol: "TCP", source: { nets: [`192.168.${g % 256}.0/24`], notNets: [`192.168.${g % 256}.128/25`] }, destination: { ports: ["9000:9100"] } },
            { action: "Deny", source: { selector: `set == 'blocked-${g % 20}'` } },
          ],
        },
      });
    }
    for (let k = 0; k < 20; k++) add(netsetKey(`blocked-${k}`), JSON.parse(netsetJson(`blocked-${k}`, { set: `blocked-${k}` }, [`198.51.${k}.0/24`, `203.0.${k}.0/24`])));
  }
  return { resources: out, pods: podSpecs, namespaces, nodes };
}

/** The cluster with globals, one source per resource. */
export function syntheticSources(pods: number, seed = 42): SyntheticCluster {
  const c = clusterResources(pods, { seed });
  return { sources: c.resources.map((r) => put(r.key, JSON.stringify(r.resource))), pods: c.pods, namespaces: c.namespaces, nodes: c.nodes };
}

/**
 * The benchmarks' endpoint event stream over a cluster: 60% relabels of an existing pod (it stays
 * on its node, as pods do), 20% new pods, 20% deletions; `localShare` of the events (default a
 * fifth, a stress: at 1,000 events/s its own endpoint chains, policies and dispatch chains change
 * at 200 events/s) are about pods on `node` (relabel one of its pods, add one there, delete one of
 * its pods), while its pod count stays about where it was. Seeded: the same seed gives the same events.
 */
export function endpointEvents(cluster: Pick<SyntheticCluster, "pods" | "namespaces" | "nodes">, node: string, seed = 7, localShare = 0.2): { next: () => SourceChange; setLocalShare: (share: number) => void } {
  const rand = rng(seed);
  const tiers = ["web", "api", "db"];
  const pools = { local: cluster.pods.filter((p) => p.node === node), remote: cluster.pods.filter((p) => p.node !== node) };
  let fresh = cluster.pods.length;
  let share = localShare;
  const next = (): SourceChange => {
    const r = rand();
    const local = rand() < share;
    const pool = local ? pools.local : pools.remote;
    if (r < 0.6 && pool.length > 0) {
      const i = Math.floor(rand() * pool.length);
      const p = pool[i] as PodSpec;
      const moved: PodSpec = { ...p, labels: { app: `app-${Math.floor(rand() * 200)}`, tier: tiers[Math.floor(rand() * 3)] as string, version: `v${Math.floor(rand() * 5)}` } };
      pool[i] = moved;
      return put(podKey(moved.ns, moved.name), podJson(moved));
    }
    if (r < 0.8 || pool.length === 0) {
      const p: PodSpec = {
        ns: `ns-${Math.floor(rand() * cluster.namespaces)}`,
        name: `pod-${fresh}`,
        node: local ? node : `node-${Math.floor(rand() * cluster.nodes)}`,
        // Addresses past the cluster's own (ipOf(i) for i < pods), unique per new pod.
        ip: ipOf(fresh + 1_000_000),
        labels: { app: `app-${Math.floor(rand() * 200)}`, tier: tiers[Math.floor(rand() * 3)] as string, version: "v1" },
        ports: [{ name: "http", containerPort: 8080 }],
      };
      fresh++;
      pool.push(p);
      return put(podKey(p.ns, p.name), podJson(p));
    }
    const i = Math.floor(rand() * pool.length);
    const p = pool[i] as PodSpec;
    pool[i] = pool[pool.length - 1] as PodSpec;
    pool.pop();
    return del(podKey(p.ns, p.name));
  };
  // One stream can change its local share and go on from the pods it left.
  return { next, setLocalShare: (x) => (share = x) };
}
