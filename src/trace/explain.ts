/**
 * explainFlow: a flow between pods (or a pod and an outside address) traced through the rules
 * each involved node would really run. Pod-to-pod traffic between nodes leaves the source pod's
 * node (its egress chain decides there) and enters the destination pod's node (its ingress
 * chain decides there), each node compiled for itself; on one node a single FORWARD traversal
 * runs both chains.
 */
import { resolveHostInterfaces } from "../resolve/host-interfaces.js";
import { LineIndex } from "../diagnostics/position.js";
import type { SourceFile } from "../diagnostics/types.js";
import type { HostEndpoint, Model, WorkloadEndpoint } from "../model/types.js";
import type { CompileOptions } from "../render/compile.js";
import type { KernelChainName, TableName } from "../render/types.js";
import { traceProgramPath, type HostPath, type HostPathTrace } from "./host-path.js";
import type { TraceProgram } from "./engine.js";
import { iptShapeSource, nftShapeSource, type ShapeSource } from "./features.js";
import { nftTracerFor } from "./nft-program.js";
import { nftSourcePortRanges, sourcePortRanges, type PortRange } from "./source-ports.js";
import type { NftDataplaneState } from "../render/nftables/types.js";
import { compileNftWithOrigins } from "../render/nftables/origins.js";
import { policyChainName, policyKindName } from "../render/names.js";
import { compileWithOrigins, type CompiledWithOrigins, type RuleOrigin, type RuleOrigins } from "../render/origins.js";
import { TraceError } from "./errors.js";
import { addressFamily, parseAddress } from "./ip.js";
import type { EndpointDecision, Packet, PacketTrace, TraceDirection, TraceProtocol, TraceStep, TraceTable, Verdict } from "./types.js";
import { tracerFor, type TraceOptions } from "./walk.js";
import { endpointTier, tierMisses, type PolicyMisses } from "./why.js";

export type FlowPeer =
  | { readonly kind: "pod"; readonly namespace: string; readonly name: string }
  | { readonly kind: "ip"; readonly ip: string }
  /**
   * A node itself, through its host endpoints (`host:<node>[/<interface>][@<ip>]` on the CLI).
   * The interface defaults to the node's first named host endpoint's (else UPLINK_INTERFACE for
   * a `*`-only node), the address to that endpoint's first expectedIP. An IP peer equal to a
   * host endpoint's expectedIP is that host too.
   */
  | { readonly kind: "host"; readonly node: string; readonly interfaceName?: string; readonly ip?: string };

export interface Flow {
  readonly from: FlowPeer;
  readonly to: FlowPeer;
  readonly protocol: TraceProtocol;
  /** Destination port (TCP/UDP/SCTP). */
  readonly port?: number;
  /** ICMP type and code; default echo request (8/0). */
  readonly icmp?: { readonly type: number; readonly code?: number };
  /** Source port (TCP/UDP/SCTP); default EPHEMERAL_SOURCE_PORT. */
  readonly srcPort?: number;
  /**
   * The IP family of a pod-to-pod flow (default 4; dual-stack pods have an address of each).
   * An IP peer's address decides the family by itself. In IPv6, ICMP means ICMPv6 (echo request
   * 128/0 by default) and the IPv6 state (ip6tables, cali6 sets) is traced.
   */
  readonly ipVersion?: 4 | 6;
}

/** The source port a flow uses unless it names one: any port from the ephemeral range. */
export const EPHEMERAL_SOURCE_PORT = 40000;

/** The interface of a node's uplink: any non-`cali` name (traffic from or to outside the node). */
export const UPLINK_INTERFACE = "eth0";

/** Compiles one node for the nftables dataplane: its `calico` table and the origin of each rule. */
export interface NftCompiler {
  readonly kind: "nftables";
  compile(model: Model, options: CompileOptions): { readonly state: NftDataplaneState; readonly origins: RuleOrigins };
}

/**
 * Which dataplane a node runs: iptables (default), nftables (compileNft's table), or nftables
 * compiled by the given compiler (tests build tables by hand).
 */
export type TraceDataplane = "iptables" | "nftables" | NftCompiler;

/** The nftables dataplane as compile gives it. */
const NFT_COMPILER: NftCompiler = { kind: "nftables", compile: compileNftWithOrigins };

export interface ExplainOptions extends Partial<CompileOptions> {
  /** The loaded sources, to turn spans into file:line. */
  readonly sources?: readonly SourceFile[];
  /** The dataplane traced; iptables by default. Verdicts are the same, chains and rule text differ. */
  readonly dataplane?: TraceDataplane;
}

