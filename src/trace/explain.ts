/**
 * explainFlow: a flow between pods (or a pod and an outside address) traced through the rules
 * each involved node would really run. Pod-to-pod traffic between nodes leaves the source pod's
 * node (its egress chain decides there) and enters the destination pod's node (its ingress
 * chain decides there), each node compiled for itself; on one node a single FORWARD traversal
 * runs both chains.
 */
import { LineIndex } from "../diagnostics/position.js";
import type { SourceFile } from "../diagnostics/types.js";
import type { Model, WorkloadEndpoint } from "../model/types.js";
import type { CompileOptions } from "../render/compile.js";
import { policyKindName } from "../render/names.js";
import { compileWithOrigins, type CompiledWithOrigins, type RuleOrigin } from "../render/origins.js";
import { TraceError } from "./errors.js";
import { addressFamily } from "./ip.js";
import type { EndpointDecision, Packet, PacketTrace, TraceDirection, TraceProtocol, TraceStep, Verdict } from "./types.js";
import { tracerFor } from "./walk.js";

export type FlowPeer =
  | { readonly kind: "pod"; readonly namespace: string; readonly name: string }
  | { readonly kind: "ip"; readonly ip: string };

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

export interface ExplainOptions extends Partial<CompileOptions> {
  /** The loaded sources, to turn spans into file:line. */
  readonly sources?: readonly SourceFile[];
}

/** What decided one endpoint's verdict, in terms a user wrote. */
export interface Decision {
  readonly kind: RuleOrigin["kind"] | "rule";
  /** One line: "KubernetesNetworkPolicy default/web ingress rule 0 (Allow)". */
  readonly summary: string;
  readonly policy?: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly tier: string };
  readonly profile?: string;
  readonly tier?: string;
  readonly ruleIndex?: number;
  readonly action?: string;
  readonly file?: string;
  readonly line?: number;
  /** The iptables rule: chain, position, `cali:` hash, fragments. */
  readonly chain: string;
  readonly rule: number;
  readonly hash: string;
  readonly iptables: string;
}

export interface Hop {
  readonly node: string;
  readonly direction: TraceDirection;
  /** `ns/pod` whose chain decided. */
  readonly endpoint: string;
  readonly verdict: Verdict;
  readonly decidedBy?: Decision;
  /** Every chain the packet entered on this node, in order. */
  readonly chains: readonly string[];
  readonly trace: PacketTrace;
}

export interface FlowExplanation {
  readonly verdict: Verdict;
  readonly hops: readonly Hop[];
}

interface PodPeer {
  readonly kind: "pod";
  readonly endpoint: WorkloadEndpoint;
  readonly ip: string;
  readonly node: string;
}
type Peer = PodPeer | { readonly kind: "ip"; readonly ip: string };

const PROTOCOL_NUMBER: Readonly<Record<TraceProtocol, number>> = { TCP: 6, UDP: 17, SCTP: 132, ICMP: 1 };

/** Compiles each node once and traces many flows; explainFlow and the matrix use it. */
export class FlowTracer {
  private readonly nodes = new Map<string, CompiledWithOrigins>();
  private readonly pods = new Map<string, WorkloadEndpoint>();
  private readonly lines = new Map<string, LineIndex>();

  constructor(
    readonly model: Model,
    private readonly options: ExplainOptions = {},
  ) {
    for (const e of model.endpoints) this.pods.set(`${e.namespace}/${e.name}`, e);
    for (const s of options.sources ?? []) this.lines.set(s.file, new LineIndex(s.text));
  }

  compiled(node: string, ipVersion: 4 | 6 = 4): CompiledWithOrigins {
    // IPv4 keeps the bare node name as its key (the matrix shares this cache).
    const key = ipVersion === 4 ? node : `${node}\u0000v6`;
    let c = this.nodes.get(key);
    if (!c) {
      const { sources: _sources, node: _node, ...compileOptions } = this.options;
      c = compileWithOrigins(this.model, { ...compileOptions, node, ipVersion });
      this.nodes.set(key, c);
    }
    return c;
  }

