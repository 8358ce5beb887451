/**
 * The interpreter: one packet through one DataplaneState, rule by rule, as netfilter's filter
 * table runs it. A kernel hook chain runs policy-compile's inserts, then its appends (the trace
 * assumes no foreign rules), then the chain's default policy. A user chain runs its rules in
 * order; `--jump` runs the target and continues after it unless the target decided; `--goto`
 * runs the target in place of the rest of the chain (a RETURN there returns to our caller);
 * falling off a user chain is a RETURN. MARK and LOG do not stop the walk.
 *
 * Compiled rules are cached per state (the state is immutable), so tracing many packets through
 * one state parses each fragment once.
 */
import { Mark } from "../render/marks.js";
import type { RuleOrigins } from "../render/origins.js";
import type { DataplaneState, IptRule, KernelChainName } from "../render/types.js";
import { TraceError } from "./errors.js";
import { parseAddress } from "./ip.js";
import { compileAction, compileMatch, type PacketState, type Predicate, type RuleAction } from "./match.js";
import { setLookup, type SetLookup } from "./sets.js";
import type { EndpointDecision, Packet, PacketTrace, TraceStep, Verdict } from "./types.js";

interface CompiledRule {
  readonly rule: IptRule;
  readonly index: number;
  readonly preds: readonly Predicate[];
  readonly action: RuleAction;
}

interface CompiledChain {
  readonly name: string;
  readonly rules: readonly CompiledRule[];
}

type Outcome = { readonly kind: "return" } | { readonly kind: "accept" | "drop"; readonly step: TraceStep };

const MAX_DEPTH = 64;

export interface TraceOptions {
  /** The hook's default policy (FORWARD's is ACCEPT in a fresh namespace and on most nodes). */
  readonly defaultPolicy?: "ACCEPT" | "DROP";
  /** Which kernel hook the packet enters; FORWARD for pod traffic. */
  readonly hook?: KernelChainName;
}

export class Tracer {
  private readonly chains = new Map<string, CompiledChain>();
  private readonly sets = new Map<string, SetLookup>();

  constructor(
    private readonly state: DataplaneState,
    private readonly origins?: RuleOrigins,
  ) {
  }

  trace(packet: Packet, options: TraceOptions = {}): PacketTrace {
    const v = this.state.ipVersion;
    const src = parseAddress(packet.srcIp, v);
    const dst = parseAddress(packet.dstIp, v);
    if (src === undefined || dst === undefined) throw new TraceError(`packet addresses ${packet.srcIp} → ${packet.dstIp} are not IPv${v} (the state is IPv${v})`, "PC8001");
    const icmp = packet.protocol === (v === 4 ? 1 : 58);
    const hasPorts = packet.protocol === 6 || packet.protocol === 17 || packet.protocol === 132 || packet.protocol === 136;
    const p: PacketState = {
      src,
      dst,
      protocol: packet.protocol,
      srcPort: hasPorts ? (packet.srcPort ?? 0) : undefined,
      dstPort: hasPorts ? (packet.dstPort ?? 0) : undefined,
      icmpType: icmp ? packet.icmp?.type : undefined,
      icmpCode: icmp ? packet.icmp?.code : undefined,
      inInterface: packet.inInterface,
      outInterface: packet.outInterface,
      ctState: packet.ctState,
      mark: 0,
    };
    const run = new Run(this, p, this.origins);
    const hook = options.hook ?? "FORWARD";
    const outcome = run.chain(this.hookChain(hook), 0);
    const verdict: Verdict =
      outcome.kind === "return" ? (options.defaultPolicy === "DROP" ? "deny" : "allow") : outcome.kind === "accept" ? "allow" : "deny";
    return {
      kind: "PacketTrace",
      verdict,
      ...(outcome.kind !== "return" && { final: outcome.step }),
      chains: run.chains,
      steps: run.steps,
      endpoints: run.endpoints,
    };
  }

  /** @internal */
  compiledChain(name: string): CompiledChain {
    let c = this.chains.get(name);
    if (c) return c;
    const chain = this.state.chains.find((x) => x.name === name);
    if (!chain) throw new TraceError(`rule jumps to chain ${name}, which the state does not have`, "PC8002");
    c = this.compile(name, chain.rules);
    this.chains.set(name, c);
    return c;
  }

  private hookChain(hook: KernelChainName): CompiledChain {
    const key = `\u0000${hook}`;
    let c = this.chains.get(key);
    if (c) return c;
    const h = this.state.hooks.find((x) => x.chain === hook);
    c = this.compile(hook, h ? [...h.inserts, ...h.appends] : []);
    this.chains.set(key, c);
    return c;
  }