/** What decided one endpoint's verdict, in terms a user wrote. */
export interface Decision {
  readonly kind: RuleOrigin["kind"] | "rule" | "failsafe" | "hostEndpoint";
  /** One line: "KubernetesNetworkPolicy default/web ingress rule 0 (Allow)". */
  readonly summary: string;
  readonly policy?: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly tier: string };
  readonly profile?: string;
  readonly tier?: string;
  readonly ruleIndex?: number;
  readonly action?: string;
  /** What the deciding rule stands for when it is not what was written (a fail-closed ClusterNetworkPolicy rule). */
  readonly note?: string;
  readonly file?: string;
  readonly line?: number;
  /** The rule: chain, position, `cali:` hash, and its text (iptables fragments or the nft body). */
  readonly chain: string;
  readonly rule: number;
  readonly hash: string;
  /** The iptables match and action (iptables dataplane). */
  readonly iptables?: string;
  /** The nft rule body (nftables dataplane). */
  readonly nft?: string;
}

export interface Hop {
  readonly node: string;
  /** The table and hook of this decision; absent on a node without host tables (filter FORWARD). */
  readonly table?: TraceTable;
  readonly hook?: KernelChainName;
  /** The packet left this table untracked (doNotTrack). */
  readonly untracked?: true;
  /** A host endpoint chain that let the packet continue without any rule deciding (no policy of that kind applies). */
  readonly undecided?: true;
  readonly direction: TraceDirection;
  /** `ns/pod` whose chain decided. */
  readonly endpoint: string;
  readonly verdict: Verdict;
  readonly decidedBy?: Decision;
  /** Every chain the packet entered on this node, in order. */
  readonly chains: readonly string[];
  /**
   * The policy-group chains (`cali-gi-`/`cali-go-`, named by a hash) among `chains`, each with
   * the policy ids it jumps to in order: what a group chain name stands for.
   */
  readonly groups?: Readonly<Record<string, readonly string[]>>;
  /** Policy chains among `chains` whose name is a hash (a long policy id), each with its policy id. */
  readonly chainPolicies?: Readonly<Record<string, string>>;
  /** Pass rules the packet matched on the way (each sent it on to the next tier), in order. */
  readonly passed?: readonly Decision[];
  /** Log rules the packet matched on the way, in order. */
  readonly logged?: readonly Decision[];
  /**
   * A deny at the end of a tier: the tier's policies that selected the endpoint, in order, and
   * for each rule of each the first condition the packet failed (trace/why.ts).
   */
  readonly unmatched?: readonly PolicyMisses[];
  /** The tier `unmatched` is about. */
  readonly unmatchedTier?: string;
  readonly trace: PacketTrace;
}

/** An address of the flow that is a workload endpoint's: the flow is traced as that endpoint's. */
export interface ResolvedAddress {
  readonly ip: string;
  /** `ns/name` of the endpoint holding it. */
  readonly endpoint: string;
}

export interface FlowExplanation {
  readonly verdict: Verdict;
  readonly hops: readonly Hop[];
  /** The addresses given as `--from`/`--to` that belong to a pod or workload endpoint of the inputs. */
  readonly resolved?: { readonly from?: ResolvedAddress; readonly to?: ResolvedAddress };
}

interface PodPeer {
  readonly kind: "pod";
  readonly endpoint: WorkloadEndpoint;
  readonly ip: string;
  readonly node: string;
}
interface HostPeer {
  readonly kind: "host";
  readonly node: string;
  readonly ip: string;
  readonly interfaceName: string;
}
type Peer = PodPeer | HostPeer | { readonly kind: "ip"; readonly ip: string };

const PROTOCOL_NUMBER: Readonly<Record<TraceProtocol, number>> = { TCP: 6, UDP: 17, SCTP: 132, ICMP: 1 };

/** Compiles each node once and traces many flows; explainFlow and the matrix use it. */
export class FlowTracer {
  private readonly nodes = new Map<string, CompiledWithOrigins>();
  private readonly nftNodes = new Map<string, { readonly state: NftDataplaneState; readonly origins: RuleOrigins }>();
  private readonly pods = new Map<string, WorkloadEndpoint>();
  private readonly lines = new Map<string, LineIndex>();

  constructor(
    readonly model: Model,
    private readonly options: ExplainOptions = {},
  ) {
    for (const e of model.endpoints) this.pods.set(`${e.namespace}/${e.name}`, e);
    for (const s of options.sources ?? []) this.lines.set(s.file, new LineIndex(s.text));
  }

  /** The dataplane traced. */
  get dataplane(): "iptables" | "nftables" {
    return this.options.dataplane === undefined || this.options.dataplane === "iptables" ? "iptables" : "nftables";
  }

  private compileOptions(node: string, ipVersion: 4 | 6): CompileOptions {
    const { sources: _sources, node: _node, dataplane: _dataplane, ...compileOptions } = this.options;
    return { ...compileOptions, node, ipVersion };
  }

