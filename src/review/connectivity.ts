/**
 * The pairs a change flips, computed from what it touches (touched.ts), not from two whole
 * matrices. A pair's verdict is its source's egress chain AND its destination's ingress chain;
 * a pair can flip only when one of the two pods is touched. So:
 *
 * 1. the touched pods are compiled on one virtual node per version (a workload's endpoint chain
 *    holds nothing of the node it runs on; every other pod keeps its node, which is never
 *    compiled, so set members are exactly the cluster's);
 * 2. each touched pod's chain is asked about every peer (pods and the outside CIDRs rules name),
 *    in both versions; a peer whose answer differs, or that is touched too, is a candidate;
 * 3. only the candidates' other side is needed: an untouched peer runs the same chain in both
 *    versions, and every untouched pod with the same policies and profiles runs the same chain,
 *    so one representative per such class is compiled (once, with the head version) instead of
 *    the peers' nodes.
 *
 * Traces are shared as in the class matrix (trace/matrix.ts): a chain's answer depends on the
 * packet only through the features (ipsets, CIDRs) its rules can see, so peers with the same
 * bits on a chain's features share one trace.
 */
import type { SourceFile } from "../diagnostics/types.js";
import type { Model, WorkloadEndpoint } from "../model/types.js";
import { endpointChainName, profileChainName } from "../render/names.js";
import type { CompiledWithOrigins } from "../render/origins.js";
import { FlowTracer, EPHEMERAL_SOURCE_PORT, UPLINK_INTERFACE, type Decision } from "../trace/explain.js";
import { FeatureUniverse, NodeShapes, iptShapeSource, type Feature } from "../trace/features.js";
import { formatIpv4, formatIpv6, inNet, inNet6, parseIpv4, parseIpv4Net, parseIpv6, parseIpv6Net, type Address } from "../trace/ip.js";
import { netMembers } from "../trace/sets.js";
import { tracerFor } from "../trace/walk.js";
import type { Packet, TraceStep } from "../trace/types.js";
import { probeKey, type ProbePlan, type ReviewProbe } from "./probes.js";
import { meaningOf, type Touched } from "./touched.js";
import type { FlippedPair, OneVersionPair, ReviewDecision, ReviewSideVerdict } from "./types.js";

/** Node names no Kubernetes node can have (`~` is not a DNS character). */
const TOUCHED_NODE = "review~touched";
const PEERS_NODE = "review~peers";

const PROTO_NUM = { TCP: 6, UDP: 17, SCTP: 132 } as const;

/** One compiled version: a virtualized model, its tracer and its features, for one IP family. */
class Compiled {
  readonly tracer: FlowTracer;
  readonly universe = new FeatureUniverse();
  private readonly shapes = new Map<string, NodeShapes>();
  private readonly shapeIds = new Map<string, number>();
  private readonly shapeOf = new Map<string, { id: number; features: readonly number[] }>();

  constructor(
    readonly model: Model,
    sources: readonly SourceFile[],
    readonly family: 4 | 6,
  ) {
    this.tracer = new FlowTracer(model, { sources });
  }

  compiled(node: string): CompiledWithOrigins {
    return this.tracer.compiled(node, this.family);
  }

  shape(node: string, direction: "ingress" | "egress", iface: string): { id: number; features: readonly number[] } {
    const key = `${node}\u0000${direction}\u0000${iface}`;
    let s = this.shapeOf.get(key);
    if (s) return s;
    let ns = this.shapes.get(node);
    if (!ns) this.shapes.set(node, (ns = new NodeShapes(iptShapeSource(this.compiled(node).state), this.universe, node)));
    const shape = ns.endpoint(direction, iface);
    let id = this.shapeIds.get(shape.fingerprint);
    if (id === undefined) this.shapeIds.set(shape.fingerprint, (id = this.shapeIds.size));
    s = { id, features: shape.features };
    this.shapeOf.set(key, s);
    return s;
  }

  trace(node: string, packet: Packet): { verdict: "allow" | "deny"; step?: TraceStep } {
    const c = this.compiled(node);
    const t = tracerFor(c.state, c.origins).trace(packet);
    const step = t.endpoints[0]?.decidedBy ?? t.final;
    return { verdict: t.verdict, ...(step && { step }) };
  }
}

interface Result {
  readonly verdict: "allow" | "deny";
  readonly decision?: Decision;
}

