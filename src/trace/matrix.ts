/**
 * The reachability matrix: the verdict of every ordered pair of distinct pods, by tracing the
 * compiled rules. A pair's verdict is its egress verdict on the source's node AND its ingress
 * verdict on the destination's node (on one node the single FORWARD walk runs the same two
 * chains, and the ingress chain starts by clearing the verdict bits, so the two do not
 * interact).
 *
 * Tracing every pair would be quadratic in traces, and 5,000 pods make 25M pairs. Instead the
 * matrix is kept at class level (see features.ts):
 * - an *egress row* is (the source's egress chain shape, its address bits on the features that
 *   shape can see); its cells are indexed by the destination's address vector;
 * - an *ingress row* is (the destination's ingress chain shape, its address bits on that shape's
 *   features); its cells are indexed by the source's address vector.
 * One trace answers every cell whose projected address bits agree, and a pair's verdict is two
 * table lookups, so pairs are expanded lazily (`pairs()`) and never all held at once.
 *
 * A node with host endpoints has raw and mangle tables and host chains on the forward path
 * (pre-DNAT, untracked and applyOnForward policies): its shapes include them (features.ts) and
 * its cells are traced through the whole path, as `explain` does, leaving the pod for the uplink
 * and arriving from it. Two pods on one such node never cross the uplink: that pair is the one
 * forward walk between their interfaces, traced alone (per pair and probe, cached).
 */
import { compareStrings } from "../resolve/ordering.js";
import type { Model, WorkloadEndpoint } from "../model/types.js";
import { FlowTracer, EPHEMERAL_SOURCE_PORT, UPLINK_INTERFACE, packetFor, type ExplainOptions, type Flow } from "./explain.js";
import { FeatureUniverse, NodeShapes } from "./features.js";
import { parseIpv4, parseIpv6, type Address } from "./ip.js";
import type { PortRange } from "./source-ports.js";
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
  /** The source port of every flow (TCP/UDP/SCTP); default EPHEMERAL_SOURCE_PORT. */
  readonly srcPort?: number;
  /**
   * The IP family traced (default 4): IPv6 takes each pod's IPv6 address (pods without one are
   * left out), the node's IPv6 rules (ip6tables, cali6 sets) and ICMPv6 for ICMP.
   */
  readonly ipVersion?: 4 | 6;
  /** Called as each node is compiled (done, total): compiling every node is most of a matrix's time. */
  readonly progress?: (done: number, total: number) => void;
}

export interface Probe {
  readonly port: number | null;
  readonly protocol: TraceProtocol;
}

export interface Matrix {
  readonly kind: "Matrix";
  readonly pods: readonly string[];
  /** Every ordered pair of distinct pods and each destination probe, in (from, to, probe) order, computed as iterated. */
  pairs(): Iterable<MatrixPair>;
  readonly pairCount: number;
  /** The verdict of one pair, or undefined when that pair/probe is not in the matrix. */
  verdict(from: string, to: string, protocol: TraceProtocol, port: number | null): Verdict | undefined;
  /** The probes of one destination pod, in order. */
  probes(to: string): readonly Probe[];
  /** How many packet traces it took (the rest came from classes). */
  readonly traces: number;
  /** The source port every flow used. */
  readonly srcPort: number;
  /** The IP family traced. */
  readonly ipVersion: 4 | 6;
  /**
   * Source port ranges the rules tell apart (ascending, covering 1..65535), when some rule
   * matches source ports; empty otherwise. A verdict holds for `srcPort` only when non-empty.
   */
  readonly sourcePortRanges: readonly PortRange[];
  /**
   * A class id per pod, in `pods` order, numbered by first appearance: pods of one class have the
   * same verdict toward every other pod and from every other pod, on the same probes (their
   * egress and ingress rows and address vectors agree on every probe), so one pair per class
   * pair speaks for all of them (the html view aggregates by it).
   */
  podClasses(): Int32Array;
  /** Class counts, for benchmarks and tests. */
  readonly classes: { readonly egressRows: number; readonly ingressRows: number; readonly addressVectors: number };
}

interface Pod {
  readonly key: string;
  readonly endpoint: WorkloadEndpoint;
  readonly ip: string;
  /** A number (IPv4) or a bigint (IPv6), for the address features. */
  readonly ipNum: Address;
  readonly node: string;
}

const PROTO_NUM: Readonly<Record<TraceProtocol, number>> = { TCP: 6, UDP: 17, SCTP: 132, ICMP: 1 };

