/**
 * The walker both dataplanes share. A dataplane is a *TraceProgram*: which chains a packet
 * enters on each hook (the stages of a path), what each chain's rules are once interpreted
 * (predicates and an action), and which chains are endpoint chains. The walker runs one stage:
 * rules in order; a jump runs the target and continues after it unless the target decided; a
 * goto runs the target in place of the rest of the chain (its return goes to our caller);
 * falling off a chain is a return; falling off the stage's entry chain is its policy (ACCEPT on
 * every hook policy-compile meets, unless the caller says DROP). Marks, logs and notrack do not
 * stop the walk. A verdict map looks the packet's interface up exactly: a hit is its goto, jump
 * or return, a miss falls through to the next rule.
 *
 * iptables (walk.ts) and nftables (nft-program.ts) differ only in their TraceProgram: chain
 * layout and rule interpretation. The path across stages is host-path.ts.
 */
import { Mark } from "../render/marks.js";
import type { RuleOrigins } from "../render/origins.js";
import type { KernelChainName } from "../render/types.js";
import { TraceError } from "./errors.js";
import { parseAddress } from "./ip.js";
import type { MatchPart, PacketState, Predicate, RuleAction } from "./match.js";
/** How a packet meets the host: to a local address, routed through, or sent by the host. */
export type HostPath = "input" | "forward" | "output";

import type { EndpointDecision, Packet, PacketTrace, TraceStep, TraceTable, Verdict } from "./types.js";

/** One interpreted rule: what it prints as, and what it does. */
export interface CompiledRule {
  /** 0-based position in its chain (for iptables kernel chains: inserts first, then appends). */
  readonly index: number;
  readonly hash: string;
  /** The rule's match part as written (iptables match fragment, nft clauses before `counter`). */
  readonly match: string;
  /** The rule's action part as written. */
  readonly action: string;
  readonly comments: readonly string[];
  readonly preds: readonly Predicate[];
  /** The same conditions with their texts (preds[i] is parts[i].pred), where the interpreter keeps them (iptables). */
  readonly parts?: readonly MatchPart[];
  readonly act: RuleAction;
}

export interface CompiledChain {
  readonly name: string;
  readonly rules: readonly CompiledRule[];
}

/** Where a walk starts: one table's (or nft layer's) chain on one hook. */
export interface Stage {
  readonly table: TraceTable;
  readonly hook: KernelChainName;
}

/** Which endpoint a chain is the policy of. */
export interface EndpointOf {
  readonly direction: "ingress" | "egress";
  readonly host: boolean;
}

/** What differs between dataplanes. Implementations cache compiled chains; they are immutable. */
export interface TraceProgram {
  readonly ipVersion: 4 | 6;
  /** Where each rule came from, by hash (explain names policies through it). */
  readonly origins?: RuleOrigins;
  /** The stages a packet on this path runs through, in kernel order (hook, then priority). */
  stages(path: HostPath): readonly Stage[];
  /** The chain a stage's walk starts in. */
  entry(stage: Stage): CompiledChain;
  /** The chain a rule run in `stage` jumps or goes to (PC8002 when the state lacks it). */
  chain(name: string, stage: Stage): CompiledChain;
  /** Whether the state programs anything in this stage. */
  programs(stage: Stage): boolean;
  endpointOf(chain: string): EndpointOf | undefined;
}

/** Whether addresses are the host's own, for `fib … type local` (the path knows: input, output). */
export interface Locality {
  readonly src: boolean;
  readonly dst: boolean;
}

export interface WalkOptions {
  /** The stage's policy when the entry chain falls through (ACCEPT by default). */
  readonly defaultPolicy?: "ACCEPT" | "DROP";
  /** The packet's mark as it enters (an earlier table may have set it; 0 by default). */
  readonly mark?: number;
  /** Conntrack state as it enters (NEW by default; UNTRACKED after a NOTRACK). */
  readonly ctState?: "NEW" | "UNTRACKED";
  /** Which addresses are local; neither by default (forwarded traffic). */
  readonly local?: Locality;
}