  /** A node's iptables state and origins (whatever the dataplane traced: compile's contract). */
  compiled(node: string, ipVersion: 4 | 6 = 4): CompiledWithOrigins {
    // IPv4 keeps the bare node name as its key (the matrix shares this cache).
    const key = ipVersion === 4 ? node : `${node}\u0000v6`;
    let c = this.nodes.get(key);
    if (!c) {
      c = compileWithOrigins(this.model, this.compileOptions(node, ipVersion));
      this.nodes.set(key, c);
    }
    return c;
  }

  /** A node's nft table and origins (the nftables dataplane). */
  compiledNft(node: string, ipVersion: 4 | 6 = 4): { readonly state: NftDataplaneState; readonly origins: RuleOrigins } {
    const dp = this.options.dataplane === "nftables" ? NFT_COMPILER : this.options.dataplane;
    if (dp === undefined || dp === "iptables") throw new Error("compiledNft: this tracer traces the iptables dataplane");
    const key = `${node}\u0000v${ipVersion}`;
    let c = this.nftNodes.get(key);
    if (!c) {
      c = dp.compile(this.model, this.compileOptions(node, ipVersion));
      this.nftNodes.set(key, c);
    }
    return c;
  }

  /** The node's rules as the walker runs them, in the traced dataplane. */
  program(node: string, ipVersion: 4 | 6 = 4): TraceProgram {
    if (this.dataplane === "iptables") {
      const c = this.compiled(node, ipVersion);
      return tracerFor(c.state, c.origins);
    }
    const c = this.compiledNft(node, ipVersion);
    return nftTracerFor(c.state, c.origins);
  }

  private originsOf(node: string, ipVersion: 4 | 6): RuleOrigins {
    return this.dataplane === "iptables" ? this.compiled(node, ipVersion).origins : this.compiledNft(node, ipVersion).origins;
  }

  /** What the matrix fingerprints a node by. */
  shapeSource(node: string, ipVersion: 4 | 6 = 4): ShapeSource {
    return this.dataplane === "iptables" ? iptShapeSource(this.compiled(node, ipVersion).state) : nftShapeSource(this.compiledNft(node, ipVersion).state);
  }

  /** Source port ranges the nodes' rules tell apart (source-ports.ts). */
  sourcePortRanges(nodes: readonly string[], ipVersion: 4 | 6 = 4): PortRange[] {
    const unique = [...new Set(nodes)];
    return this.dataplane === "iptables"
      ? sourcePortRanges(unique.map((n) => this.compiled(n, ipVersion).state))
      : nftSourcePortRanges(unique.map((n) => this.compiledNft(n, ipVersion).state));
  }

  /**
   * Whether a node's forward path holds more than filter FORWARD's policy: iptables programs raw
   * and mangle (pre-DNAT, untracked, applyOnForward host endpoint policy) only on a node with host
   * endpoints; an nft table has host endpoint chains then.
   */
  hostPathNode(node: string, ipVersion: 4 | 6 = 4): boolean {
    return this.dataplane === "iptables"
      ? (this.compiled(node, ipVersion).state.tables?.length ?? 0) > 0
      : this.compiledNft(node, ipVersion).state.chains.some((c) => /^(filter|mangle|raw)-cali-(th|fh|thfw|fhfw)-/.test(c.name));
  }

  /**
   * The verdict of a pod's packet forwarded through a node (the matrix's cells): the whole forward
   * path (raw, mangle, filter) on a node with host endpoints, as explain walks it; elsewhere
   * filter FORWARD alone decides (iptables), and nftables always walks its base chains.
   */
  forwardVerdict(node: string, packet: Packet, ipVersion: 4 | 6 = 4): Verdict {
    return this.dataplane === "iptables" && !this.hostPathNode(node, ipVersion) ? this.trace(node, packet, ipVersion).verdict : this.tracePath(node, packet, "forward", ipVersion).verdict;
  }

  /** The flow's family: an IP peer's (or host peer's given) address family, else `flow.ipVersion`, else 4. */
  familyOf(flow: Flow): 4 | 6 {
    let fixed: 4 | 6 | undefined;
    for (const p of [flow.from, flow.to]) {
      const ip = p.kind === "ip" ? p.ip : p.kind === "host" ? p.ip : undefined;
      if (ip === undefined) continue;
      const f = addressFamily(ip);
      if (f === undefined) throw new TraceError(`${ip} is not an ${ip.includes(":") ? "IPv6" : "IPv4"} address`, "PC8001");
      if (fixed !== undefined && f !== fixed) throw new TraceError("the two addresses are of different IP families", "PC8001");
      fixed = f;
    }
    if (fixed !== undefined && flow.ipVersion !== undefined && flow.ipVersion !== fixed) {
      throw new TraceError(`the flow is IPv${flow.ipVersion} but its address is IPv${fixed}`, "PC8001");
    }
    return fixed ?? flow.ipVersion ?? 4;
  }