/** Pods that can be traced: a node and an address of the family. */
function traceablePods(model: Model, namespace: string | undefined, ipVersion: 4 | 6): Pod[] {
  const parse = (a: string): Address | undefined => (ipVersion === 6 ? parseIpv6(a) : parseIpv4(a));
  const pods: Pod[] = [];
  for (const e of model.endpoints) {
    if (e.node === undefined || (namespace !== undefined && e.namespace !== namespace)) continue;
    const ip = e.ipNetworks.map((n) => n.split("/")[0] ?? "").find((a) => parse(a) !== undefined);
    if (ip === undefined) continue;
    pods.push({ key: `${e.namespace}/${e.name}`, endpoint: e, ip, ipNum: parse(ip) as Address, node: e.node });
  }
  // Namespace, then name, as separate keys: `shop/web` before `shop-db/db` ("-" sorts before "/").
  return pods.sort((a, b) => compareStrings(a.endpoint.namespace, b.endpoint.namespace) || compareStrings(a.endpoint.name, b.endpoint.name));
}

/** The (port, protocol) probes for one destination. */
function probesFor(pod: Pod, options: MatrixOptions): Probe[] {
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

/** Small integers for strings (classes, vectors), so tables are arrays. */
class Interner {
  private readonly ids = new Map<string, number>();
  readonly first: number[] = [];
  id(text: string, member: number): number {
    let v = this.ids.get(text);
    if (v === undefined) {
      v = this.ids.size;
      this.ids.set(text, v);
      this.first.push(member);
    }
    return v;
  }
  get size(): number {
    return this.ids.size;
  }
}

const project = (vector: string, features: readonly number[]): string => {
  let s = "";
  for (const f of features) s += vector[f];
  return s;
};

const ALLOW = 1;
const DENY = 2;

/** One (protocol, port) probe over the pods that have it as destination. */
interface ProbePlan {
  readonly probe: Probe;
  /** Source pod → egress row. */
  readonly egressRow: Int32Array;
  /** Source pod → source address vector (ingress column). */
  readonly srcVector: Int32Array;
  /** Destination pod → ingress row, -1 when the pod does not have this probe. */
  readonly ingressRow: Int32Array;
  /** Destination pod → destination address vector (egress column). */
  readonly dstVector: Int32Array;
  /** egress[row * dstVectors + column], ingress[row * srcVectors + column]: ALLOW or DENY. */
  readonly egress: Uint8Array;
  readonly ingress: Uint8Array;
  readonly dstVectors: number;
  readonly srcVectors: number;
}

export function reachabilityMatrix(model: Model, options: MatrixOptions = {}): Matrix {
  const tracer = new FlowTracer(model, options);
  const srcPort = options.srcPort ?? EPHEMERAL_SOURCE_PORT;
  const family = options.ipVersion ?? 4;
  const pods = traceablePods(model, options.namespace, family);
  const nodes = [...new Set(pods.map((p) => p.node))].sort();
  const universe = new FeatureUniverse();
  const shapes = new Map(
    nodes.map((n, i) => {
      const shape = new NodeShapes(tracer.shapeSource(n, family), universe, n);
      options.progress?.(i + 1, nodes.length);
      return [n, shape] as const;
    }),
  );
  const shapeIds = new Interner();
  const shapeFeatures: (readonly number[])[] = [];
  const shapeOf = (p: Pod, direction: "egress" | "ingress"): number => {
    const s = (shapes.get(p.node) as NodeShapes).endpoint(direction, p.endpoint.interfaceName);
    const id = shapeIds.id(s.fingerprint, -1);
    shapeFeatures[id] = s.features;
    return id;
  };
  const egressShape = pods.map((p) => shapeOf(p, "egress"));
  const ingressShape = pods.map((p) => shapeOf(p, "ingress"));
  const portRanges = tracer.sourcePortRanges(nodes, family);

  // A node with host endpoints: its cells trace the whole forward path (forwardVerdict), and two
  // of its own pods never cross the uplink's host endpoint, so such a pair is walked alone.
  const hostNodes = new Set(nodes.filter((n) => model.hostEndpoints.some((h) => h.node === n) || tracer.hostPathNode(n, family)));
  const probeLists = pods.map((p) => probesFor(p, options));
  const probeIds = new Map<string, Probe>();
  for (const list of probeLists) for (const pr of list) probeIds.set(`${pr.protocol}/${String(pr.port)}`, pr);
  let traces = 0;
  let addressVectors = 0;
  let egressRows = 0;
  let ingressRows = 0;

  const plan = (probe: Probe): ProbePlan => {
    // ICMP probes of the IPv6 matrix are ICMPv6 (58), as packetFor makes them.
    const proto = family === 6 && probe.protocol === "ICMP" ? 58 : PROTO_NUM[probe.protocol];
    const hasPorts = probe.port !== null;
    const srcVecs = new Interner();
    const dstVecs = new Interner();
    const srcVecText: string[] = [];
    const dstVecText: string[] = [];
    const srcVector = new Int32Array(pods.length);
    const dstVector = new Int32Array(pods.length).fill(-1);
    pods.forEach((p, i) => {
      const v = universe.vector(p.ipNum, proto, hasPorts ? srcPort : undefined);
      srcVector[i] = srcVecs.id(v, i);
      srcVecText[srcVector[i] as number] = v;
      if (!probeLists[i]?.some((x) => x.protocol === probe.protocol && x.port === probe.port)) return;
      const d = universe.vector(p.ipNum, proto, probe.port ?? undefined);
      dstVector[i] = dstVecs.id(d, i);
      dstVecText[dstVector[i] as number] = d;
    });
    addressVectors += srcVecs.size + dstVecs.size;
    const flow = (from: Pod, to: Pod): Flow => ({ from: { kind: "ip", ip: from.ip }, to: { kind: "ip", ip: to.ip }, protocol: probe.protocol, srcPort, ...(probe.port !== null && { port: probe.port }) });

    /**
     * One side's verdicts: a row per class, a cell per address vector of the other side. Cells
     * whose bits agree on the row's features share one trace.
     */
    const verdictTable = (
      rows: Interner,
      cols: Interner,
      featuresOf: (rep: number) => number[],
      colText: (col: number) => string,
      traceCell: (rep: number, colRep: number) => Verdict,
    ): Uint8Array => {
      const table = new Uint8Array(rows.size * cols.size);
      rows.first.forEach((rep, row) => {
        const features = featuresOf(rep);
        const byBits = new Map<string, number>();
        cols.first.forEach((colRep, col) => {
          const bits = project(colText(col), features);
          let v = byBits.get(bits);
          if (v === undefined) {
            traces++;
            v = traceCell(rep, colRep) === "allow" ? ALLOW : DENY;
            byBits.set(bits, v);
          }
          table[row * cols.size + col] = v;
        });
      });
      return table;
    };

    // Egress rows: (shape, source bits on its features); cells by destination vector, traced
    // once per distinct destination bits on the same features.
    const eRows = new Interner();
    const egressRow = new Int32Array(pods.length);
    pods.forEach((p, i) => {
      const shape = egressShape[i] as number;
      egressRow[i] = eRows.id(`${shape}\u0000${project(srcVecText[srcVector[i] as number] as string, shapeFeatures[shape] as number[])}`, i);
    });
    const egress = verdictTable(eRows, dstVecs, (rep) => shapeFeatures[egressShape[rep] as number] as number[], (col) => dstVecText[col] as string, (rep, dRep) => {
      const from = pods[rep] as Pod;
      const to = pods[dRep] as Pod;
      return tracer.forwardVerdict(from.node, packetFor(flow(from, to), from.ip, to.ip, from.endpoint.interfaceName, UPLINK_INTERFACE, family), family);
    });

    const iRows = new Interner();
    const ingressRow = new Int32Array(pods.length).fill(-1);
    pods.forEach((p, i) => {
      if ((dstVector[i] as number) < 0) return;
      const shape = ingressShape[i] as number;
      ingressRow[i] = iRows.id(`${shape}\u0000${project(dstVecText[dstVector[i] as number] as string, shapeFeatures[shape] as number[])}`, i);
    });
    const ingress = verdictTable(iRows, srcVecs, (rep) => shapeFeatures[ingressShape[rep] as number] as number[], (col) => srcVecText[col] as string, (rep, sRep) => {
      const from = pods[sRep] as Pod;
      const to = pods[rep] as Pod;
      return tracer.forwardVerdict(to.node, packetFor(flow(from, to), from.ip, to.ip, UPLINK_INTERFACE, to.endpoint.interfaceName, family), family);
    });
    egressRows += eRows.size;
    ingressRows += iRows.size;
    return { probe, egressRow, srcVector, ingressRow, dstVector, egress, ingress, dstVectors: dstVecs.size, srcVectors: srcVecs.size };
  };

  const plans = new Map<string, ProbePlan>();
  for (const [k, pr] of [...probeIds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) plans.set(k, plan(pr));
  const podIndex = new Map(pods.map((p, i) => [p.key, i]));
  const planLists = probeLists.map((list) => list.map((pr) => plans.get(`${pr.protocol}/${String(pr.port)}`) as ProbePlan));
  const cell = (pl: ProbePlan, f: number, t: number): Verdict => {
    const e = pl.egress[(pl.egressRow[f] as number) * pl.dstVectors + (pl.dstVector[t] as number)];
    if (e === DENY) return "deny";
    return pl.ingress[(pl.ingressRow[t] as number) * pl.srcVectors + (pl.srcVector[f] as number)] === ALLOW ? "allow" : "deny";
  };
  const walked = new Map<string, Verdict>();
  const walk = (pl: ProbePlan, f: number, t: number): Verdict => {
    const key = `${f}\u0000${t}\u0000${pl.probe.protocol}/${String(pl.probe.port)}`;
    let v = walked.get(key);
    if (v === undefined) {
      traces++;
      const from = (pods[f] as Pod).endpoint;
      const to = (pods[t] as Pod).endpoint;
      v = tracer.explain({
        from: { kind: "pod", namespace: from.namespace, name: from.name },
        to: { kind: "pod", namespace: to.namespace, name: to.name },
        protocol: pl.probe.protocol,
        ...(pl.probe.port !== null && { port: pl.probe.port }),
        ...(pl.probe.protocol !== "ICMP" && { srcPort }),
        ipVersion: family,
      }).verdict;
      walked.set(key, v);
    }
    return v;
  };
  const cellOf = (pl: ProbePlan, f: number, t: number): Verdict => {
    const node = (pods[f] as Pod).node;
    return node === (pods[t] as Pod).node && hostNodes.has(node) ? walk(pl, f, t) : cell(pl, f, t);
  };
  const perSource = planLists.reduce((n, l) => n + l.length, 0);

  return {
    kind: "Matrix",
    pods: pods.map((p) => p.key),
    pairCount: pods.length === 0 ? 0 : (pods.length - 1) * perSource,
    get traces() {
      return traces;
    },
    srcPort,
    ipVersion: family,
    sourcePortRanges: portRanges,
    classes: { egressRows, ingressRows, addressVectors },
    *pairs(): Iterable<MatrixPair> {
      for (let f = 0; f < pods.length; f++) {
        const from = (pods[f] as Pod).key;
        for (let t = 0; t < pods.length; t++) {
          if (t === f) continue;
          const to = (pods[t] as Pod).key;
          for (const pl of planLists[t] as ProbePlan[]) yield { from, to, port: pl.probe.port, protocol: pl.probe.protocol, verdict: cellOf(pl, f, t) };
        }
      }
    },
    verdict(from, to, protocol, port) {
      const f = podIndex.get(from);
      const t = podIndex.get(to);
      if (f === undefined || t === undefined || f === t) return undefined;
      const pl = planLists[t]?.find((x) => x.probe.protocol === protocol && x.probe.port === port);
      return pl ? cellOf(pl, f, t) : undefined;
    },
    podClasses() {
      const ids = new Interner();
      const classes = new Int32Array(pods.length);
      const planList = [...plans.values()];
      for (let i = 0; i < pods.length; i++) {
        const key = planList.map((pl) => `${pl.egressRow[i] as number},${pl.srcVector[i] as number},${pl.ingressRow[i] as number},${pl.dstVector[i] as number}`).join(";");
        classes[i] = ids.id(key, i);
      }
      return classes;
    },
    probes(to) {
      const t = podIndex.get(to);
      return t === undefined ? [] : (planLists[t] as ProbePlan[]).map((pl) => pl.probe);
    },
  };
}

export interface MatrixChange {
  readonly from: string;
  readonly to: string;
  readonly port: number | null;
  readonly protocol: TraceProtocol;
  readonly change: "opened" | "closed";
}

/** The pairs present in both matrices whose verdict differs, in the after matrix's order. */
export function matrixChanges(before: Pick<Matrix, "verdict">, after: Pick<Matrix, "pairs">): MatrixChange[] {
  const out: MatrixChange[] = [];
  for (const p of after.pairs()) {
    const was = before.verdict(p.from, p.to, p.protocol, p.port);
    if (was === undefined || was === p.verdict) continue;
    out.push({ from: p.from, to: p.to, port: p.port, protocol: p.protocol, change: p.verdict === "allow" ? "opened" : "closed" });
  }
  return out;
}