/**
 * One version's addresses, by peer index (the pods, then the outside peers), with the indices
 * in address order: a net or a set member is a range of addresses, so the peers inside it are
 * found by binary search instead of asking every peer about every feature.
 */
export class Addresses {
  /** Peer indices sorted by address. */
  private readonly order: Int32Array;

  constructor(
    readonly ip: readonly Address[],
    readonly text: readonly string[],
    readonly family: 4 | 6,
  ) {
    this.order = Int32Array.from(ip.keys()).sort((a, b) => {
      const x = ip[a] as Address;
      const y = ip[b] as Address;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
  }

  get length(): number {
    return this.ip.length;
  }

  /** The peers whose address is in [first, last], appended to `out`. */
  inRange(first: Address, last: Address, out: number[]): void {
    const { order, ip } = this;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ip[order[mid] as number] as Address) < first) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < order.length; k++) {
      const i = order[k] as number;
      if ((ip[i] as Address) > last) break;
      out.push(i);
    }
  }

  /** The peers inside a network (prefix bits of `network`). */
  inNetwork(network: Address, prefix: number, out: number[]): void {
    if (this.family === 4) {
      if (typeof network !== "number") return;
      this.inRange(network, network + 2 ** (32 - prefix) - 1, out);
    } else {
      if (typeof network !== "bigint") return;
      this.inRange(network, network + (1n << BigInt(128 - prefix)) - 1n, out);
    }
  }
}

/**
 * One endpoint chain's answers for one probe, by peer: peers are split into classes by their
 * bits on the chain's features, and a class is traced once, for its first peer asked about.
 */
export class ChainRow {
  private readonly results: (Result | undefined)[] = [];

  constructor(
    /** Peer index → class. */
    readonly classes: Int32Array,
    /** Classes are below this. */
    readonly classCount: number,
    private readonly traceFor: (peer: number) => Result,
  ) {}

  get(peer: number): Result {
    const c = this.classes[peer] as number;
    let r = this.results[c];
    if (!r) this.results[c] = r = this.traceFor(peer);
    return r;
  }

  private readonly diffs = new Map<ChainRow, Int32Array>();

  /**
   * The peers whose verdict differs between this row and `other` (the same chain in the other
   * version), ascending: compared once per pair of classes, then by table lookup per peer.
   */
  differing(other: ChainRow): Int32Array {
    let d = this.diffs.get(other);
    if (d) return d;
    const a = this.classes;
    const b = other.classes;
    const width = other.classCount;
    // 0 unknown, 1 same, 2 differs: per (class here, class there).
    const known = new Uint8Array(this.classCount * width);
    const out: number[] = [];
    for (let s = 0; s < a.length; s++) {
      const k = (a[s] as number) * width + (b[s] as number);
      let v = known[k] as number;
      if (v === 0) known[k] = v = this.get(s).verdict === other.get(s).verdict ? 1 : 2;
      if (v === 2) out.push(s);
    }
    this.diffs.set(other, (d = Int32Array.from(out)));
    return d;
  }
}

/** Asks one compiled version's chains about peers, with one version's addresses. */
class Oracle {
  /** Feature (and port-bound probe) → the peers inside it, ascending. */
  private readonly hits = new Map<string, Int32Array>();
  private readonly classCache = new Map<string, { classes: Int32Array; count: number }>();
  private readonly rows = new Map<string, ChainRow>();
  traces = 0;

  constructor(
    private readonly compiled: Compiled,
    private readonly addresses: Addresses,
  ) {}

  private portBound(f: number): boolean {
    const feature = this.compiled.universe.features[f] as Feature;
    return feature.kind === "set" && feature.lookup.type === "hash:ip,port";
  }

  private featureHits(f: number, role: "src" | "dst", probe: ReviewProbe): Int32Array {
    const feature = this.compiled.universe.features[f] as Feature;
    const portBound = this.portBound(f);
    const key = `${f}\u0000${portBound ? `${role}${probeKey(probe)}` : ""}`;
    let a = this.hits.get(key);
    if (a) return a;
    const out: number[] = [];
    const addr = this.addresses;
    if (feature.kind === "net" || feature.kind === "net6") addr.inNetwork(feature.net.network, feature.net.prefix, out);
    else {
      const nets = feature.kind === "set" ? netMembers(feature.lookup) : undefined;
      if (nets) for (const n of nets) addr.inNetwork(n.network, n.prefix, out);
      else if (feature.kind === "set") {
        const proto = PROTO_NUM[probe.protocol];
        const port = role === "dst" ? probe.port : EPHEMERAL_SOURCE_PORT;
        for (let i = 0; i < addr.length; i++) if (feature.lookup.has(addr.ip[i] as Address, proto, port)) out.push(i);
      }
    }
    a = Int32Array.from(new Set(out)).sort();
    this.hits.set(key, a);
    return a;
  }