  peer(p: FlowPeer, family: 4 | 6 = 4): Peer {
    if (p.kind === "ip") {
      if (addressFamily(p.ip) !== family) throw new TraceError(`${p.ip} is not an IPv${family} address`, "PC8001");
      const hep = this.model.hostEndpoints.find((h) => h.expectedIPs.includes(p.ip));
      if (hep) return this.hostPeer({ kind: "host", node: hep.node, ip: p.ip }, family);
      // A pod's own address is that pod: its rules apply, not those for traffic from outside.
      const owner = this.endpointWithIp(p.ip);
      if (owner) return this.peer({ kind: "pod", namespace: owner.namespace, name: owner.name }, family);
      return { kind: "ip", ip: p.ip };
    }
    if (p.kind === "host") return this.hostPeer(p, family);
    const key = `${p.namespace}/${p.name}`;
    const endpoint = this.pods.get(key);
    if (!endpoint) throw new TraceError(`unknown pod ${key}: no Pod or WorkloadEndpoint of that namespace and name in the input`, "PC8001");
    if (endpoint.node === undefined) throw new TraceError(`pod ${key} has no node (spec.nodeName), so no node enforces its policy`, "PC8001");
    const cidr = endpoint.ipNetworks.find((n) => addressFamily(n.split("/")[0] ?? "") === family);
    if (cidr === undefined) throw new TraceError(`pod ${key} has no IPv${family} address`, "PC8001");
    return { kind: "pod", endpoint, ip: cidr.split("/")[0] as string, node: endpoint.node };
  }

  /** The placed workload endpoint (one with a node) that holds `ip` as one of its addresses. */
  endpointWithIp(ip: string): WorkloadEndpoint | undefined {
    const family = addressFamily(ip);
    if (family === undefined) return undefined;
    const want = parseAddress(ip, family);
    const full = family === 4 ? "32" : "128";
    return this.model.endpoints.find(
      (e) => e.node !== undefined && e.ipNetworks.some((n) => {
        const [address, prefix] = n.split("/");
        return (prefix === undefined || prefix === full) && addressFamily(address ?? "") === family && parseAddress(address as string, family) === want;
      }),
    );
  }

  /**
   * A node's host endpoints as compile() places them: with `hostInterfaces`, an expectedIPs-only
   * endpoint becomes one per interface it governs (resolve/host-interfaces.ts). The list is the
   * same for every node: the addresses pick each node's endpoints.
   */
  private hostEndpointsOf(node: string): HostEndpoint[] {
    const heps = this.options.hostInterfaces === undefined ? this.model.hostEndpoints : resolveHostInterfaces(this.model.hostEndpoints, node, this.options.hostInterfaces).hostEndpoints;
    return heps.filter((h) => h.node === node);
  }

  /** A node as a peer: its interface and address from its host endpoints unless given. */
  private hostPeer(p: Extract<FlowPeer, { kind: "host" }>, family: 4 | 6): HostPeer {
    const heps = this.hostEndpointsOf(p.node).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (heps.length === 0) throw new TraceError(`node ${p.node} has no HostEndpoint in the input, so no host policy applies to it`, "PC8030");
    const named = (h: HostEndpoint): boolean => h.interfaceName !== undefined && h.interfaceName !== "" && h.interfaceName !== "*";
    const byIp = p.ip === undefined ? undefined : heps.find((h) => h.expectedIPs.includes(p.ip as string));
    const byInterface = p.interfaceName === undefined ? undefined : heps.find((h) => h.interfaceName === p.interfaceName);
    const chosen = byInterface ?? byIp ?? heps.find(named) ?? heps[0];
    const interfaceName = p.interfaceName ?? (chosen && named(chosen) ? (chosen.interfaceName as string) : UPLINK_INTERFACE);
    const ofFamily = (h: HostEndpoint | undefined): string | undefined => h?.expectedIPs.find((ip) => addressFamily(ip) === family);
    const ip = p.ip ?? ofFamily(chosen) ?? heps.map(ofFamily).find((x) => x !== undefined);
    if (ip === undefined) {
      throw new TraceError(`node ${p.node}'s host endpoints have no IPv${family} expectedIPs: give the host's address as host:${p.node}@<ip>`, "PC8031");
    }
    if (addressFamily(ip) !== family) throw new TraceError(`${ip} is not an IPv${family} address`, "PC8001");
    return { kind: "host", node: p.node, ip, interfaceName };
  }

  explain(flow: Flow): FlowExplanation {
    const e = this.explainPeers(flow);
    const resolvedOf = (p: FlowPeer): ResolvedAddress | undefined => {
      if (p.kind !== "ip" || this.model.hostEndpoints.some((h) => h.expectedIPs.includes(p.ip))) return undefined;
      const owner = this.endpointWithIp(p.ip);
      return owner && { ip: p.ip, endpoint: owner.key };
    };
    const from = resolvedOf(flow.from);
    const to = resolvedOf(flow.to);
    return from || to ? { ...e, resolved: { ...(from && { from }), ...(to && { to }) } } : e;
  }

