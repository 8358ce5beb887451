/**
 * The nftables dataplane as a TraceProgram: one family's `calico` table (NftDataplaneState).
 * A hook's stages are the table's base chains on that hook in priority order (raw -300,
 * mangle -150, nat -100/110, filter 0; felix-nftables.md §1.2, §1.4); every base chain's policy
 * is accept, and an accept ends only that base chain (§9.3). Chains are table-wide and already
 * layer-prefixed, so a jump names its target in full. Sets answer as the kernel does: an
 * interval set contains an address when one of its prefixes does, a plain address set holds
 * exact addresses, a concatenated set holds exact (address, protocol, port) triples. Verdict
 * maps look the interface name up exactly.
 *
 * Rules are compiled once per state (nft-match.ts) and cached, like the iptables program.
 */
import type { RuleOrigins } from "../render/origins.js";
import type { NftChain, NftDataplaneState, NftHook, NftMap, NftSet } from "../render/nftables/types.js";
import type { IpSet, KernelChainName } from "../render/types.js";
import { endpointOfChain, programCache, walkStage, type CompiledChain, type EndpointOf, type HostPath, type Stage, type TableWalk, type TraceProgram, type WalkOptions } from "./engine.js";
import { TraceError } from "./errors.js";
import type { MapHit } from "./match.js";
import { compileNftBody, type NftContext } from "./nft-match.js";
import { setLookup, type SetLookup } from "./sets.js";
import type { Packet, TraceTable } from "./types.js";

/** The hooks of each path, in the order the packet meets them. */
const PATH_HOOKS: Readonly<Record<HostPath, readonly NftHook[]>> = {
  input: ["prerouting", "input"],
  forward: ["prerouting", "forward", "postrouting"],
  output: ["output", "postrouting"],
};

const KERNEL_HOOK: Readonly<Record<NftHook, KernelChainName>> = {
  prerouting: "PREROUTING",
  input: "INPUT",
  forward: "FORWARD",
  output: "OUTPUT",
  postrouting: "POSTROUTING",
};

const LAYERS: readonly TraceTable[] = ["raw", "mangle", "nat", "filter"];