  /**
   * Refines classes by the features' hits: a peer inside a feature moves to a new class per old
   * class, the others keep theirs (a feature no peer or every peer is in splits nothing).
   */
  private refine(start: { classes: Int32Array; count: number }, features: readonly number[], role: "src" | "dst", probe: ReviewProbe): { classes: Int32Array; count: number } {
    let cur = start.classes;
    let count = start.count;
    let copied = false;
    for (const f of features) {
      const hits = this.featureHits(f, role, probe);
      if (hits.length === 0 || hits.length === cur.length) continue;
      if (!copied) {
        cur = cur.slice();
        copied = true;
      }
      const moved = new Map<number, number>();
      for (let k = 0; k < hits.length; k++) {
        const i = hits[k] as number;
        const old = cur[i] as number;
        let id = moved.get(old);
        if (id === undefined) moved.set(old, (id = count++));
        cur[i] = id;
      }
    }
    if (!copied) return { classes: cur, count };
    // Dense ids again (a class every peer left is gone): rows index their answers by class.
    const dense = new Int32Array(count).fill(-1);
    let next = 0;
    for (let i = 0; i < cur.length; i++) {
      const c = cur[i] as number;
      let d = dense[c] as number;
      if (d < 0) dense[c] = d = next++;
      cur[i] = d;
    }
    return { classes: cur, count: next };
  }

  /** Peer classes of a shape: port-independent features once, then the probe's port-bound ones. */
  private classesOf(shape: { id: number; features: readonly number[] }, role: "src" | "dst", probe: ReviewProbe): { classes: Int32Array; count: number } {
    const baseKey = `${shape.id}\u0000${role}`;
    let plain = this.classCache.get(baseKey);
    if (!plain) {
      plain = this.refine({ classes: new Int32Array(this.addresses.length), count: 1 }, shape.features.filter((f) => !this.portBound(f)), role, probe);
      this.classCache.set(baseKey, plain);
    }
    const bound = shape.features.filter((f) => this.portBound(f));
    if (bound.length === 0) return plain;
    const key = `${baseKey}\u0000${probeKey(probe)}`;
    let c = this.classCache.get(key);
    if (!c) this.classCache.set(key, (c = this.refine(plain, bound, role, probe)));
    return c;
  }

  private project(features: readonly number[], role: "src" | "dst", index: number, probe: ReviewProbe): string {
    let s = "";
    for (const f of features) s += hasSorted(this.featureHits(f, role, probe), index) ? "1" : "0";
    return s;
  }

  /**
   * The answers of `owner`'s endpoint chain (compiled on `node` as interface `iface`) for
   * packets between the owner's address and each peer's. Egress: owner → peer; ingress: peer → owner.
   */
  row(direction: "ingress" | "egress", node: string, iface: string, owner: number, probe: ReviewProbe): ChainRow {
    const shape = this.compiled.shape(node, direction, iface);
    const ownerRole = direction === "egress" ? "src" : "dst";
    const peerRole = direction === "egress" ? "dst" : "src";
    const rowKey = `${direction}\u0000${shape.id}\u0000${probeKey(probe)}\u0000${this.project(shape.features, ownerRole, owner, probe)}`;
    let row = this.rows.get(rowKey);
    if (row) return row;
    const egress = direction === "egress";
    const c = this.classesOf(shape, peerRole, probe);
    row = new ChainRow(c.classes, c.count, (peer) => {
      const ownerIp = this.addresses.text[owner] as string;
      const peerIp = this.addresses.text[peer] as string;
      const packet: Packet = {
        kind: "Packet",
        srcIp: egress ? ownerIp : peerIp,
        dstIp: egress ? peerIp : ownerIp,
        protocol: PROTO_NUM[probe.protocol],
        srcPort: EPHEMERAL_SOURCE_PORT,
        dstPort: probe.port,
        inInterface: egress ? iface : UPLINK_INTERFACE,
        outInterface: egress ? UPLINK_INTERFACE : iface,
        ctState: "NEW",
      };
      this.traces++;
      const t = this.compiled.trace(node, packet);
      return { verdict: t.verdict, ...(t.step && { decision: this.compiled.tracer.decision(t.step) }) };
    });
    this.rows.set(rowKey, row);
    return row;
  }

