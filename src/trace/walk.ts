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
import type { RuleOrigin, RuleOrigins } from "../render/origins.js";
import type { Chain, DataplaneState, IptRule, KernelChainHooks, KernelChainName, TableName } from "../render/types.js";
import { TraceError } from "./errors.js";
import { parseAddress } from "./ip.js";
import { compileAction, compileMatchParts, type MatchPart, type PacketState, type Predicate, type RuleAction } from "./match.js";
import { setLookup, type SetLookup } from "./sets.js";
import type { EndpointDecision, Packet, PacketTrace, TraceStep, Verdict } from "./types.js";

interface CompiledRule {
  readonly rule: IptRule;
  readonly index: number;
  readonly preds: readonly Predicate[];
  /** The same conditions with their texts (preds[i] is parts[i].pred). */
  readonly parts: readonly MatchPart[];
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
  /** Which table's rules run (filter by default; mangle and raw are in `state.tables`). */
  readonly table?: TableName;
  /** The packet's mark as it enters (an earlier table may have set it; 0 by default). */
  readonly mark?: number;
  /** Conntrack state as it enters (NEW by default; UNTRACKED after a raw NOTRACK). */
  readonly ctState?: "NEW" | "UNTRACKED";
}

/** A rule of a chain and the first condition of it a packet fails (none: the rule matches). */
export interface RuleMiss {
  readonly index: number;
  readonly hash: string;
  readonly missed?: string;
  readonly origin?: RuleOrigin;
}

/** A walk of one table, with the mark and conntrack state the packet leaves it with. */
export interface TableWalk {
  readonly trace: PacketTrace;
  readonly mark: number;
  readonly ctState: "NEW" | "UNTRACKED";
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
    return this.walk(packet, options).trace;
  }

  /**
   * Each rule of one chain with the first of its conditions the packet fails (`missed`), or none
   * when the rule matches: why no rule of a policy chain took a packet. The packet is taken as it
   * enters the chain with `options.mark` (the accept and pass bits clear, as a tier starts).
   */
  misses(chain: string, packet: Packet, options: TraceOptions = {}): RuleMiss[] {
    const p = this.packetState(packet, options);
    return this.compiledChain(chain, options.table ?? "filter").rules.map((r) => {
      const missed = r.parts.find((x) => !x.pred(p));
      return { index: r.index, hash: r.rule.hash, ...(missed && { missed: missed.text }), ...(this.origins?.byHash.get(r.rule.hash) && { origin: this.origins.byHash.get(r.rule.hash) }) };
    });
  }

  /** One table's walk, keeping the mark and conntrack state for the next table. */
  walk(packet: Packet, options: TraceOptions = {}): TableWalk {
    const p = this.packetState(packet, options);
    const table = options.table ?? "filter";
    const run = new Run(this, p, this.origins, options.table ?? "filter");
    const hook = options.hook ?? "FORWARD";
    const outcome = run.chain(this.hookChain(table, hook), 0);
    const verdict: Verdict =
      outcome.kind === "return" ? (options.defaultPolicy === "DROP" ? "deny" : "allow") : outcome.kind === "accept" ? "allow" : "deny";
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

  private packetState(packet: Packet, options: TraceOptions): PacketState {
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
      ctState: options.ctState ?? packet.ctState,
      mark: options.mark ?? 0,
    };
    return p;
  }

  /** Whether the state programs any hook rule in `hook` of `table`. */
  hasHook(table: TableName, hook: KernelChainName): boolean {
    return this.tableParts(table).hooks.some((h) => h.chain === hook && h.inserts.length + h.appends.length > 0);
  }

  private tableParts(table: TableName): { readonly chains: readonly Chain[]; readonly hooks: readonly KernelChainHooks[] } {
    if (table === "filter") return this.state;
    return this.state.tables?.find((t) => t.table === table) ?? { chains: [], hooks: [] };
  }

  /** @internal */
  compiledChain(name: string, table: TableName = "filter"): CompiledChain {
    const key = table === "filter" ? name : `${table}\u0000${name}`;
    let c = this.chains.get(key);
    if (c) return c;
    const chain = this.tableParts(table).chains.find((x) => x.name === name);
    if (!chain) throw new TraceError(`rule jumps to chain ${name}, which the state's ${table} table does not have`, "PC8002");
    c = this.compile(name, chain.rules);
    this.chains.set(key, c);
    return c;
  }

  private hookChain(table: TableName, hook: KernelChainName): CompiledChain {
    const key = `\u0000${table}\u0000${hook}`;
    let c = this.chains.get(key);
    if (c) return c;
    const h = this.tableParts(table).hooks.find((x) => x.chain === hook);
    c = this.compile(hook, h ? [...h.inserts, ...h.appends] : []);
    this.chains.set(key, c);
    return c;
  }

  private compile(name: string, rules: readonly IptRule[]): CompiledChain {
    const lookup = (set: string): SetLookup | undefined => this.set(set);
    return {
      name,
      rules: rules.map((rule, index) => {
        const parts = compileMatchParts(rule.match, lookup, this.state.ipVersion);
        return { rule, index, preds: parts.map((x) => x.pred), parts, action: compileAction(rule.action) };
      }),
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
    private readonly table: TableName,
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
          const o = this.chain(this.tracer.compiledChain(a.target, this.table), depth + 1);
          if (o.kind !== "return") return o;
          break;
        }
        case "goto":
          return this.chain(this.tracer.compiledChain(a.target, this.table), depth + 1);
      }
    }
    return { kind: "return" };
  }

  private step(chain: string, r: CompiledRule): TraceStep {
    const origin = this.origins?.byHash.get(r.rule.hash);
    const step: TraceStep = { chain, index: r.index, hash: r.rule.hash, match: r.rule.match, action: r.rule.action, ...(r.rule.comments.length > 0 && { comment: r.rule.comments.join("; ") }), ...(origin && { origin }) };
    this.steps.push(step);
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
        const s = this.steps[i] as TraceStep;
        if (setsAcceptMark(s.action)) {
          decidedBy = s;
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

interface EndpointOf {
  readonly direction: "ingress" | "egress";
  readonly host: boolean;
}

/**
 * `cali-fw-<iface>` is a workload's egress chain, `cali-tw-<iface>` its ingress chain; a host
 * endpoint's `cali-fh-`/`cali-fhfw-` (from the interface: the host's ingress policy, and its
 * forward variant) and `cali-th-`/`cali-thfw-` (to the interface: egress).
 */
function endpointOf(chain: string): EndpointOf | undefined {
  if (chain.startsWith("cali-fw-")) return { direction: "egress", host: false };
  if (chain.startsWith("cali-tw-")) return { direction: "ingress", host: false };
  if (chain.startsWith("cali-fh-") || chain.startsWith("cali-fhfw-")) return { direction: "ingress", host: true };
  if (chain.startsWith("cali-th-") || chain.startsWith("cali-thfw-")) return { direction: "egress", host: true };
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
