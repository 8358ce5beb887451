/**
 * Agent engine per-batch cost for the two cases the engine used to compile whole:
 *
 * - dual stack: the engine benchmark's 100,000-pod cluster with every pod also given an IPv6
 *   address (fd00::…), the same endpoint event stream (50 events per batch, dual-stack pods);
 *   per batch the IPv4 and IPv6 desired states. Before: engine.update (IPv4) plus the daemon's
 *   compile(engine.model(), { ipVersion: 6 }); now: engine.update gives both (desired6).
 * - host endpoints: the IPv4 cluster plus two host endpoints on node-1 (eth0 and `*`) selected by
 *   a preDNAT, a doNotTrack (eth0 only) and an applyOnForward global policy; same event stream.
 *   Before: engine.update ran compile() whole per batch; now it is incremental.
 *
 * The same file runs against the code before this change (the timed calls exist in both), so the
 * two figures are measured, not estimated. Seeded; `FAMILIES_BENCH_BATCHES` (default 20).
 */
import { AgentEngine, type SourceChange } from "../../src/agent/engine/index.js";
import { compile } from "../../src/render/compile.js";
import type { DataplaneState } from "../../src/render/types.js";
import { endpointEvents, put, syntheticSources } from "../agent/engine/cluster.js";

const PODS = 100_000;
const BATCHES = Number(process.env.FAMILIES_BENCH_BATCHES ?? 20);
const PER_BATCH = 50;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

/** 10.a.b.c → fd00::a:bc (one IPv6 address per IPv4 one). */
const v6Of = (v4: string): string => {
  const [, a, b, c] = v4.split(".").map(Number) as [number, number, number, number];
  return `fd00::${a.toString(16)}:${((b << 8) | c).toString(16)}`;
};

/** A pod source given its IPv6 address too (other sources unchanged). */
function dual(change: SourceChange): SourceChange {
  if (change.kind !== "put" || !change.text.includes('"kind":"Pod"')) return change;
  const pod = JSON.parse(change.text) as { status?: { podIP?: string; podIPs?: { ip: string }[] } };
  const ip = pod.status?.podIP;
  if (ip === undefined || pod.status === undefined) return change;
  pod.status.podIPs = [{ ip }, { ip: v6Of(ip) }];
  return put(change.name, JSON.stringify(pod));
}

const gnp = (name: string, spec: Record<string, unknown>): SourceChange =>
  put(`/calico/resources/v3/projectcalico.org/globalnetworkpolicies/${name}`, JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name }, spec }));
const hep = (name: string, iface: string, labels: Record<string, string>): SourceChange =>
  put(`/calico/resources/v3/projectcalico.org/hostendpoints/${name}`, JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name, labels }, spec: { node: "node-1", interfaceName: iface, expectedIPs: iface === "*" ? [] : ["192.0.2.10"] } }));

const HOSTS: SourceChange[] = [
  hep("node-1-eth0", "eth0", { role: "edge", host: "node-1" }),
  hep("node-1-all", "*", { role: "node", host: "node-1" }),
  gnp("hep-prednat", { selector: "role == 'edge'", preDNAT: true, applyOnForward: true, ingress: [{ action: "Deny", source: { nets: ["198.51.100.0/24"] } }] }),
  gnp("hep-untracked", { selector: "role == 'edge'", doNotTrack: true, applyOnForward: true, ingress: [{ action: "Allow", protocol: "UDP", destination: { ports: [53] } }], egress: [{ action: "Allow", protocol: "UDP", source: { ports: [53] } }] }),
  gnp("hep-forward", { selector: "has(host)", applyOnForward: true, ingress: [{ action: "Allow", source: { selector: "app == 'app-1'" } }], egress: [{ action: "Allow" }] }),
];

interface Engine6 {
  current6?: () => DataplaneState | undefined;
}

function measure(label: string, cluster: ReturnType<typeof syntheticSources>, sources: SourceChange[], mapEvent: (c: SourceChange) => SourceChange, ipv6: boolean): void {
  const engine = new AgentEngine({ node: "node-1" });
  const incremental6 = typeof (engine as unknown as Engine6).current6 === "function";
  const t0 = performance.now();
  const first = engine.update(sources);
  const load = (performance.now() - t0) / 1000;
  if (first.rejected.length > 0) throw new Error(`synthetic input rejected: ${first.rejected.slice(0, 3).join(", ")}`);
  const events = endpointEvents(cluster, "node-1");
  const times: number[] = [];
  let chains6 = 0;
  for (let b = 0; b < BATCHES; b++) {
    const batch = Array.from({ length: PER_BATCH }, () => mapEvent(events.next()));
    const t = performance.now();
    const u = engine.update(batch);
    // The daemon's IPv6 state per batch: compiled from the model before, kept by the engine now.
    const s6 = ipv6 ? (incremental6 ? (u as { desired6?: DataplaneState }).desired6 : compile(engine.model(), { node: "node-1", ipVersion: 6 })) : undefined;
    times.push(performance.now() - t);
    if (ipv6 && s6 === undefined) throw new Error("no IPv6 state for a dual-stack cluster");
    chains6 = s6?.chains.length ?? 0;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const s = engine.current();
  console.log(
    `${label} (${incremental6 ? "incremental" : "whole compile per batch"}): initial load ${load.toFixed(1)} s; ${BATCHES} batches x ${PER_BATCH} endpoint events: ` +
      `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted[sorted.length - 1] as number).toFixed(1)} ms ` +
      `(node-1: ${s.chains.length} filter chains${s.tables ? `, ${s.tables.map((t) => `${t.table} ${t.chains.length}`).join(", ")}` : ""}${ipv6 ? `; IPv6 ${chains6} chains` : ""})`,
  );
}

export async function run(): Promise<void> {
  const cluster = syntheticSources(PODS);
  measure("dual-stack cluster, IPv4 + IPv6 states", cluster, cluster.sources.map(dual), dual, true);
  measure("node with host endpoints (preDNAT, doNotTrack, applyOnForward)", cluster, [...cluster.sources, ...HOSTS], (c) => c, false);
}
