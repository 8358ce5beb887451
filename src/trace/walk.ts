/**
 * The iptables dataplane as a TraceProgram: a DataplaneState's tables, as netfilter's x_tables
 * run them. A kernel hook chain runs policy-compile's inserts, then its appends (the trace
 * assumes no foreign rules), then the chain's default policy. Rule text is interpreted by
 * match.ts; the walk itself is engine.ts, shared with nftables.
 *
 * Compiled rules are cached per state (the state is immutable), so tracing many packets through
 * one state parses each fragment once.
 */
import type { RuleOrigin, RuleOrigins } from "../render/origins.js";
import type { Chain, DataplaneState, IptRule, KernelChainHooks, KernelChainName, TableName } from "../render/types.js";
import { endpointOfChain, packetState, programCache, walkStage, type CompiledChain, type EndpointOf, type HostPath, type Stage, type TableWalk, type TraceProgram, type WalkOptions } from "./engine.js";
import { TraceError } from "./errors.js";
import { compileAction, compileMatchParts } from "./match.js";
import { setLookup, type SetLookup } from "./sets.js";
import type { Packet, PacketTrace } from "./types.js";

export type { TableWalk } from "./engine.js";

/** A rule of a chain and the first condition of it a packet fails (none: the rule matches). */
export interface RuleMiss {
  readonly index: number;
  readonly hash: string;
  /** The rule's match text. */
  readonly match: string;
  readonly missed?: string;
  /** The rule sets mark bits (`value` under `mask`). */
  readonly mark?: { readonly value: number; readonly mask: number };
  /** The rule logs. */
  readonly log?: true;
  readonly origin?: RuleOrigin;
}

export interface TraceOptions extends WalkOptions {
  /** Which kernel hook the packet enters; FORWARD for pod traffic. */
  readonly hook?: KernelChainName;
  /** Which table's rules run (filter by default; mangle and raw are in `state.tables`). */
  readonly table?: TableName;
}

export class Tracer implements TraceProgram {
  private readonly chains = new Map<string, CompiledChain>();
  private readonly sets = new Map<string, SetLookup>();
  readonly ipVersion: 4 | 6;

  constructor(
    private readonly state: DataplaneState,
    readonly origins?: RuleOrigins,
  ) {
    this.ipVersion = state.ipVersion;
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
    const p = packetState(packet, this.ipVersion, options);
    // The rules run in order and the mark carries what match blocks found (felix-dataplane.md
    // §4.4): a rule that matches and sets mark bits changes what the later rules see. Nothing
    // else is taken (a verdict would end the walk; here every rule is asked).
    return this.chain(chain, { table: options.table ?? "filter", hook: options.hook ?? "FORWARD" }).rules.map((r) => {
      const missed = r.parts?.find((x) => !x.pred(p));
      const origin = this.origins?.byHash.get(r.hash);
      const mark = r.act.kind === "mark" ? { value: r.act.value, mask: r.act.mask } : undefined;
      if (!missed && mark) p.mark = ((p.mark & ~mark.mask) | mark.value) >>> 0;
      return { index: r.index, hash: r.hash, match: r.match, ...(missed && { missed: missed.text }), ...(mark && { mark }), ...(r.act.kind === "log" && { log: true as const }), ...(origin && { origin }) };
    });
  }

  /** One table's walk, keeping the mark and conntrack state for the next table. */
  walk(packet: Packet, options: TraceOptions = {}): TableWalk {
    return walkStage(this, packet, { table: options.table ?? "filter", hook: options.hook ?? "FORWARD" }, options);
  }

  /** The path's tables in kernel order: its filter hook always, raw and mangle when programmed. */
  stages(path: HostPath): readonly Stage[] {
    return IPT_STAGES[path].filter((s) => s.table === "filter" || this.programs(s));
  }

  /** Whether the state programs any hook rule in `hook` of `table`. */
  hasHook(table: TableName, hook: KernelChainName): boolean {
    return this.tableParts(table).hooks.some((h) => h.chain === hook && h.inserts.length + h.appends.length > 0);
  }

  programs(stage: Stage): boolean {
    return stage.table !== "nat" && this.hasHook(stage.table, stage.hook);
  }

  endpointOf(chain: string): EndpointOf | undefined {
    return endpointOfChain(chain);
  }

  private tableParts(table: TableName): { readonly chains: readonly Chain[]; readonly hooks: readonly KernelChainHooks[] } {
    if (table === "filter") return this.state;
    return this.state.tables?.find((t) => t.table === table) ?? { chains: [], hooks: [] };
  }

  chain(name: string, stage: Stage): CompiledChain {
    const table = iptTable(stage);
    const key = table === "filter" ? name : `${table}\u0000${name}`;
    let c = this.chains.get(key);
    if (c) return c;
    const chain = this.tableParts(table).chains.find((x) => x.name === name);
    if (!chain) throw new TraceError(`rule jumps to chain ${name}, which the state's ${table} table does not have`, "PC8002");
    c = this.compile(name, chain.rules);
    this.chains.set(key, c);
    return c;
  }

  entry(stage: Stage): CompiledChain {
    const table = iptTable(stage);
    const key = `\u0000${table}\u0000${stage.hook}`;
    let c = this.chains.get(key);
    if (c) return c;
    const h = this.tableParts(table).hooks.find((x) => x.chain === stage.hook);
    c = this.compile(stage.hook, h ? [...h.inserts, ...h.appends] : []);
    this.chains.set(key, c);
    return c;
  }

  private compile(name: string, rules: readonly IptRule[]): CompiledChain {
    const lookup = (set: string): SetLookup | undefined => this.set(set);
    return {
      name,
      rules: rules.map((rule, index) => {
        const parts = compileMatchParts(rule.match, lookup, this.state.ipVersion);
        return { index, hash: rule.hash, match: rule.match, action: rule.action, comments: rule.comments, preds: parts.map((x) => x.pred), parts, act: compileAction(rule.action) };
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

const IPT_STAGES: Readonly<Record<HostPath, readonly Stage[]>> = {
  input: [
    { table: "raw", hook: "PREROUTING" },
    { table: "mangle", hook: "PREROUTING" },
    { table: "filter", hook: "INPUT" },
  ],
  forward: [
    { table: "raw", hook: "PREROUTING" },
    { table: "mangle", hook: "PREROUTING" },
    { table: "filter", hook: "FORWARD" },
    { table: "mangle", hook: "POSTROUTING" },
  ],
  output: [
    { table: "raw", hook: "OUTPUT" },
    { table: "mangle", hook: "OUTPUT" },
    { table: "filter", hook: "OUTPUT" },
    { table: "mangle", hook: "POSTROUTING" },
  ],
};

function iptTable(stage: Stage): TableName {
  if (stage.table === "nat") throw new TraceError("policy-compile programs no iptables nat table", "PC8002");
  return stage.table;
}

/** The cached tracer for a state (and origin table). */
export const tracerFor: (state: DataplaneState, origins?: RuleOrigins) => Tracer = programCache((state: DataplaneState, origins?: RuleOrigins) => new Tracer(state, origins));
