/**
 * The reachability matrix: the verdict of every ordered pair of distinct pods, by tracing the
 * compiled rules. A pair's verdict is its egress verdict on the source's node AND its ingress
 * verdict on the destination's node (on one node the single FORWARD walk runs the same two
 * chains, and the ingress chain starts by clearing the verdict bits, so the two do not
 * interact).
 *
 * Tracing every pair would be quadratic in traces. Instead pods are grouped by equivalence: a
 * pod's egress behaviour depends only on its node and its egress chain's rules, and how it looks
 * to other pods' rules depends only on its "address signature" (which ipsets and which rule
 * CIDRs contain its IP, and which named-port set entries it has for the probed port). One trace
 * per (egress class, destination signature) and per (ingress class, source signature) then
 * answers every pair.
 */
import type { Model, WorkloadEndpoint } from "../model/types.js";
import { FlowTracer, EPHEMERAL_SOURCE_PORT, UPLINK_INTERFACE, packetFor, type ExplainOptions, type Flow } from "./explain.js";
import { inNet, parseIpv4, parseIpv4Net, type Ipv4Net } from "./ip.js";
import { setLookup, type SetLookup } from "./sets.js";
import type { TraceProtocol, Verdict } from "./types.js";

export interface MatrixPair {
  readonly from: string;
  readonly to: string;
  /** null for ICMP. */
  readonly port: number | null;
  readonly protocol: TraceProtocol;
  readonly verdict: Verdict;
}

export interface MatrixOptions extends ExplainOptions {
  /** One port for every destination; without it, each destination's declared ports (80/TCP if none). */
  readonly port?: number;
  readonly protocol?: TraceProtocol;
  /** Only pods of this namespace (as source and destination). */
  readonly namespace?: string;
}

export interface Matrix {
  readonly kind: "Matrix";
  readonly pods: readonly string[];
  readonly pairs: readonly MatrixPair[];
  /** How many packet traces it took (the rest came from equivalence classes). */
  readonly traces: number;
}

interface Pod {
  readonly key: string;
  readonly endpoint: WorkloadEndpoint;
  readonly ip: string;
  readonly ipNum: number;
  readonly node: string;
}

const PROTO_NUM: Readonly<Record<TraceProtocol, number>> = { TCP: 6, UDP: 17, SCTP: 132, ICMP: 1 };