  private explainPeers(flow: Flow): FlowExplanation {
    const family = this.familyOf(flow);
    const from = this.peer(flow.from, family);
    const to = this.peer(flow.to, family);
    if (from.kind === "ip" && to.kind === "ip") throw new TraceError("a flow needs a pod or a host on at least one side", "PC8001");
    const packet = (inInterface: string, outInterface: string): Packet => packetFor(flow, from.ip, to.ip, inInterface, outInterface, family);
    if (from.kind === "host" || to.kind === "host" || this.hasHostTables(from, to, family)) return this.explainHost(from, to, packet, family);
    const trace = (node: string, p: Packet): PacketTrace => this.trace(node, p, family);
    if (from.kind === "pod" && to.kind === "pod" && from.node === to.node) {
      const p = packet(from.endpoint.interfaceName, to.endpoint.interfaceName);
      const t = trace(from.node, p);
      return { verdict: t.verdict, hops: this.hops(from.node, t, [from, to], family, p) };
    }
    const hops: Hop[] = [];
    if (from.kind === "pod") {
      const p = packet(from.endpoint.interfaceName, UPLINK_INTERFACE);
      const t = trace(from.node, p);
      hops.push(...this.hops(from.node, t, [from], family, p));
      if (t.verdict === "deny" || to.kind === "ip") return { verdict: t.verdict, hops };
    }
    if (to.kind !== "pod") throw new Error("unreachable: one side is a pod");
    const p = packet(UPLINK_INTERFACE, to.endpoint.interfaceName);
    const t = trace(to.node, p);
    hops.push(...this.hops(to.node, t, [to], family, p));
    return { verdict: t.verdict, hops };
  }

  /** Whether a node of the flow has raw/mangle tables (host endpoints): then every table is walked. */
  private hasHostTables(from: Peer, to: Peer, family: 4 | 6): boolean {
    // nft tables always hold raw and mangle base chains: every flow walks the whole path.
    if (this.dataplane === "nftables") return true;
    return [from, to].some((p) => p.kind === "pod" && (this.compiled(p.node, family).state.tables?.length ?? 0) > 0);
  }

  /**
   * A flow that meets a host: each node's whole path (raw, mangle, filter) for the way the
   * packet meets it. A pod or host sends (forward or output path on its node), the receiving
   * node's pod or host takes it in (forward or input path); on one node a single path runs.
   */
  private explainHost(from: Peer, to: Peer, packet: (i: string, o: string) => Packet, family: 4 | 6): FlowExplanation {
    const local = (p: Peer): p is PodPeer | HostPeer => p.kind !== "ip";
    const iface = (p: PodPeer | HostPeer): string => (p.kind === "pod" ? p.endpoint.interfaceName : p.interfaceName);
    if (local(from) && local(to) && from.node === to.node) {
      if (from.kind === "host" && to.kind === "host") throw new TraceError(`host ${from.node} to itself is loopback traffic, which no host endpoint policy sees`, "PC8032");
      // A pod to its own host is input (it leaves the pod's interface into the host); the host
      // to its pod is output; pod to pod is forward.
      const path: HostPath = from.kind === "host" ? "output" : to.kind === "host" ? "input" : "forward";
      const p = packet(from.kind === "host" ? "" : iface(from), to.kind === "host" ? "" : iface(to));
      const t = this.tracePath(from.node, p, path, family);
      return { verdict: t.verdict, hops: this.pathHops(from.node, t, [from, to], family, p) };
    }
    const hops: Hop[] = [];
    if (local(from)) {
      const out = UPLINK_INTERFACE;
      const p = from.kind === "host" ? packet("", from.interfaceName) : packet(iface(from), out);
      const t = this.tracePath(from.node, p, from.kind === "host" ? "output" : "forward", family);
      hops.push(...this.pathHops(from.node, t, [from], family, p));
      if (t.verdict === "deny" || !local(to)) return { verdict: t.verdict, hops };
    }
    if (!local(to)) throw new Error("unreachable: one side is local");
    const p = to.kind === "host" ? packet(to.interfaceName, "") : packet(UPLINK_INTERFACE, iface(to));
    const t = this.tracePath(to.node, p, to.kind === "host" ? "input" : "forward", family);
    hops.push(...this.pathHops(to.node, t, [to], family, p));
    return { verdict: t.verdict, hops };
  }

  tracePath(node: string, packet: Packet, path: HostPath, ipVersion: 4 | 6 = 4): HostPathTrace {
    return traceProgramPath(this.program(node, ipVersion), packet, path);
  }