  private readonly ownerRows = new Map<string, Map<number, ChainRow>>();

  /** row() for many peers of one owner: looked up by number, not by key text. */
  decide(direction: "ingress" | "egress", node: string, iface: string, owner: number, peer: number, probe: ReviewProbe): Result {
    const pk = probeKey(probe);
    let byOwner = this.ownerRows.get(pk);
    if (!byOwner) this.ownerRows.set(pk, (byOwner = new Map()));
    const k = owner * 2 + (direction === "egress" ? 1 : 0);
    let row = byOwner.get(k);
    if (!row) byOwner.set(k, (row = this.row(direction, node, iface, owner, probe)));
    return row.get(peer);
  }
}

/** Whether an ascending array holds `x`. */
function hasSorted(a: Int32Array, x: number): boolean {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid] as number;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** An outside peer: a CIDR a rule names, and one address in it that no pod and no narrower named CIDR has. */
export interface OutsidePeer {
  readonly cidr: string;
  readonly ip: Address;
  readonly text: string;
}

/** A CIDR of one family as a network and a way to step through its addresses. */
interface FamilyNet {
  readonly cidr: string;
  readonly network: Address;
  readonly prefix: number;
}

const netOf = (cidr: string, family: 4 | 6): FamilyNet | undefined => {
  const n = family === 4 ? parseIpv4Net(cidr) : parseIpv6Net(cidr);
  return n ? { cidr, network: n.network, prefix: n.prefix } : undefined;
};
const within = (ip: Address, n: FamilyNet): boolean =>
  typeof ip === "number" ? typeof n.network === "number" && inNet(ip, { network: n.network, prefix: n.prefix }) : typeof n.network === "bigint" && inNet6(ip, { network: n.network, prefix: n.prefix });

function outsidePeers(models: readonly Model[], podIps: ReadonlySet<Address>, family: 4 | 6): OutsidePeer[] {
  const cidrs = new Set<string>();
  for (const m of models) {
    for (const p of [...m.policies, ...m.profiles]) {
      for (const r of [...p.ingress, ...p.egress]) for (const er of [r.source, r.destination]) for (const n of [...er.nets, ...er.notNets]) cidrs.add(n);
    }
    for (const s of m.networkSets) for (const n of s.nets) cidrs.add(n);
  }
  const nets = [...cidrs].map((c) => netOf(c, family)).filter((x): x is FamilyNet => x !== undefined);
  const bits = family === 4 ? 32 : 128;
  const out: OutsidePeer[] = [];
  for (const net of nets) {
    const size = bits - net.prefix >= 12 ? 4096 : 2 ** (bits - net.prefix);
    // Skip the network address of a real network (it is never a host) and anything a narrower named CIDR or a pod covers.
    const narrower = nets.filter((o) => o.prefix > net.prefix && within(o.network, net));
    let found: Address | undefined;
    for (let k = size > 2 ? 1 : 0; k < size; k++) {
      const ip = typeof net.network === "number" ? (net.network + k) >>> 0 : net.network + BigInt(k);
      if (podIps.has(ip) || narrower.some((o) => within(ip, o))) continue;
      found = ip;
      break;
    }
    if (found !== undefined) out.push({ cidr: net.cidr, ip: found, text: typeof found === "number" ? formatIpv4(found) : formatIpv6(found) });
  }
  return out.sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
}

export interface ConnectivityInput {
  readonly base: Model;
  readonly head: Model;
  readonly baseSources: readonly SourceFile[];
  readonly headSources: readonly SourceFile[];
  readonly touched: Touched;
  readonly probes: ProbePlan;
  /** The IP family traced: each pod's address of that family, the outside CIDRs of that family. */
  readonly family: 4 | 6;
  /** Called with (done, total) as touched pods are traced. */
  readonly progress?: (done: number, total: number) => void;
}