/** The layer a chain name belongs to (`filter-cali-FORWARD` → filter), from its prefix. */
function layerOf(name: string): TraceTable | undefined {
  return LAYERS.find((l) => name.startsWith(`${l}-`));
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { "6": "tcp", "17": "udp", "132": "sctp", "136": "udplite", tcp: "tcp", udp: "udp", sctp: "sctp", udplite: "udplite" };

/** An nft set as the ipset lookups know it: `10.65.0.7 . tcp . 8080` → `10.65.0.7,tcp:8080`. */
export function asIpSet(set: NftSet): IpSet {
  const family = set.type.startsWith("ipv6") ? "inet6" : "inet";
  if (set.type === "ipv4_addr" || set.type === "ipv6_addr") {
    // A plain address set holds addresses only: nft refuses a prefix in a set without `interval`,
    // so a state that has one is not a table the kernel holds.
    const prefixed = set.interval ? undefined : set.elements.find((e) => e.includes("/"));
    if (prefixed !== undefined) throw new TraceError(`nft set ${set.name}: element ${prefixed} is a prefix in a set without flags interval`, "PC8002");
    return { name: set.name, type: "hash:net", family, maxelem: set.elements.length, members: set.elements };
  }
  const members = set.elements.map((e) => {
    const m = /^(\S+) \. (\S+) \. (\d+)$/.exec(e);
    const proto = m ? PROTOCOL_NAMES[m[2] as string] : undefined;
    if (!m || proto === undefined) throw new TraceError(`nft set ${set.name}: element ${e} is not address . protocol . port`, "PC8002");
    return `${m[1] as string},${proto}:${m[3] as string}`;
  });
  return { name: set.name, type: "hash:ip,port", family, maxelem: members.length, members };
}

/** A verdict map's exact-key lookup. */
function mapLookup(map: NftMap): (key: string) => MapHit | undefined {
  const byKey = new Map<string, MapHit>();
  for (const e of map.elements) {
    const element = `${e.key} : ${e.verdict}`;
    const m = /^(goto|jump) (\S+)$/.exec(e.verdict);
    if (m) byKey.set(e.key, { action: { kind: m[1] as "goto" | "jump", target: m[2] as string }, element });
    else if (e.verdict === "return") byKey.set(e.key, { action: { kind: "return" }, element });
    else throw new TraceError(`verdict map ${map.name}: element ${element} is not goto, jump or return`, "PC8002");
  }
  return (key) => byKey.get(key);
}

export class NftTracer implements TraceProgram {
  readonly ipVersion: 4 | 6;
  private readonly byName = new Map<string, NftChain>();
  private readonly compiled = new Map<string, CompiledChain>();
  private readonly sets = new Map<string, SetLookup>();
  private readonly maps = new Map<string, (key: string) => MapHit | undefined>();
  private readonly ctx: NftContext;

  constructor(
    private readonly state: NftDataplaneState,
    readonly origins?: RuleOrigins,
  ) {
    this.ipVersion = state.ipVersion;
    for (const c of state.chains) this.byName.set(c.name, c);
    this.ctx = {
      family: state.family,
      set: (name) => this.set(name),
      map: (name) => this.map(name),
    };
  }

  /** The base chains of a path, hook by hook, each hook's by priority (then name). */
  private baseChains(path: HostPath): NftChain[] {
    return PATH_HOOKS[path].flatMap((hook) =>
      this.state.chains
        .filter((c) => c.base?.hook === hook)
        .sort((a, b) => (a.base?.priority ?? 0) - (b.base?.priority ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
  }

  stages(path: HostPath): readonly Stage[] {
    return this.baseChains(path)
      .filter((c) => c.rules.length > 0)
      .map((c) => this.stageOf(c));
  }

  private stageOf(c: NftChain): Stage {
    const table = layerOf(c.name);
    if (table === undefined || c.base === undefined) throw new TraceError(`base chain ${c.name} has no layer prefix (raw-, mangle-, nat-, filter-)`, "PC8002");
    return { table, hook: KERNEL_HOOK[c.base.hook] };
  }

  /** The base chain of a stage: the one of that layer on that hook. */
  private base(stage: Stage): NftChain | undefined {
    return this.state.chains.find((c) => c.base !== undefined && KERNEL_HOOK[c.base.hook] === stage.hook && layerOf(c.name) === stage.table);
  }

  programs(stage: Stage): boolean {
    return (this.base(stage)?.rules.length ?? 0) > 0;
  }

  entry(stage: Stage): CompiledChain {
    const c = this.base(stage);
    if (!c) throw new TraceError(`the ${this.state.family} calico table has no ${stage.table} base chain on hook ${stage.hook.toLowerCase()}`, "PC8002");
    return this.chain(c.name);
  }

  chain(name: string): CompiledChain {
    let c = this.compiled.get(name);
    if (c) return c;
    const chain = this.byName.get(name);
    if (!chain) throw new TraceError(`rule jumps to chain ${name}, which the ${this.state.family} calico table does not have`, "PC8002");
    c = {
      name,
      rules: chain.rules.map((r, index) => {
        const body = compileNftBody(r.body, this.ctx);
        return { index, hash: r.hash, match: body.match, action: body.action, comments: r.comments, preds: body.preds, act: body.act };
      }),
    };
    this.compiled.set(name, c);
    return c;
  }

  endpointOf(chain: string): EndpointOf | undefined {
    const layer = layerOf(chain);
    return layer === undefined ? undefined : endpointOfChain(chain.slice(layer.length + 1));
  }

  /** One stage's walk (the filter FORWARD base chain by default). */
  walk(packet: Packet, stage: Stage = { table: "filter", hook: "FORWARD" }, options: WalkOptions = {}): TableWalk {
    return walkStage(this, packet, stage, options);
  }

  private set(name: string): SetLookup | undefined {
    let s = this.sets.get(name);
    if (s) return s;
    const def = this.state.sets.find((x) => x.name === name);
    if (!def) return undefined;
    s = setLookup(asIpSet(def));
    this.sets.set(name, s);
    return s;
  }

  private map(name: string): ((key: string) => MapHit | undefined) | undefined {
    let m = this.maps.get(name);
    if (m) return m;
    const def = this.state.maps.find((x) => x.name === name);
    if (!def) return undefined;
    m = mapLookup(def);
    this.maps.set(name, m);
    return m;
  }
}

/** The cached tracer for an nft state (and origin table). */
export const nftTracerFor: (state: NftDataplaneState, origins?: RuleOrigins) => NftTracer = programCache((state: NftDataplaneState, origins?: RuleOrigins) => new NftTracer(state, origins));