  private compile(name: string, rules: readonly IptRule[]): CompiledChain {
    const lookup = (set: string): SetLookup | undefined => this.set(set);
    return {
      name,
      rules: rules.map((rule, index) => ({ rule, index, preds: compileMatch(rule.match, lookup, this.state.ipVersion), action: compileAction(rule.action) })),
    };
  }

  private set(name: string): SetLookup | undefined {
    let s = this.sets.get(name);
    if (s) return s;
    const def = this.state.ipsets.find((x) => x.name === name);
    if (!def) return undefined;
    s = setLookup(def);
    this.sets.set(name, s);
    return s;
  }
}

const ACCEPT_MARK = Mark.accept;

/** The mutable record of one walk. */
class Run {
  readonly chains: string[] = [];
  readonly steps: TraceStep[] = [];
  readonly endpoints: EndpointDecision[] = [];

  constructor(
    private readonly tracer: Tracer,
    private readonly p: PacketState,
    private readonly origins: RuleOrigins | undefined,
  ) {}

  chain(c: CompiledChain, depth: number): Outcome {
    if (depth > MAX_DEPTH) throw new TraceError(`chain nesting deeper than ${MAX_DEPTH} at ${c.name} (a loop?)`, "PC8002");
    this.chains.push(c.name);
    const endpoint = endpointOf(c.name);
    const firstStep = this.steps.length;
    const firstChain = this.chains.length - 1;
    const outcome = this.rules(c, depth);
    if (endpoint) this.recordEndpoint(c.name, endpoint, outcome, firstStep, firstChain);
    return outcome;
  }

  private rules(c: CompiledChain, depth: number): Outcome {
    for (const r of c.rules) {
      if (!r.preds.every((pred) => pred(this.p))) continue;
      const step = this.step(c.name, r);
      const a = r.action;
      switch (a.kind) {
        case "none":
        case "log":
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
          const o = this.chain(this.tracer.compiledChain(a.target), depth + 1);
          if (o.kind !== "return") return o;
          break;
        }
        case "goto":
          return this.chain(this.tracer.compiledChain(a.target), depth + 1);
      }
    }
    return { kind: "return" };
  }

  private step(chain: string, r: CompiledRule): TraceStep {
    const origin = this.origins?.byHash.get(r.rule.hash);
    const step: TraceStep = { chain, index: r.index, hash: r.rule.hash, match: r.rule.match, action: r.rule.action, ...(origin && { origin }) };
    this.steps.push(step);
    return step;
  }

  /** The workload is the packet's input interface for egress, its output interface for ingress. */
  private recordEndpoint(chain: string, direction: "ingress" | "egress", outcome: Outcome, firstStep: number, firstChain: number): void {
    const verdict: Verdict = outcome.kind === "drop" ? "deny" : "allow";
    let decidedBy: TraceStep | undefined;
    if (outcome.kind !== "return") decidedBy = outcome.step;
    else {
      // Allowed: the last rule that set the accept mark (a policy or profile Allow rule).
      for (let i = this.steps.length - 1; i >= firstStep; i--) {
        const s = this.steps[i] as TraceStep;
        if (setsAcceptMark(s.action)) {
          decidedBy = s;
          break;
        }
      }
    }
    this.endpoints.push({
      chain,
      direction,
      interfaceName: direction === "egress" ? this.p.inInterface : this.p.outInterface,
      verdict,
      ...(decidedBy && { decidedBy }),
      chains: this.chains.slice(firstChain),
    });
  }
}

function setsAcceptMark(action: string): boolean {
  const a = compileActionCached(action);
  return a.kind === "mark" && (a.value & ACCEPT_MARK) !== 0 && (a.mask & ACCEPT_MARK) !== 0;
}

const actionCache = new Map<string, RuleAction>();
function compileActionCached(action: string): RuleAction {
  let a = actionCache.get(action);
  if (!a) actionCache.set(action, (a = compileAction(action)));
  return a;
}

/** `cali-fw-<iface>` is a workload's egress chain, `cali-tw-<iface>` its ingress chain. */
function endpointOf(chain: string): "ingress" | "egress" | undefined {
  if (chain.startsWith("cali-fw-")) return "egress";
  if (chain.startsWith("cali-tw-")) return "ingress";
  return undefined;
}

const tracers = new WeakMap<DataplaneState, WeakMap<object, Tracer>>();
const NO_ORIGINS = {};

/** The cached tracer for a state (and origin table). */
export function tracerFor(state: DataplaneState, origins?: RuleOrigins): Tracer {
  let byOrigins = tracers.get(state);
  if (!byOrigins) tracers.set(state, (byOrigins = new WeakMap()));
  const key = origins ?? NO_ORIGINS;
  let t = byOrigins.get(key);
  if (!t) byOrigins.set(key, (t = new Tracer(state, origins)));
  return t;
}