/** A walk of one stage, with the mark and conntrack state the packet leaves it with. */
export interface TableWalk {
  readonly trace: PacketTrace;
  readonly mark: number;
  readonly ctState: "NEW" | "UNTRACKED";
}

type Outcome = { readonly kind: "return" } | { readonly kind: "accept" | "drop"; readonly step: TraceStep };

const MAX_DEPTH = 64;

/** The packet as the predicates see it, in the program's family. */
export function packetState(packet: Packet, ipVersion: 4 | 6, options: WalkOptions): PacketState {
  const src = parseAddress(packet.srcIp, ipVersion);
  const dst = parseAddress(packet.dstIp, ipVersion);
  if (src === undefined || dst === undefined) {
    throw new TraceError(`packet addresses ${packet.srcIp} → ${packet.dstIp} are not IPv${ipVersion} (the state is IPv${ipVersion})`, "PC8001");
  }
  const icmp = packet.protocol === (ipVersion === 4 ? 1 : 58);
  const hasPorts = packet.protocol === 6 || packet.protocol === 17 || packet.protocol === 132 || packet.protocol === 136;
  return {
    src,
    dst,
    protocol: packet.protocol,
    srcPort: hasPorts ? (packet.srcPort ?? 0) : undefined,
    dstPort: hasPorts ? (packet.dstPort ?? 0) : undefined,
    icmpType: icmp ? packet.icmp?.type : undefined,
    icmpCode: icmp ? packet.icmp?.code : undefined,
    inInterface: packet.inInterface,
    outInterface: packet.outInterface,
    ctState: options.ctState ?? packet.ctState,
    mark: options.mark ?? 0,
    srcLocal: options.local?.src ?? false,
    dstLocal: options.local?.dst ?? false,
  };
}

/** Run one packet through one stage of a program. Pure. */
export function walkStage(program: TraceProgram, packet: Packet, stage: Stage, options: WalkOptions = {}): TableWalk {
  const p = packetState(packet, program.ipVersion, options);
  const run = new Run(program, p, program.origins, stage);
  const outcome = run.chain(program.entry(stage), 0);
  const verdict: Verdict = outcome.kind === "return" ? (options.defaultPolicy === "DROP" ? "deny" : "allow") : outcome.kind === "accept" ? "allow" : "deny";
  const trace: PacketTrace = {
    kind: "PacketTrace",
    verdict,
    ...(outcome.kind !== "return" && { final: outcome.step }),
    chains: run.chains,
    steps: run.steps,
    endpoints: run.endpoints,
  };
  return { trace, mark: p.mark, ctState: p.ctState === "UNTRACKED" ? "UNTRACKED" : "NEW" };
}

const ACCEPT_MARK = Mark.accept;

/** The mutable record of one walk. */
class Run {
  readonly chains: string[] = [];
  readonly steps: TraceStep[] = [];
  readonly endpoints: EndpointDecision[] = [];
  /** The action of each step, parallel to `steps`. */
  private readonly acts: RuleAction[] = [];

  constructor(
    private readonly program: TraceProgram,
    private readonly p: PacketState,
    private readonly origins: RuleOrigins | undefined,
    private readonly stage: Stage,
  ) {}

  chain(c: CompiledChain, depth: number): Outcome {
    if (depth > MAX_DEPTH) throw new TraceError(`chain nesting deeper than ${MAX_DEPTH} at ${c.name} (a loop?)`, "PC8002");
    this.chains.push(c.name);
    const endpoint = this.program.endpointOf(c.name);
    const firstStep = this.steps.length;
    const firstChain = this.chains.length - 1;
    const outcome = this.rules(c, depth);
    if (endpoint) this.recordEndpoint(c.name, endpoint, outcome, firstStep, firstChain);
    return outcome;
  }