  /** The flow's family: an IP peer's address family, else `flow.ipVersion`, else 4. */
  familyOf(flow: Flow): 4 | 6 {
    let fixed: 4 | 6 | undefined;
    for (const p of [flow.from, flow.to]) {
      if (p.kind !== "ip") continue;
      const f = addressFamily(p.ip);
      if (f === undefined) throw new TraceError(`${p.ip} is not an ${p.ip.includes(":") ? "IPv6" : "IPv4"} address`, "PC8001");
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
      return { kind: "ip", ip: p.ip };
    }
    const key = `${p.namespace}/${p.name}`;
    const endpoint = this.pods.get(key);
    if (!endpoint) throw new TraceError(`unknown pod ${key}: no Pod or WorkloadEndpoint of that namespace and name in the input`, "PC8001");
    if (endpoint.node === undefined) throw new TraceError(`pod ${key} has no node (spec.nodeName), so no node enforces its policy`, "PC8001");
    const cidr = endpoint.ipNetworks.find((n) => addressFamily(n.split("/")[0] ?? "") === family);
    if (cidr === undefined) throw new TraceError(`pod ${key} has no IPv${family} address`, "PC8001");
    return { kind: "pod", endpoint, ip: cidr.split("/")[0] as string, node: endpoint.node };
  }

  explain(flow: Flow): FlowExplanation {
    const family = this.familyOf(flow);
    const from = this.peer(flow.from, family);
    const to = this.peer(flow.to, family);
    if (from.kind === "ip" && to.kind === "ip") throw new TraceError("a flow needs a pod on at least one side", "PC8001");
    const packet = (inInterface: string, outInterface: string): Packet => packetFor(flow, from.ip, to.ip, inInterface, outInterface, family);
    const trace = (node: string, p: Packet): PacketTrace => this.trace(node, p, family);
    if (from.kind === "pod" && to.kind === "pod" && from.node === to.node) {
      const t = trace(from.node, packet(from.endpoint.interfaceName, to.endpoint.interfaceName));
      return { verdict: t.verdict, hops: this.hops(from.node, t, [from, to]) };
    }
    const hops: Hop[] = [];
    if (from.kind === "pod") {
      const t = trace(from.node, packet(from.endpoint.interfaceName, UPLINK_INTERFACE));
      hops.push(...this.hops(from.node, t, [from]));
      if (t.verdict === "deny" || to.kind === "ip") return { verdict: t.verdict, hops };
    }
    if (to.kind !== "pod") throw new Error("unreachable: one side is a pod");
    const t = trace(to.node, packet(UPLINK_INTERFACE, to.endpoint.interfaceName));
    hops.push(...this.hops(to.node, t, [to]));
    return { verdict: t.verdict, hops };
  }

  trace(node: string, packet: Packet, ipVersion: 4 | 6 = 4): PacketTrace {
    const c = this.compiled(node, ipVersion);
    return tracerFor(c.state, c.origins).trace(packet);
  }

  private hops(node: string, trace: PacketTrace, pods: readonly PodPeer[]): Hop[] {
    const byInterface = new Map(pods.map((p) => [p.endpoint.interfaceName, p]));
    return trace.endpoints.map((e: EndpointDecision) => ({
      node,
      direction: e.direction,
      endpoint: byInterface.get(e.interfaceName)?.endpoint.key ?? e.interfaceName,
      verdict: e.verdict,
      ...(e.decidedBy && { decidedBy: this.decision(e.decidedBy) }),
      chains: trace.chains,
      trace,
    }));
  }

  decision(step: TraceStep): Decision {
    const base = {
      chain: step.chain,
      rule: step.index,
      hash: `cali:${step.hash}`,
      iptables: [step.match, step.action].filter((x) => x !== "").join(" "),
    };
    const o = step.origin;
    const where = o?.span ? this.location(o.span.file, o.span.start) : {};
    if (!o) return { kind: "rule", summary: `rule ${step.index} of ${step.chain}`, ...base };
    switch (o.kind) {
      case "policyRule": {
        const kind = policyKindName[o.policyKind];
        const qualified = o.namespace === undefined ? o.name : `${o.namespace}/${o.name}`;
        return {
          kind: o.kind,
          summary: `${kind} ${qualified} (tier ${o.tier}) ${o.direction} rule ${o.ruleIndex} (${o.action})`,
          policy: { kind, ...(o.namespace !== undefined && { namespace: o.namespace }), name: o.name, tier: o.tier },
          tier: o.tier,
          ruleIndex: o.ruleIndex,
          action: o.action,
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
    }
  }

  private location(file: string, offset: number): { file: string; line?: number } {
    const index = this.lines.get(file);
    return index ? { file, line: index.lineColumn(offset).line } : { file };
  }
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