  /** One hop per endpoint chain per table; a table that dropped outside one gets its own hop. */
  private pathHops(node: string, t: HostPathTrace, peers: readonly (PodPeer | HostPeer)[], family: 4 | 6, packet: Packet): Hop[] {
    const hops: Hop[] = [];
    for (const tt of t.tables) {
      const tableHops = this.hops(node, tt.trace, peers.filter((p): p is PodPeer => p.kind === "pod"), family, packet, tt.table).map((h) => ({
        ...h,
        table: tt.table,
        hook: tt.hook,
        ...(tt.untracked && { untracked: true as const }),
        ...(h.verdict === "allow" && h.decidedBy === undefined && { undecided: true as const }),
      }));
      hops.push(...tableHops);
      // A table that accepted or dropped outside an endpoint chain (the accept of a packet an
      // earlier table already allowed, a reverse-path drop) gets a hop of its own.
      const unexplained = tt.trace.verdict === "deny" ? !tableHops.some((h) => h.verdict === "deny") : tableHops.length === 0 && tt.trace.final !== undefined;
      if (unexplained) {
        hops.push({
          node,
          table: tt.table,
          hook: tt.hook,
          ...(tt.untracked && { untracked: true as const }),
          direction: t.path === "output" ? "egress" : "ingress",
          endpoint: "-",
          verdict: tt.trace.verdict,
          ...(tt.trace.final && { decidedBy: this.decision(tt.trace.final) }),
          chains: tt.trace.chains,
          ...this.groupsOf(node, tt.trace.chains, family),
          trace: tt.trace,
        });
      }
    }
    return hops;
  }

  /** The filter FORWARD walk alone (iptables; nftables: its filter-FORWARD base chain). */
  trace(node: string, packet: Packet, ipVersion: 4 | 6 = 4): PacketTrace {
    if (this.dataplane === "iptables") {
      const c = this.compiled(node, ipVersion);
      return tracerFor(c.state, c.origins).trace(packet);
    }
    const c = this.compiledNft(node, ipVersion);
    return nftTracerFor(c.state, c.origins).walk(packet).trace;
  }

  /** The policy-group chains among `chains`, with their policies (Hop.groups), or nothing. */
  private groupsOf(node: string, chains: readonly string[], family: 4 | 6): { groups?: Record<string, readonly string[]> } {
    const known = this.originsOf(node, family).groups;
    const groups: Record<string, readonly string[]> = {};
    for (const c of chains) {
      const ids = known.get(c);
      if (ids !== undefined) groups[c] = ids;
    }
    return Object.keys(groups).length > 0 ? { groups } : {};
  }

  private hops(node: string, trace: PacketTrace, pods: readonly PodPeer[], family: 4 | 6, packet: Packet, table?: TraceTable): Hop[] {
    const byInterface = new Map(pods.map((p) => [p.endpoint.interfaceName, p]));
    return trace.endpoints.map((e: EndpointDecision) => {
      const endpoint = e.host ? this.hostEndpointLabel(node, e) : (byInterface.get(e.interfaceName)?.endpoint.key ?? e.interfaceName);
      // The rules this endpoint chain ran (a same-node flow's trace holds both endpoints').
      const own = trace.steps.filter((s) => e.chains.includes(s.chain) && s.origin?.kind === "policyRule" && s.origin.direction === e.direction);
      const passed = own.filter((s) => s.origin?.kind === "policyRule" && s.origin.action === "Pass").map((s) => this.decision(s));
      const logged = own.filter((s) => s.origin?.kind === "policyRule" && s.origin.action === "Log").map((s) => this.decision(s));
      // A workload chain's end-of-tier drop has an origin; a host endpoint chain's is known by
      // Felix's fixed comment on it, "End of tier <name>. Drop if no policies passed packet".
      const hostTier = e.host ? /(?:^|; )End of tier (\S+)\. Drop if no policies passed packet/.exec(e.decidedBy?.comment ?? "")?.[1] : undefined;
      const tier = e.decidedBy?.origin?.kind === "endOfTier" ? e.decidedBy.origin.tier : hostTier;
      const unmatched =
        tier === undefined ? undefined : e.host ? this.hostUnmatched(node, family, e, tier, packet, table) : this.unmatched(node, family, endpoint, e.direction, tier, packet, table);
      return {
        node,
        direction: e.direction,
        endpoint,
        verdict: e.verdict,
        ...(e.decidedBy && { decidedBy: this.decision(e.decidedBy) }),
        chains: trace.chains,
        ...this.groupsOf(node, trace.chains, family),
        ...this.chainPoliciesOf(node, e.chains, family),
        ...(passed.length > 0 && { passed }),
        ...(logged.length > 0 && { logged }),
        ...(unmatched && { unmatched, unmatchedTier: tier }),
        trace,
      };
    });
  }