/** Pods that can be traced: a node and an IPv4 address. */
function traceablePods(model: Model, namespace: string | undefined): Pod[] {
  const pods: Pod[] = [];
  for (const e of model.endpoints) {
    if (e.node === undefined || (namespace !== undefined && e.namespace !== namespace)) continue;
    const ip = e.ipNetworks.map((n) => n.split("/")[0] ?? "").find((a) => parseIpv4(a) !== undefined);
    if (ip === undefined) continue;
    pods.push({ key: `${e.namespace}/${e.name}`, endpoint: e, ip, ipNum: parseIpv4(ip) as number, node: e.node });
  }
  return pods.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The (port, protocol) probes for one destination. */
function probesFor(pod: Pod, options: MatrixOptions): { port: number | null; protocol: TraceProtocol }[] {
  const protocol = options.protocol ?? "TCP";
  if (protocol === "ICMP") return [{ port: null, protocol }];
  if (options.port !== undefined) return [{ port: options.port, protocol }];
  const declared = pod.endpoint.ports
    .filter((p) => options.protocol === undefined || p.protocol === protocol.toLowerCase())
    .map((p) => ({ port: p.port, protocol: p.protocol.toUpperCase() as TraceProtocol }));
  const unique = [...new Map(declared.map((d) => [`${d.protocol}/${d.port}`, d])).values()];
  unique.sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
  return unique.length > 0 ? unique : [{ port: 80, protocol }];
}

/** Everything in the compiled states that can tell two addresses apart. */
class AddressFeatures {
  private readonly sets: SetLookup[] = [];
  private readonly nets: Ipv4Net[] = [];

  constructor(tracer: FlowTracer, nodes: readonly string[]) {
    const setNames = new Set<string>();
    const netTexts = new Set<string>();
    for (const node of nodes) {
      const { state } = tracer.compiled(node);
      for (const s of state.ipsets) {
        if (setNames.has(s.name)) continue;
        setNames.add(s.name);
        this.sets.push(setLookup(s));
      }
      for (const c of state.chains) {
        for (const r of c.rules) for (const m of r.match.matchAll(/--(?:source|destination) (\S+)/g)) netTexts.add(m[1] as string);
      }
    }
    for (const t of [...netTexts].sort()) {
      const n = parseIpv4Net(t);
      if (n) this.nets.push(n);
    }
  }

  signature(ip: number, protocol: number, port: number | undefined): string {
    let s = "";
    for (const set of this.sets) s += set.has(ip, protocol, port) ? "1" : "0";
    for (const n of this.nets) s += inNet(ip, n) ? "1" : "0";
    return s;
  }
}

export function reachabilityMatrix(model: Model, options: MatrixOptions = {}): Matrix {
  const tracer = new FlowTracer(model, options);
  const pods = traceablePods(model, options.namespace);
  const nodes = [...new Set(pods.map((p) => p.node))].sort();
  const features = new AddressFeatures(tracer, nodes);
  const chainBody = (node: string, chain: string): string => {
    const c = tracer.compiled(node).state.chains.find((x) => x.name === chain);
    return c ? c.rules.map((r) => `${r.match}\u0001${r.action}`).join("\u0002") : "";
  };
  // Classes and signatures as small integers, so a cache key is two numbers.
  const ids = new Map<string, number>();
  const id = (text: string): number => {
    let v = ids.get(text);
    if (v === undefined) ids.set(text, (v = ids.size));
    return v;
  };
  const egressClass = pods.map((p) => id(`${p.node}\u0000${chainBody(p.node, `cali-fw-${p.endpoint.interfaceName}`)}`));
  const ingressClass = pods.map((p) => id(`${p.node}\u0000${chainBody(p.node, `cali-tw-${p.endpoint.interfaceName}`)}`));

  const verdicts = new Map<string, Verdict>();
  let traces = 0;
  const cached = (key: string, compute: () => Verdict): Verdict => {
    let v = verdicts.get(key);
    if (v === undefined) {
      v = compute();
      traces++;
      verdicts.set(key, v);
    }
    return v;
  };
  // A source's signature depends on the probe's protocol only (the source port is fixed).
  const srcSigs = new Map<string, number[]>();
  const srcSigsFor = (protocol: TraceProtocol, hasPort: boolean): number[] => {
    const k = `${protocol}/${hasPort}`;
    let sigs = srcSigs.get(k);
    if (!sigs) {
      const proto = PROTO_NUM[protocol];
      sigs = pods.map((p) => id(features.signature(p.ipNum, proto, hasPort ? EPHEMERAL_SOURCE_PORT : undefined)));
      srcSigs.set(k, sigs);
    }
    return sigs;
  };

  // Each destination's probes with its signature, once; then pairs in (from, to, port) order.
  const targets = pods.map((to) =>
    probesFor(to, options).map((probe) => ({
      probe,
      flow: { from: { kind: "ip", ip: "0.0.0.0" }, to: { kind: "ip", ip: to.ip }, protocol: probe.protocol, ...(probe.port !== null && { port: probe.port }) } as Flow,
      dstSig: id(features.signature(to.ipNum, PROTO_NUM[probe.protocol], probe.port ?? undefined)),
      probeKey: id(`${probe.protocol}/${String(probe.port)}`),
      sigs: srcSigsFor(probe.protocol, probe.port !== null),
    })),
  );
  const pairs: MatrixPair[] = [];
  pods.forEach((from, f) => {
    pods.forEach((to, t) => {
      if (from === to) return;
      for (const { probe, flow, dstSig, probeKey, sigs } of targets[t] ?? []) {
        const egress = cached(`e${probeKey},${egressClass[f] as number},${dstSig}`, () =>
          tracer.trace(from.node, packetFor(flow, from.ip, to.ip, from.endpoint.interfaceName, UPLINK_INTERFACE)).verdict,
        );
        const verdict =
          egress === "deny"
            ? "deny"
            : cached(`i${probeKey},${ingressClass[t] as number},${String(sigs[f])}`, () =>
                tracer.trace(to.node, packetFor(flow, from.ip, to.ip, UPLINK_INTERFACE, to.endpoint.interfaceName)).verdict,
              );
        pairs.push({ from: from.key, to: to.key, port: probe.port, protocol: probe.protocol, verdict });
      }
    });
  });
  return { kind: "Matrix", pods: pods.map((p) => p.key), pairs, traces };
}


export interface MatrixChange {
  readonly from: string;
  readonly to: string;
  readonly port: number | null;
  readonly protocol: TraceProtocol;
  readonly change: "opened" | "closed";
}

/** The pairs present in both matrices whose verdict differs. */
export function matrixChanges(before: Matrix, after: Matrix): MatrixChange[] {
  const key = (p: MatrixPair): string => `${p.from}\u0000${p.to}\u0000${String(p.port)}\u0000${p.protocol}`;
  const old = new Map(before.pairs.map((p) => [key(p), p.verdict]));
  const out: MatrixChange[] = [];
  for (const p of after.pairs) {
    const was = old.get(key(p));
    if (was === undefined || was === p.verdict) continue;
    out.push({ from: p.from, to: p.to, port: p.port, protocol: p.protocol, change: p.verdict === "allow" ? "opened" : "closed" });
  }
  return out;
}

/** A grid per (protocol, port): rows sources, columns destinations, grouped by namespace. */
export function renderMatrixText(m: Matrix): string {
  const groups = new Map<string, Map<string, Verdict>>();
  for (const p of m.pairs) {
    const g = `${p.protocol}${p.port === null ? "" : `/${p.port}`}`;
    let cells = groups.get(g);
    if (!cells) groups.set(g, (cells = new Map()));
    cells.set(`${p.from}\u0000${p.to}`, p.verdict);
  }
  const out: string[] = [];
  const width = Math.max(7, ...m.pods.map((p) => p.length));
  for (const [label, cells] of groups) {
    const cols = m.pods.filter((to) => m.pods.some((from) => cells.has(`${from}\u0000${to}`)));
    out.push(`${label}: . allow, X deny, - same pod, blank not probed; columns:`);
    cols.forEach((c, i) => out.push(`  ${String(i + 1).padStart(3)} ${c}`));
    const nsOf = (k: string): string => k.split("/")[0] ?? "";
    const header = cols.map((c, i) => (i > 0 && nsOf(cols[i - 1] as string) !== nsOf(c) ? "| " : "") + String((i + 1) % 10)).join(" ");
    out.push(`${"".padEnd(width)}  ${header}`);
    let lastNs: string | undefined;
    for (const from of m.pods) {
      if (lastNs !== undefined && lastNs !== nsOf(from)) out.push("");
      lastNs = nsOf(from);
      const row = cols.map((to, i) => {
        const sep = i > 0 && nsOf(cols[i - 1] as string) !== nsOf(to) ? "| " : "";
        if (from === to) return `${sep}-`;
        const v = cells.get(`${from}\u0000${to}`);
        return sep + (v === undefined ? " " : v === "allow" ? "." : "X");
      });
      out.push(`${from.padEnd(width)}  ${row.join(" ")}`);
    }
    out.push("");
  }
  return out.join("\n");
}
