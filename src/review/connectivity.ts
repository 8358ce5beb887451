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
import { formatIpv4, inNet, parseIpv4, parseIpv4Net } from "../trace/ip.js";
import { tracerFor } from "../trace/walk.js";
import type { Packet, TraceStep } from "../trace/types.js";
import { probeKey, type ProbePlan, type ReviewProbe } from "./probes.js";
import { meaningOf, type Touched } from "./touched.js";
import type { FlippedPair, ReviewDecision, ReviewSideVerdict } from "./types.js";

/** Node names no Kubernetes node can have (`~` is not a DNS character). */
const TOUCHED_NODE = "review~touched";
const PEERS_NODE = "review~peers";

const PROTO_NUM = { TCP: 6, UDP: 17, SCTP: 132 } as const;

/** One compiled version: a virtualized model, its tracer and its features. */
class Compiled {
  readonly tracer: FlowTracer;
  readonly universe = new FeatureUniverse();
  private readonly shapes = new Map<string, NodeShapes>();
  private readonly shapeIds = new Map<string, number>();
  private readonly shapeOf = new Map<string, { id: number; features: readonly number[] }>();

  constructor(
    readonly model: Model,
    sources: readonly SourceFile[],
  ) {
    this.tracer = new FlowTracer(model, { sources });
  }

  shape(node: string, direction: "ingress" | "egress", iface: string): { id: number; features: readonly number[] } {
    const key = `${node}\u0000${direction}\u0000${iface}`;
    let s = this.shapeOf.get(key);
    if (s) return s;
    let ns = this.shapes.get(node);
    if (!ns) this.shapes.set(node, (ns = new NodeShapes(iptShapeSource(this.tracer.compiled(node).state), this.universe, node)));
    const shape = ns.endpoint(direction, iface);
    let id = this.shapeIds.get(shape.fingerprint);
    if (id === undefined) this.shapeIds.set(shape.fingerprint, (id = this.shapeIds.size));
    s = { id, features: shape.features };
    this.shapeOf.set(key, s);
    return s;
  }

  trace(node: string, packet: Packet): { verdict: "allow" | "deny"; step?: TraceStep } {
    const c = this.tracer.compiled(node);
    const t = tracerFor(c.state, c.origins).trace(packet);
    const step = t.endpoints[0]?.decidedBy ?? t.final;
    return { verdict: t.verdict, ...(step && { step }) };
  }
}

interface Result {
  readonly verdict: "allow" | "deny";
  readonly decision?: Decision;
}

/** Addresses: the pods (by index) then the outside peers. */
interface Addresses {
  readonly ip: Float64Array;
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
    private readonly traceFor: (peer: number) => Result,
  ) {}

  get(peer: number): Result {
    const c = this.classes[peer] as number;
    let r = this.results[c];
    if (!r) this.results[c] = r = this.traceFor(peer);
    return r;
  }
}

/** Asks one compiled version's chains about peers, with one version's addresses. */
class Oracle {
  private readonly bits = new Map<string, Uint8Array>();
  private readonly classCache = new Map<string, Int32Array>();
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

  private featureBits(f: number, role: "src" | "dst", probe: ReviewProbe): Uint8Array {
    const feature = this.compiled.universe.features[f] as Feature;
    const portBound = this.portBound(f);
    const key = `${f}\u0000${portBound ? `${role}${probeKey(probe)}` : ""}`;
    let a = this.bits.get(key);
    if (a) return a;
    const ips = this.addresses.ip;
    a = new Uint8Array(ips.length);
    const proto = PROTO_NUM[probe.protocol];
    const port = role === "dst" ? probe.port : EPHEMERAL_SOURCE_PORT;
    for (let i = 0; i < ips.length; i++) {
      const ip = ips[i] as number;
      a[i] = feature.kind === "set" ? (feature.lookup.has(ip, proto, port) ? 1 : 0) : feature.kind === "net" ? (inNet(ip, feature.net) ? 1 : 0) : 0;
    }
    this.bits.set(key, a);
    return a;
  }