  /** The tier's policies that selected the endpoint, and why none of their rules took the packet. */
  private unmatched(node: string, family: 4 | 6, endpoint: string, direction: TraceDirection, tier: string, packet: Packet, table?: TraceTable): PolicyMisses[] | undefined {
    // Policy runs in filter, mangle (pre-DNAT) and raw (untracked), never in nat.
    if (table === "nat") return undefined;
    const c = this.compiled(node, family);
    const t = endpointTier(c, endpoint, direction, tier);
    if (!t) return undefined;
    const options: TraceOptions = table === undefined ? {} : { table };
    return tierMisses(c, tracerFor(c.state, c.origins), t, direction, packet, options);
  }

  /**
   * The host endpoint's tier that denied and why none of its policies' rules took the packet: the
   * endpoint is the one whose chain decided (cali-th-/cali-fh-<interface>, or the `*` endpoint's),
   * and its policies are the forward ones in a forward chain, the untracked ones in raw, the
   * pre-DNAT ones on the way in through mangle, the normal ones otherwise.
   */
  private hostUnmatched(node: string, family: 4 | 6, e: EndpointDecision, tier: string, packet: Packet, table?: TraceTable): PolicyMisses[] | undefined {
    if (table === "nat") return undefined;
    const m = /^(?:(?:filter|mangle|raw)-)?cali-(th|fh|thfw|fhfw)-(.+)$/.exec(e.chain);
    if (!m) return undefined;
    const c = this.compiled(node, family);
    const hep = c.view.hostEndpoints?.find((h) => h.interfaceName === m[2]);
    if (!hep) return undefined;
    const forward = m[1] === "thfw" || m[1] === "fhfw";
    const tiers = forward ? hep.forward : table === "raw" ? hep.untracked : table === "mangle" && e.direction === "ingress" ? { ingress: hep.preDNAT, egress: [] } : hep.normal;
    const t = tiers[e.direction].find((x) => x.name === tier);
    if (!t) return undefined;
    return tierMisses(c, tracerFor(c.state, c.origins), t, e.direction, packet, table === undefined ? {} : { table });
  }

  /** Policy chains among `chains` named by a hash of their policy id (Hop.chainPolicies), or nothing. */
  private chainPoliciesOf(node: string, chains: readonly string[], family: 4 | 6): { chainPolicies?: Record<string, string> } {
    const c = this.compiled(node, family);
    const named: Record<string, string> = {};
    for (const p of c.view.policies) {
      for (const dir of ["ingress", "egress"] as const) {
        const chain = policyChainName(dir, p.id);
        if (chains.includes(chain) && !chain.endsWith(p.id)) named[chain] = p.id;
      }
    }
    return Object.keys(named).length > 0 ? { chainPolicies: named } : {};
  }

  /** `host endpoint <name> (<interface>)`: the named endpoint on the interface, else the node's `*` one. */
  private hostEndpointLabel(node: string, e: EndpointDecision): string {
    const heps = this.hostEndpointsOf(node);
    const wildcard = /^((filter|mangle|raw)-)?cali-(fh|th|fhfw|thfw)-any-interface-at-all$/.test(e.chain) || !heps.some((h) => h.interfaceName === e.interfaceName);
    const hep = wildcard ? heps.find((h) => h.interfaceName === "*") : heps.find((h) => h.interfaceName === e.interfaceName);
    return `host endpoint ${hep?.name ?? "?"} (${wildcard ? "*" : e.interfaceName}${wildcard && e.interfaceName !== "" ? ` via ${e.interfaceName}` : ""})`;
  }

