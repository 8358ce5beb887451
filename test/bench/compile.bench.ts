/**
 * compile benchmark: a synthetic cluster (seeded, fixed) of 100,000 pods on 1,000 nodes (100
 * local), 2,000 namespaces and 5,000 policies mixing Kubernetes NetworkPolicy, Calico
 * NetworkPolicy and GlobalNetworkPolicy (two tiers, selectors, namespace selectors, nets,
 * ports, ranges, named ports, every action). Reports, for one node, the time from loaded model
 * to restore text, what was emitted, and memory; then how the time grows from 10k to 100k pods
 * (everything scaled together: 50 pods per namespace, 2.5 policies per namespace, 100 pods per
 * node). Namespaces are contiguous blocks of pods and nodes take pods round-robin, so one node's
 * pods spread over 100 namespaces..
 */
import type { Model, NetworkSet, Policy, Port } from "../../src/model/types.js";
import { compile } from "../../src/render/compile.js";
import { renderRestore } from "../../src/render/restore.js";
import { entity, model, modelRule, pod, policy } from "../resolve/model-fixtures.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const tcp = (...ports: number[]): Port[] => ports.map((p) => ({ kind: "range", first: p, last: p }));

export function syntheticCluster(pods: number, seed = 42): Model {
  const rand = rng(seed);
  const namespaces = Math.max(1, Math.round(pods / 50));
  const nodes = Math.max(1, Math.round(pods / 100));
  const tiers = ["web", "api", "db"];
  const endpoints = Array.from({ length: pods }, (_, i) => {
    const nsIndex = Math.floor(i / 50) % namespaces;
    const ns = `ns-${nsIndex}`;
    const tier = tiers[Math.floor(rand() * 3)] as string;
    return pod({
      ns,
      name: `pod-${i}`,
      node: `node-${i % nodes}`,
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      labels: { app: `app-${i % 20}`, tier, version: `v${i % 3}` },
      nsLabels: { team: `team-${nsIndex % 50}`, env: nsIndex % 4 === 0 ? "prod" : "dev" },
      ports: tier === "api" ? [{ name: "http", protocol: "tcp", port: 8080 }] : [],
    });
  });
  const policies: Policy[] = [];
  for (let n = 0; n < namespaces; n++) {
    const ns = `ns-${n}`;
    policies.push(
      policy({
        policyKind: "knp",
        name: "web-from-api",
        namespace: ns,
        selector: "projectcalico.org/orchestrator == 'k8s' && tier == 'web'",
        ingress: [
          modelRule({
            protocol: "tcp",
            source: entity({ selector: "projectcalico.org/orchestrator == 'k8s' && tier == 'api'" }),
            destination: entity({ ports: tcp(80, 443) }),
          }),
        ],
      }),
      policy({
        policyKind: "np",
        name: "api",
        namespace: ns,
        order: 500,
        selector: "tier == 'api'",
        types: ["Ingress", "Egress"],
        ingress: [
          modelRule({
            protocol: "tcp",
            source: entity({ namespaceSelector: `team == 'team-${n % 50}'` }),
            destination: entity({ ports: [{ kind: "named", name: "http" }] }),
          }),
        ],
        egress: [
          modelRule({ protocol: "tcp", destination: entity({ selector: "tier == 'db'", ports: tcp(5432) }) }),
          modelRule({ protocol: "udp", destination: entity({ ports: tcp(53) }) }),
        ],
      }),
    );
    if (n % 4 === 0) {
      policies.push(
        policy({
          policyKind: "np",
          name: "db-deny-dev",
          namespace: ns,
          order: 100,
          selector: "tier == 'db'",
          ingress: [
            modelRule({ action: "Log", source: entity({ namespaceSelector: "env == 'dev'" }) }),
            modelRule({ action: "Deny", source: entity({ namespaceSelector: "env == 'dev'" }) }),
          ],
        }),
      );
    }
  }
  const gnps = Math.round(namespaces / 4);
  for (let g = 0; g < gnps; g++) {
    policies.push(
      policy({
        policyKind: "gnp",
        name: `global-${g}`,
        tier: g % 2 === 0 ? "security" : "default",
        order: g,
        selector: `app == 'app-${g % 20}' && version == 'v${g % 3}'`,
        ingress: [
          modelRule({
            action: g % 3 === 0 ? "Pass" : "Allow",
            protocol: "tcp",
            source: entity({ nets: [`192.168.${g % 256}.0/24`, `172.16.${g % 256}.0/24`], notNets: [`192.168.${g % 256}.128/25`] }),
            destination: entity({ ports: [{ kind: "range", first: 9000, last: 9100 }, ...tcp(...Array.from({ length: 16 }, (_, k) => 20000 + k))] }),
          }),
          modelRule({ action: "Deny", source: entity({ selector: `set == 'blocked-${g % 200}'` }) }),
        ],
      }),
    );
  }
  const networkSets: NetworkSet[] = Array.from({ length: 200 }, (_, k) => ({
    kind: "NetworkSet",
    global: true,
    name: `blocked-${k}`,
    labels: { set: `blocked-${k}` },
    nets: [`198.51.${k}.0/24`, `203.0.${k}.0/24`],
  }));
  return model({
    tiers: [
      { kind: "Tier", name: "security", order: 100, defaultAction: "Pass" },
      { kind: "Tier", name: "default", order: 1_000_000, defaultAction: "Deny" },
    ],
    endpoints,
    policies,
    networkSets,
  });
}