export interface ConnectivityResult {
  readonly flipped: FlippedPair[];
  /** Pairs with a pod traceable in the head version only, allowed there. */
  readonly added: OneVersionPair[];
  /** Pairs with a pod traceable in the base version only, allowed there. */
  readonly removed: OneVersionPair[];
  /** The outside peers traced (one address per CIDR). */
  readonly outside: readonly OutsidePeer[];
  readonly podsTouched: number;
  /** Their keys. */
  readonly touchedKeys: readonly string[];
  readonly pods: number;
  readonly traces: number;
  /** The touched pods' virtual node, compiled with each version (the rules section reads it). */
  readonly before: CompiledWithOrigins;
  readonly after: CompiledWithOrigins;
}

/** A pod by index: in both versions (b and h), or in one only. */
interface TracedPod {
  readonly key: string;
  readonly b?: WorkloadEndpoint;
  readonly h?: WorkloadEndpoint;
}

/** A pod's address of one family (the first one it has). */
export const addressOf = (e: WorkloadEndpoint | undefined, family: 4 | 6): { ip: Address; text: string } | undefined => {
  if (!e) return undefined;
  for (const n of e.ipNetworks) {
    const text = n.split("/")[0] ?? "";
    const ip = family === 4 ? parseIpv4(text) : parseIpv6(text);
    if (ip !== undefined) return { ip, text };
  }
  return undefined;
};

function moved(model: Model, to: ReadonlyMap<string, string>): Model {
  return { ...model, endpoints: model.endpoints.map((e) => (to.has(e.key) ? { ...e, node: to.get(e.key) as string } : e)) };
}

/**
 * The pods of `other` that `model` lacks, as ghosts on the virtual node: no address (so they join
 * no set and are never traced), but their policies' and profiles' chains, and the sets those
 * reference, are compiled with this version's members. The rules section then compares a chain
 * that only a new (or removed) pod uses in one version against what the node has in the other.
 */
function withGhosts(model: Model, other: Model): Model {
  const keys = new Set(model.endpoints.map((e) => e.key));
  const ghosts = other.endpoints.filter((e) => e.node !== undefined && !keys.has(e.key)).map((e) => ({ ...e, node: TOUCHED_NODE, ipNetworks: [] }));
  if (ghosts.length === 0) return model;
  return { ...model, endpoints: [...model.endpoints, ...ghosts].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) };
}

function reviewDecision(d: Decision | undefined, direction: "ingress" | "egress", node: string, iface: string, realIface: string): ReviewDecision | undefined {
  if (!d) return undefined;
  // A representative's chain speaks for the pod: name the pod's own chain.
  return decisionOf(d, direction, node, d.chain === endpointChainName(direction, iface) ? endpointChainName(direction, realIface) : d.chain);
}

/** A trace's Decision as the report carries it: on `node`, in `direction`'s chain. */
export function decisionOf(d: Decision, direction: "ingress" | "egress", node: string, chain: string = d.chain): ReviewDecision {
  return {
    summary: d.summary,
    direction,
    node,
    ...(d.policy && { policy: d.policy }),
    ...(d.profile !== undefined && { profile: d.profile }),
    ...(d.ruleIndex !== undefined && { ruleIndex: d.ruleIndex }),
    ...(d.action !== undefined && { action: d.action }),
    ...(d.file !== undefined && { file: d.file }),
    ...(d.line !== undefined && { line: d.line }),
    chain,
    rule: d.rule,
    hash: d.hash,
  };
}