  private rules(c: CompiledChain, depth: number): Outcome {
    for (const r of c.rules) {
      if (!r.preds.every((pred) => pred(this.p))) continue;
      let a = r.act;
      let shown: string | undefined;
      if (a.kind === "vmap") {
        const hit = a.lookup(this.p);
        // A miss: the rule does not match, the next rule runs.
        if (hit === undefined) continue;
        a = hit.action;
        shown = `${r.action}: ${hit.element}`;
      }
      const step = this.step(c.name, r, shown);
      switch (a.kind) {
        case "none":
        case "log":
          break;
        case "notrack":
          this.p.ctState = "UNTRACKED";
          break;
        case "mark":
          this.p.mark = ((this.p.mark & ~a.mask) ^ a.value) >>> 0;
          break;
        case "accept":
        case "drop":
          return { kind: a.kind, step };
        case "return":
          return { kind: "return" };
        case "jump": {
          const o = this.chain(this.program.chain(a.target, this.stage), depth + 1);
          if (o.kind !== "return") return o;
          break;
        }
        case "goto":
          return this.chain(this.program.chain(a.target, this.stage), depth + 1);
      }
    }
    return { kind: "return" };
  }

  private step(chain: string, r: CompiledRule, action = r.action): TraceStep {
    const origin = this.origins?.byHash.get(r.hash);
    const step: TraceStep = { chain, index: r.index, hash: r.hash, match: r.match, action, ...(r.comments.length > 0 && { comment: r.comments.join("; ") }), ...(origin && { origin }) };
    this.steps.push(step);
    this.acts.push(r.act);
    return step;
  }

  /**
   * A workload is the packet's input interface for egress, its output interface for ingress; a
   * host endpoint the other way round (ingress to the host comes in on its interface).
   */
  private recordEndpoint(chain: string, endpoint: EndpointOf, outcome: Outcome, firstStep: number, firstChain: number): void {
    const verdict: Verdict = outcome.kind === "drop" ? "deny" : "allow";
    let decidedBy: TraceStep | undefined;
    if (outcome.kind !== "return") decidedBy = outcome.step;
    else {
      // Allowed: the last rule that set the accept mark (a policy or profile Allow rule).
      for (let i = this.steps.length - 1; i >= firstStep; i--) {
        const a = this.acts[i] as RuleAction;
        if (a.kind === "mark" && (a.value & ACCEPT_MARK) !== 0 && (a.mask & ACCEPT_MARK) !== 0) {
          decidedBy = this.steps[i] as TraceStep;
          break;
        }
      }
    }
    const { direction, host } = endpoint;
    this.endpoints.push({
      chain,
      direction,
      interfaceName: (direction === "egress") !== host ? this.p.inInterface : this.p.outInterface,
      ...(host && { host: true }),
      verdict,
      ...(decidedBy && { decidedBy }),
      chains: this.chains.slice(firstChain),
    });
  }
}

/**
 * `cali-fw-<iface>` is a workload's egress chain, `cali-tw-<iface>` its ingress chain; a host
 * endpoint's `cali-fh-`/`cali-fhfw-` (from the interface: the host's ingress policy, and its
 * forward variant) and `cali-th-`/`cali-thfw-` (to the interface: egress).
 */
export function endpointOfChain(chain: string): EndpointOf | undefined {
  if (chain.startsWith("cali-fw-")) return { direction: "egress", host: false };
  if (chain.startsWith("cali-tw-")) return { direction: "ingress", host: false };
  if (chain.startsWith("cali-fh-") || chain.startsWith("cali-fhfw-")) return { direction: "ingress", host: true };
  if (chain.startsWith("cali-th-") || chain.startsWith("cali-thfw-")) return { direction: "egress", host: true };
  return undefined;
}

/** A per-(state, origins) cache of programs: tracing many packets compiles each rule once. */
export function programCache<S extends object, P>(make: (state: S, origins?: RuleOrigins) => P): (state: S, origins?: RuleOrigins) => P {
  const byState = new WeakMap<S, WeakMap<object, P>>();
  const noOrigins = {};
  return (state, origins) => {
    let byOrigins = byState.get(state);
    if (!byOrigins) byState.set(state, (byOrigins = new WeakMap()));
    const key = origins ?? noOrigins;
    let p = byOrigins.get(key);
    if (p === undefined) byOrigins.set(key, (p = make(state, origins)));
    return p;
  };
}