  /** Refines classes by the features' bits: ids stay small (renumbered per step). */
  private refine(start: Int32Array, features: readonly number[], role: "src" | "dst", probe: ReviewProbe): Int32Array {
    let cur = start;
    for (const f of features) {
      const b = this.featureBits(f, role, probe);
      const next = new Int32Array(cur.length);
      const ids = new Map<number, number>();
      for (let i = 0; i < cur.length; i++) {
        const k = (cur[i] as number) * 2 + (b[i] as number);
        let id = ids.get(k);
        if (id === undefined) ids.set(k, (id = ids.size));
        next[i] = id;
      }
      cur = next;
    }
    return cur;
  }

  /** Peer classes of a shape: port-independent features once, then the probe's port-bound ones. */
  private classesOf(shape: { id: number; features: readonly number[] }, role: "src" | "dst", probe: ReviewProbe): Int32Array {
    const baseKey = `${shape.id}\u0000${role}`;
    let plain = this.classCache.get(baseKey);
    if (!plain) {
      plain = this.refine(new Int32Array(this.addresses.ip.length), shape.features.filter((f) => !this.portBound(f)), role, probe);
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
    for (const f of features) s += this.featureBits(f, role, probe)[index] === 1 ? "1" : "0";
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
    row = new ChainRow(this.classesOf(shape, peerRole, probe), (peer) => {
      const ownerIp = formatIpv4(this.addresses.ip[owner] as number);
      const peerIp = formatIpv4(this.addresses.ip[peer] as number);
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

/** An outside peer: a CIDR a rule names, and one address in it that no pod and no narrower named CIDR has. */
export interface OutsidePeer {
  readonly cidr: string;
  readonly ip: number;
}

function outsidePeers(models: readonly Model[], podIps: ReadonlySet<number>): OutsidePeer[] {
  const cidrs = new Set<string>();
  for (const m of models) {
    for (const p of [...m.policies, ...m.profiles]) {
      for (const r of [...p.ingress, ...p.egress]) for (const er of [r.source, r.destination]) for (const n of [...er.nets, ...er.notNets]) cidrs.add(n);
    }
    for (const s of m.networkSets) for (const n of s.nets) cidrs.add(n);
  }
  const nets = [...cidrs].map((c) => ({ cidr: c, net: parseIpv4Net(c) })).filter((x): x is { cidr: string; net: NonNullable<ReturnType<typeof parseIpv4Net>> } => x.net !== undefined);
  const out: OutsidePeer[] = [];
  for (const { cidr, net } of nets) {
    const size = net.prefix >= 32 ? 1 : 2 ** (32 - net.prefix);
    // Skip the network address of a real network (it is never a host) and anything a narrower named CIDR or a pod covers.
    const narrower = nets.filter((o) => o.net.prefix > net.prefix && inNet(o.net.network, net));
    let found: number | undefined;
    for (let k = size > 2 ? 1 : 0, tries = 0; k < size && tries < 4096; k++, tries++) {
      const ip = (net.network + k) >>> 0;
      if (podIps.has(ip) || narrower.some((o) => inNet(ip, o.net))) continue;
      found = ip;
      break;
    }
    if (found !== undefined) out.push({ cidr, ip: found });
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
  /** Called with (done, total) as touched pods are traced. */
  readonly progress?: (done: number, total: number) => void;
}

export interface ConnectivityResult {
  readonly flipped: FlippedPair[];
  readonly podsTouched: number;
  readonly pods: number;
  readonly traces: number;
  /** The touched pods' virtual node, compiled with each version (the rules section reads it). */
  readonly before: CompiledWithOrigins;
  readonly after: CompiledWithOrigins;
}

interface TracedPod {
  readonly key: string;
  readonly b: WorkloadEndpoint;
  readonly h: WorkloadEndpoint;
}

const ipv4Of = (e: WorkloadEndpoint): number | undefined => {
  for (const n of e.ipNetworks) {
    const ip = parseIpv4(n.split("/")[0] ?? "");
    if (ip !== undefined) return ip;
  }
  return undefined;
};

function moved(model: Model, to: ReadonlyMap<string, string>): Model {
  return { ...model, endpoints: model.endpoints.map((e) => (to.has(e.key) ? { ...e, node: to.get(e.key) as string } : e)) };
}

function reviewDecision(d: Decision | undefined, direction: "ingress" | "egress", node: string, iface: string, realIface: string): ReviewDecision | undefined {
  if (!d) return undefined;
  // A representative's chain speaks for the pod: name the pod's own chain.
  const chain = d.chain === endpointChainName(direction, iface) ? endpointChainName(direction, realIface) : d.chain;
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
  const { base, head, touched } = input;
  const headByKey = new Map(head.endpoints.map((e) => [e.key, e]));
  const pods: TracedPod[] = [];
  for (const b of base.endpoints) {
    const h = headByKey.get(b.key);
    if (!h || b.node === undefined || h.node === undefined || ipv4Of(b) === undefined || ipv4Of(h) === undefined) continue;
    pods.push({ key: b.key, b, h });
  }
  const podIps = new Set<number>();
  for (const p of pods) {
    podIps.add(ipv4Of(p.b) as number);
    podIps.add(ipv4Of(p.h) as number);
  }
  const outside = outsidePeers([base, head], podIps);
  const n = pods.length;
  const addresses = (side: "b" | "h"): Addresses => {
    const ip = new Float64Array(n + outside.length);
    pods.forEach((p, i) => (ip[i] = ipv4Of(p[side]) as number));
    outside.forEach((o, j) => (ip[n + j] = o.ip));
    return { ip };
  };
  const addrB = addresses("b");
  const addrH = addresses("h");
  const isTouched = new Uint8Array(n);
  const touchedIdx: number[] = [];
  pods.forEach((p, i) => {
    if (touched.pods.has(p.key)) {
      isTouched[i] = 1;
      touchedIdx.push(i);
    }
  });
  const realNode = (i: number, side: "b" | "h"): string => (pods[i] as TracedPod)[side].node as string;
  const iface = (i: number, side: "b" | "h"): string => (pods[i] as TracedPod)[side].interfaceName;

  // Every touched pod with a node moves (also those in one version only: the rules section shows their chains).
  const toTouched = (m: Model): Map<string, string> => new Map(m.endpoints.filter((e) => e.node !== undefined && touched.pods.has(e.key)).map((e) => [e.key, TOUCHED_NODE]));
  const compiledB = new Compiled(moved(base, toTouched(base)), input.baseSources);
  const compiledH = new Compiled(moved(head, toTouched(head)), input.headSources);
  const touchedB = new Oracle(compiledB, addrB);
  const touchedH = new Oracle(compiledH, addrH);

  // Steps 1-2: each touched pod against every peer, per probe; candidates by (probe, src, dst).
  const candidates = new Map<string, { probe: ReviewProbe; pairs: Set<number> }>();
  const total = n + outside.length;
  const addCandidate = (probe: ReviewProbe, s: number, d: number): void => {
    const k = probeKey(probe);
    let c = candidates.get(k);
    if (!c) candidates.set(k, (c = { probe, pairs: new Set() }));
    c.pairs.add(s * total + d);
  };
  const probesOf = (i: number): readonly ReviewProbe[] => input.probes.forDestination((pods[i] as TracedPod).h.ports);
  let done = 0;
  // Which destinations have each probe (their declared ports, and every rule piece).
  const hasProbe = new Map<string, Uint8Array>(input.probes.all.map((p) => [probeKey(p), new Uint8Array(total)]));
  for (let d = 0; d < total; d++) {
    if (d >= n) for (const a of hasProbe.values()) a[d] = 1;
    else for (const p of probesOf(d)) (hasProbe.get(probeKey(p)) as Uint8Array)[d] = 1;
  }
  for (const t of touchedIdx) {
    // t as destination: its ingress chain against every source.
    for (const probe of probesOf(t)) {
      const rb = touchedB.row("ingress", TOUCHED_NODE, iface(t, "b"), t, probe);
      const rh = touchedH.row("ingress", TOUCHED_NODE, iface(t, "h"), t, probe);
      for (let s = 0; s < total; s++) {
        if (s === t) continue;
        if ((s < n && isTouched[s] === 1) || rb.get(s).verdict !== rh.get(s).verdict) addCandidate(probe, s, t);
      }
    }
    // t as source: its egress chain against every destination that has the probe.
    for (const probe of input.probes.all) {
      const has = hasProbe.get(probeKey(probe)) as Uint8Array;
      const rb = touchedB.row("egress", TOUCHED_NODE, iface(t, "b"), t, probe);
      const rh = touchedH.row("egress", TOUCHED_NODE, iface(t, "h"), t, probe);
      for (let d = 0; d < total; d++) {
        if (d === t || has[d] === 0 || (d < n && isTouched[d] === 1)) continue; // touched pairs are candidates already
        if (rb.get(d).verdict !== rh.get(d).verdict) addCandidate(probe, t, d);
      }
    }
    input.progress?.(++done, touchedIdx.length);
  }

  // Step 3: one representative per class of the untouched pods the candidates need.
  const needed = new Set<number>();
  for (const { pairs } of candidates.values()) {
    for (const pair of pairs) {
      const s = Math.floor(pair / total);
      const d = pair % total;
      if (s < n && isTouched[s] === 0) needed.add(s);
      if (d < n && isTouched[d] === 0) needed.add(d);
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
    const e = (pods[i] as TracedPod).h;
    // Profiles by content: every namespace's kns.<ns> profile renders the same rules under its own name.
    const cls = `${e.profiles.map(profileMeaning).join("\u0001")}\u0000${touched.headScope.applying(e).join(",")}`;
    let rep = classRep.get(cls);
    if (rep === undefined) classRep.set(cls, (rep = i));
    repOf.set(i, rep);
  }
  const toPeers = new Map([...new Set(repOf.values())].map((i) => [(pods[i] as TracedPod).key, PEERS_NODE]));
  const compiledP = new Compiled(moved(head, toPeers), input.headSources);
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
          const at = (pods[rep] as TracedPod).h.profiles.indexOf(decision.profile);
          const mine = (pods[owner] as TracedPod).h.profiles[at];
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
    const egress = s < n ? ask("egress", s, d) : undefined;
    if (egress && egress.r.verdict === "deny") return { verdict: "deny", ...(egress.decision && { decidedBy: egress.decision }) };
    const ingress = d < n ? ask("ingress", d, s) : undefined;
    if (ingress && ingress.r.verdict === "deny") return { verdict: "deny", ...(ingress.decision && { decidedBy: ingress.decision }) };
    // Allowed: name the rule on the touched side (the one that can have changed), else the destination's.
    const pick = ingress && (d < n && isTouched[d] === 1 ? true : !(s < n && isTouched[s] === 1)) ? ingress : (egress ?? ingress);
    return { verdict: "allow", ...(pick?.decision && { decidedBy: pick.decision }) };
  };

  const name = (i: number): string => (i < n ? (pods[i] as TracedPod).key : (outside[i - n] as OutsidePeer).cidr);
  const flipped: FlippedPair[] = [];
  for (const { probe, pairs } of candidates.values()) {
    for (const pair of pairs) {
      const s = Math.floor(pair / total);
      const d = pair % total;
      const b = side("b", s, d, probe);
      const h = side("h", s, d, probe);
      if (b.verdict === h.verdict) continue;
      flipped.push({ from: name(s), to: name(d), port: probe.port, ...(probe.endPort !== undefined && { endPort: probe.endPort }), protocol: probe.protocol, base: b, head: h });
    }
  }
  flipped.sort(comparePairs);
  return {
    flipped,
    podsTouched: touchedIdx.length,
    pods: n,
    traces: touchedB.traces + touchedH.traces + peersB.traces + peersH.traces,
    before: compiledB.tracer.compiled(TOUCHED_NODE),
    after: compiledH.tracer.compiled(TOUCHED_NODE),
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const comparePairs = (a: FlippedPair, b: FlippedPair): number =>
  cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.protocol, b.protocol) || a.port - b.port;