export function flippedPairs(input: ConnectivityInput): ConnectivityResult {
  const { base, head, touched, family } = input;
  const traceable = (e: WorkloadEndpoint): boolean => e.node !== undefined && addressOf(e, family) !== undefined;
  const baseByKey = new Map(base.endpoints.filter(traceable).map((e) => [e.key, e]));
  const headByKey = new Map(head.endpoints.filter(traceable).map((e) => [e.key, e]));
  // Indices: pods of both versions [0, n), of the head only [n, nh), of the base only [nh, n1), outside peers [n1, total).
  const pods: TracedPod[] = [];
  for (const [key, b] of baseByKey) {
    const h = headByKey.get(key);
    if (h) pods.push({ key, b, h });
  }
  const n = pods.length;
  for (const [key, h] of headByKey) if (!baseByKey.has(key)) pods.push({ key, h });
  const nh = pods.length;
  for (const [key, b] of baseByKey) if (!headByKey.has(key)) pods.push({ key, b });
  const n1 = pods.length;
  const podIps = new Set<Address>();
  for (const p of pods) for (const e of [p.b, p.h]) if (e) podIps.add((addressOf(e, family) as { ip: Address }).ip);
  const outside = outsidePeers([base, head], podIps, family);
  const total = n1 + outside.length;
  // A pod of one version only has its one address in both (never asked about in the other).
  const addresses = (side: "b" | "h"): Addresses => {
    const ip: Address[] = [];
    const text: string[] = [];
    for (const p of pods) {
      const a = addressOf(p[side] ?? p.b ?? p.h, family) as { ip: Address; text: string };
      ip.push(a.ip);
      text.push(a.text);
    }
    for (const o of outside) {
      ip.push(o.ip);
      text.push(o.text);
    }
    return new Addresses(ip, text, family);
  };
  const addrB = addresses("b");
  const addrH = addresses("h");
  // Pods of one version only changed (they appeared or went away): touched, on the virtual node.
  const isTouched = new Uint8Array(n1);
  const touchedIdx: number[] = [];
  pods.forEach((p, i) => {
    if (i >= n || touched.pods.has(p.key)) {
      isTouched[i] = 1;
      if (i < n) touchedIdx.push(i);
    }
  });
  const endpointOf = (i: number, side: "b" | "h"): WorkloadEndpoint => {
    const p = pods[i] as TracedPod;
    return (p[side] ?? p.h ?? p.b) as WorkloadEndpoint;
  };
  const realNode = (i: number, side: "b" | "h"): string => endpointOf(i, side).node as string;
  const iface = (i: number, side: "b" | "h"): string => endpointOf(i, side).interfaceName;

  // Every touched pod with a node moves (also those in one version only: the rules section shows their chains).
  const toTouched = (m: Model): Map<string, string> => new Map(m.endpoints.filter((e) => e.node !== undefined && (touched.pods.has(e.key) || !baseByKey.has(e.key) || !headByKey.has(e.key))).map((e) => [e.key, TOUCHED_NODE]));
  const compiledB = new Compiled(withGhosts(moved(base, toTouched(base)), head), input.baseSources, family);
  const compiledH = new Compiled(withGhosts(moved(head, toTouched(head)), base), input.headSources, family);
  const touchedB = new Oracle(compiledB, addrB);
  const touchedH = new Oracle(compiledH, addrH);

  // Steps 1-2: each touched pod against every peer, per probe; candidates by (probe, src, dst).
  const candidates = new Map<string, { probe: ReviewProbe; pairs: Set<number> }>();
  const oneVersion = new Map<string, { probe: ReviewProbe; pairs: Set<number> }>();
  const add = (into: typeof candidates, probe: ReviewProbe, s: number, d: number): void => {
    const k = probeKey(probe);
    let c = into.get(k);
    if (!c) into.set(k, (c = { probe, pairs: new Set() }));
    c.pairs.add(s * total + d);
  };
  const probesOf = (i: number): readonly ReviewProbe[] => input.probes.forDestination(endpointOf(i, "h").ports);
  let done = 0;
  // Which destinations have each probe (their declared ports, and every rule piece).
  const hasProbe = new Map<string, Uint8Array>(input.probes.all.map((p) => [probeKey(p), new Uint8Array(total)]));
  for (let d = 0; d < total; d++) {
    if (d >= n1) for (const a of hasProbe.values()) a[d] = 1;
    else for (const p of probesOf(d)) (hasProbe.get(probeKey(p)) as Uint8Array)[d] = 1;
  }
  const oneVersionPod = (i: number): boolean => i >= n && i < n1;
  for (const t of touchedIdx) {
    // t as destination: its ingress chain against every source.
    for (const probe of probesOf(t)) {
      const rb = touchedB.row("ingress", TOUCHED_NODE, iface(t, "b"), t, probe);
      const rh = touchedH.row("ingress", TOUCHED_NODE, iface(t, "h"), t, probe);
      for (const s of touchedIdx) if (s !== t) add(candidates, probe, s, t);
      for (const s of rb.differing(rh)) if (s !== t && !oneVersionPod(s) && !(s < n && isTouched[s] === 1)) add(candidates, probe, s, t);
    }
    // t as source: its egress chain against every destination that has the probe.
    for (const probe of input.probes.all) {
      const has = hasProbe.get(probeKey(probe)) as Uint8Array;
      const rb = touchedB.row("egress", TOUCHED_NODE, iface(t, "b"), t, probe);
      const rh = touchedH.row("egress", TOUCHED_NODE, iface(t, "h"), t, probe);
      for (const d of rb.differing(rh)) {
        if (d === t || has[d] === 0 || oneVersionPod(d) || (d < n && isTouched[d] === 1)) continue; // touched pairs are candidates already
        add(candidates, probe, t, d);
      }
    }
    input.progress?.(++done, touchedIdx.length);
  }
  // A pod of one version: every pair its own chains allow, in that version, against that version's peers.
  for (let t = n; t < n1; t++) {
    const v = t < nh ? "h" : "b";
    const oracle = v === "h" ? touchedH : touchedB;
    const peerOf = (x: number): boolean => x !== t && (x < n || x >= n1 || (v === "h" ? x < nh : x >= nh));
    for (const probe of probesOf(t)) {
      const row = oracle.row("ingress", TOUCHED_NODE, iface(t, v), t, probe);
      for (let s = 0; s < total; s++) if (peerOf(s) && row.get(s).verdict === "allow") add(oneVersion, probe, s, t);
    }
    for (const probe of input.probes.all) {
      const has = hasProbe.get(probeKey(probe)) as Uint8Array;
      const row = oracle.row("egress", TOUCHED_NODE, iface(t, v), t, probe);
      for (let d = 0; d < total; d++) if (has[d] === 1 && peerOf(d) && row.get(d).verdict === "allow") add(oneVersion, probe, t, d);
    }
  }

  // Step 3: one representative per class of the untouched pods the candidates need.
  const needed = new Set<number>();
  for (const list of [candidates, oneVersion]) {
    for (const { pairs } of list.values()) {
      for (const pair of pairs) {
        const s = Math.floor(pair / total);
        const d = pair % total;
        if (s < n && isTouched[s] === 0) needed.add(s);
        if (d < n && isTouched[d] === 0) needed.add(d);
      }
    }
  }
  const profiles = new Map(head.profiles.map((p) => [p.name, p]));
  const meanings = new Map<string, string>();
  const profileMeaning = (name: string): string => {
    let m = meanings.get(name);
    if (m === undefined) {
      const p = profiles.get(name);
      meanings.set(name, (m = p ? meaningOf({ ingress: p.ingress, egress: p.egress }) : `missing ${name}`));
    }
    return m;
  };
  const repOf = new Map<number, number>();
  const classRep = new Map<string, number>();
  for (const i of [...needed].sort((a, b) => a - b)) {
    const e = endpointOf(i, "h");
    // Profiles by content: every namespace's kns.<ns> profile renders the same rules under its own name.
    const cls = `${e.profiles.map(profileMeaning).join("\u0001")}\u0000${touched.headScope.applying(e).join(",")}`;
    let rep = classRep.get(cls);
    if (rep === undefined) classRep.set(cls, (rep = i));
    repOf.set(i, rep);
  }
  const toPeers = new Map([...new Set(repOf.values())].map((i) => [(pods[i] as TracedPod).key, PEERS_NODE]));
  const compiledP = new Compiled(moved(head, toPeers), input.headSources, family);
  const peersB = new Oracle(compiledP, addrB);
  const peersH = new Oracle(compiledP, addrH);

  // One ReviewDecision per (answer, pod, direction, version): a million flipped pairs share a few objects.
  const decisions = new WeakMap<Result, Map<number, ReviewDecision | undefined>>();
  const side = (v: "b" | "h", s: number, d: number, probe: ReviewProbe): ReviewSideVerdict => {
    const tOracle = v === "b" ? touchedB : touchedH;
    const pOracle = v === "b" ? peersB : peersH;
    const ask = (direction: "ingress" | "egress", owner: number, peer: number): { r: Result; decision?: ReviewDecision } => {
      const own = isTouched[owner] === 1;
      const rep = own ? owner : (repOf.get(owner) as number);
      const node = own ? TOUCHED_NODE : PEERS_NODE;
      const chainIface = own ? iface(owner, v) : iface(rep, "h");
      const r = (own ? tOracle : pOracle).decide(direction, node, chainIface, owner, peer, probe);
      let byOwner = decisions.get(r);
      if (!byOwner) decisions.set(r, (byOwner = new Map()));
      const k = owner * 4 + (direction === "egress" ? 2 : 0) + (v === "h" ? 1 : 0);
      let decision = byOwner.get(k);
      if (decision === undefined && !byOwner.has(k)) {
        decision = reviewDecision(r.decision, direction, realNode(owner, v), chainIface, iface(owner, v));
        // A representative's profile rule speaks for the pod's own profile at the same place.
        if (decision?.profile !== undefined && rep !== owner) {
          const at = endpointOf(rep, "h").profiles.indexOf(decision.profile);
          const mine = endpointOf(owner, "h").profiles[at];
          if (mine !== undefined && mine !== decision.profile) {
            const was = decision.profile;
            const { file: _file, line: _line, ...rest } = decision;
            decision = { ...rest, profile: mine, summary: decision.summary.replace(`profile ${was} `, `profile ${mine} `), chain: decision.chain === profileChainName(direction, was) ? profileChainName(direction, mine) : decision.chain };
          }
        }
        byOwner.set(k, decision);
      }
      return { r, ...(decision && { decision }) };
    };
    const egress = s < n1 ? ask("egress", s, d) : undefined;
    if (egress && egress.r.verdict === "deny") return { verdict: "deny", ...(egress.decision && { decidedBy: egress.decision }) };
    const ingress = d < n1 ? ask("ingress", d, s) : undefined;
    if (ingress && ingress.r.verdict === "deny") return { verdict: "deny", ...(ingress.decision && { decidedBy: ingress.decision }) };
    // Allowed: name the rule on the touched side (the one that can have changed), else the destination's.
    const pick = ingress && (d < n1 && isTouched[d] === 1 ? true : !(s < n1 && isTouched[s] === 1)) ? ingress : (egress ?? ingress);
    return { verdict: "allow", ...(pick?.decision && { decidedBy: pick.decision }) };
  };

  const name = (i: number): string => (i < n1 ? (pods[i] as TracedPod).key : (outside[i - n1] as OutsidePeer).cidr);
  const v6 = family === 6 ? { ipVersion: 6 as const } : {};
  const flipped: FlippedPair[] = [];
  for (const { probe, pairs } of candidates.values()) {
    for (const pair of pairs) {
      const s = Math.floor(pair / total);
      const d = pair % total;
      const b = side("b", s, d, probe);
      const h = side("h", s, d, probe);
      if (b.verdict === h.verdict) continue;
      flipped.push({ from: name(s), to: name(d), port: probe.port, ...(probe.endPort !== undefined && { endPort: probe.endPort }), protocol: probe.protocol, ...v6, base: b, head: h });
    }
  }
  flipped.sort(comparePairs);
  const added: OneVersionPair[] = [];
  const removed: OneVersionPair[] = [];
  for (const { probe, pairs } of oneVersion.values()) {
    for (const pair of pairs) {
      const s = Math.floor(pair / total);
      const d = pair % total;
      const inHead = (s >= n && s < nh) || (d >= n && d < nh);
      const r = side(inHead ? "h" : "b", s, d, probe);
      if (r.verdict !== "allow") continue;
      (inHead ? added : removed).push({
        from: name(s),
        to: name(d),
        port: probe.port,
        ...(probe.endPort !== undefined && { endPort: probe.endPort }),
        protocol: probe.protocol,
        ...v6,
        ...(r.decidedBy && { decidedBy: r.decidedBy }),
      });
    }
  }
  added.sort(comparePairs);
  removed.sort(comparePairs);
  return {
    flipped,
    added,
    removed,
    outside,
    podsTouched: touchedIdx.length,
    touchedKeys: touchedIdx.map((i) => (pods[i] as TracedPod).key),
    pods: n,
    traces: touchedB.traces + touchedH.traces + peersB.traces + peersH.traces,
    before: compiledB.compiled(TOUCHED_NODE),
    after: compiledH.compiled(TOUCHED_NODE),
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const comparePairs = (a: Omit<FlippedPair, "base" | "head">, b: Omit<FlippedPair, "base" | "head">): number =>
  (a.ipVersion ?? 4) - (b.ipVersion ?? 4) || cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.protocol, b.protocol) || a.port - b.port;