function measure(m: Model, node: string) {
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const state = compile(m, { node });
  const text = renderRestore(state);
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    seconds,
    /** CPU time of this process (user + system): less sensitive to a busy machine than wall time. */
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    chains: state.chains.length,
    rules: state.chains.reduce((n, c) => n + c.rules.length, 0),
    ipsets: state.ipsets.length,
    members: state.ipsets.reduce((n, s) => n + s.members.length, 0),
    bytes: text.ipsets.length + text.iptables.length,
    heapDeltaMb: (heapAfter - heapBefore) / 2 ** 20,
  };
}

export async function run(): Promise<void> {
  const big = syntheticCluster(100_000);
  const local = big.endpoints.filter((e) => e.node === "node-1").length;
  console.log(
    `cluster: ${big.endpoints.length} pods, ${new Set(big.endpoints.map((e) => e.node)).size} nodes (${local} on node-1), ` +
      `${new Set(big.endpoints.map((e) => e.namespace)).size} namespaces, ${big.policies.length} policies`,
  );
  measure(big, "node-2"); // warm-up (JIT)
  const runs = [measure(big, "node-1"), measure(big, "node-1"), measure(big, "node-1")];
  const best = runs.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
  console.log(
    `node-1: ${best.seconds.toFixed(3)} s wall, ${best.cpuSeconds.toFixed(3)} s CPU, model→restore text (best of 3), ${best.chains} chains, ${best.rules} rules, ` +
      `${best.ipsets} ipsets, ${best.members} ipset members, ${(best.bytes / 1024).toFixed(0)} KiB of restore text`,
  );
  console.log(
    `memory: heap grew ${best.heapDeltaMb.toFixed(1)} MiB during one compile; process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (includes building the 100k-pod model)`,
  );
  console.log("scaling (pods → seconds for node-1, best of 3):");
  for (const pods of [10_000, 25_000, 50_000, 100_000]) {
    const m = pods === 100_000 ? big : syntheticCluster(pods);
    measure(m, "node-2");
    const runs = [0, 1, 2].map(() => measure(m, "node-1"));
    const wall = Math.min(...runs.map((r) => r.seconds));
    const cpu = Math.min(...runs.map((r) => r.cpuSeconds));
    console.log(`  ${String(pods).padStart(7)} pods, ${String(m.policies.length).padStart(5)} policies: ${wall.toFixed(3)} s wall, ${cpu.toFixed(3)} s CPU`);
  }
}