  decision(step: TraceStep): Decision {
    const text = [step.match, step.action].filter((x) => x !== "").join(" ");
    const base = { chain: step.chain, rule: step.index, hash: `cali:${step.hash}`, ...(this.dataplane === "iptables" ? { iptables: text } : { nft: text }) };
    const o = step.origin;
    const where = o?.span ? this.location(o.span.file, o.span.start) : {};
    // nft chains carry their layer: `filter-cali-failsafe-in` is Felix's `cali-failsafe-in`.
    const chain = this.dataplane === "iptables" ? step.chain : step.chain.replace(/^(filter|mangle|raw|nat)-(?=cali-)/, "");
    if (!o && (chain === "cali-failsafe-in" || chain === "cali-failsafe-out")) {
      const dir = chain === "cali-failsafe-in" ? "inbound" : "outbound";
      return { kind: "failsafe", summary: `failsafe ${dir} rule (${failsafeText(step.match)}): host traffic no policy can block`, ...base };
    }
    if (!o && /^cali-(fh|th|fhfw|thfw)-/.test(chain)) {
      // Felix's fixed rules of a host endpoint chain (conntrack, forward default, no-policy drop).
      return { kind: "hostEndpoint", summary: `host endpoint chain ${step.chain}: ${step.comment ?? `rule ${step.index}`}`, ...base };
    }
    if (!o && step.comment === undefined && isAcceptMarkAccept(step)) {
      return { kind: "rule", summary: `rule ${step.index} of ${step.chain}: accepts a packet that an earlier rule or table already allowed (accept mark set)`, ...base };
    }
    if (!o) {
      const comment = step.comment;
      return { kind: "rule", summary: `rule ${step.index} of ${step.chain}${comment === undefined ? "" : ` (${comment})`}`, ...base };
    }
    switch (o.kind) {
      case "policyRule": {
        const kind = policyKindName[o.policyKind];
        const qualified = o.namespace === undefined ? o.name : `${o.namespace}/${o.name}`;
        return {
          kind: o.kind,
          summary: `${kind} ${qualified} (tier ${o.tier}) ${o.direction} rule ${o.ruleIndex} (${o.action}${o.note === undefined ? "" : `: ${o.note}`})`,
          policy: { kind, ...(o.namespace !== undefined && { namespace: o.namespace }), name: o.name, tier: o.tier },
          tier: o.tier,
          ruleIndex: o.ruleIndex,
          action: o.action,
          ...(o.note !== undefined && { note: o.note }),
          ...where,
          ...base,
        };
      }
      case "profileRule":
        return { kind: o.kind, summary: `profile ${o.profile} ${o.direction} rule ${o.ruleIndex} (${o.action})`, profile: o.profile, ruleIndex: o.ruleIndex, action: o.action, ...where, ...base };
      case "endOfTier":
        return { kind: o.kind, summary: `end of tier ${o.tier}: no ${o.direction} policy in it allowed or passed the packet (default deny)`, tier: o.tier, action: "Deny", ...where, ...base };
      case "noProfileMatched":
        return { kind: o.kind, summary: `no ${o.direction} policy applies and no profile allowed the packet (default deny)`, action: "Deny", ...where, ...base };
      case "policyJump":
      case "profileJump":
        return { kind: o.kind, summary: `${o.kind === "policyJump" ? "policy" : "profile"} chain ${o.target}`, ...where, ...base };
      case "policyGroupJump":
        return { kind: o.kind, summary: `policy group chain ${o.target} (${o.policies.join(", ")})`, ...where, ...base };
      case "groupMemberJump":
        return { kind: o.kind, summary: `policy chain ${o.target} (${o.policy}, in group ${o.group})`, ...where, ...base };
    }
  }

  private location(file: string, offset: number): { file: string; line?: number } {
    const index = this.lines.get(file);
    return index ? { file, line: index.lineColumn(offset).line } : { file };
  }
}

/** `tcp dport 22`: a failsafe rule's match in words, from either dataplane's text. */
function failsafeText(match: string): string {
  return match
    .replace(/^-p /, "")
    .replace(/ -m multiport --(destination|source)-ports /, " $1 port ")
    .replace(/^meta l4proto (\w+) \1 (d|s)port \{ ([^}]*) \}/, (_m, proto: string, dir: string, ports: string) => `${proto} ${dir === "d" ? "destination" : "source"} port ${ports.trim()}`);
}

/** The rule that accepts a packet an earlier rule or table already allowed (accept mark set). */
function isAcceptMarkAccept(step: TraceStep): boolean {
  return (
    (/^-m mark --mark 0x10000\/0x10000$/.test(step.match) && step.action === "--jump ACCEPT") ||
    (step.match === "meta mark & 0x10000 == 0x10000" && step.action === "counter accept")
  );
}

export function packetFor(flow: Flow, srcIp: string, dstIp: string, inInterface: string, outInterface: string, ipVersion: 4 | 6 = 4): Packet {
  const v6Icmp = ipVersion === 6 && flow.protocol === "ICMP";
  const protocol = v6Icmp ? 58 : PROTOCOL_NUMBER[flow.protocol];
  if (protocol === undefined) throw new TraceError(`protocol ${String(flow.protocol)} is not one of TCP, UDP, SCTP, ICMP`, "PC8001");
  const base = { kind: "Packet" as const, srcIp, dstIp, protocol, inInterface, outInterface, ctState: "NEW" as const };
  if (flow.protocol === "ICMP") return { ...base, icmp: { type: flow.icmp?.type ?? (v6Icmp ? 128 : 8), code: flow.icmp?.code ?? 0 } };
  const port = flow.port;
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TraceError(`a ${flow.protocol} flow needs a destination port 1..65535${port === undefined ? "" : `, not ${port}`}`, "PC8001");
  }
  return { ...base, srcPort: flow.srcPort ?? EPHEMERAL_SOURCE_PORT, dstPort: port };
}

/** Compile each involved node with the real compiler and walk the flow through it. Pure. */
export function explainFlow(model: Model, flow: Flow, options?: ExplainOptions): FlowExplanation {
  return new FlowTracer(model, options).explain(flow);
}
