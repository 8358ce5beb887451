/**
 * What a node's compiled rules can tell apart, for the class matrix.
 *
 * An endpoint chain's behaviour is fixed by its *deep fingerprint*: its rules with every jump
 * target replaced by that chain's fingerprint and every ipset name replaced by the set's
 * content. Two pods whose endpoint chains (and the node-level chains around them) fingerprint
 * alike run the same rules, on whichever node they live.
 *
 * An address matters to those rules only through the ipsets and literal CIDRs they mention
 * (its *features*), so the chain also records which features it can see. Two addresses with
 * the same bits on those features get the same answer from the chain.
 */
import type { NftDataplaneState } from "../render/nftables/types.js";
import type { DataplaneState, IpSet } from "../render/types.js";
import { parseIpv4Net, parseIpv6Net, inNet, inNet6, type Address, type Ipv4Net, type Ipv6Net } from "./ip.js";
import { asIpSet } from "./nft-program.js";
import { setLookup, type SetLookup } from "./sets.js";

/** One thing that can tell addresses apart: an ipset (by content) or a rule's literal CIDR. */
export type Feature =
  | { readonly kind: "set"; readonly key: string; readonly lookup: SetLookup }
  | { readonly kind: "net"; readonly key: string; readonly net: Ipv4Net }
  | { readonly kind: "net6"; readonly key: string; readonly net: Ipv6Net };

/** Features of every node analysed, numbered in first-seen order (the numbering is internal). */
export class FeatureUniverse {
  readonly features: Feature[] = [];
  private readonly index = new Map<string, number>();

  setFeature(set: IpSet): number {
    const key = `s\u0000${set.type}\u0000${[...set.members].sort().join(",")}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.features.length;
      this.features.push({ kind: "set", key, lookup: setLookup(set) });
      this.index.set(key, i);
    }
    return i;
  }

  netFeature(text: string): number | undefined {
    // ip6tables rules carry IPv6 CIDRs: the same feature over 128-bit addresses.
    const net4 = parseIpv4Net(text);
    const net6 = net4 ? undefined : parseIpv6Net(text);
    if (!net4 && !net6) return undefined; // the interpreter rejects it when the rule runs
    const key = net4 ? `n\u0000${net4.network}/${net4.prefix}` : `n6\u0000${String((net6 as Ipv6Net).network)}/${(net6 as Ipv6Net).prefix}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.features.length;
      this.features.push(net4 ? { kind: "net", key, net: net4 } : { kind: "net6", key, net: net6 as Ipv6Net });
      this.index.set(key, i);
    }
    return i;
  }

  /** One character per feature: is (ip, protocol, port) in it. An address never matches a net of the other family. */
  vector(ip: Address, protocol: number, port: number | undefined): string {
    let s = "";
    for (const f of this.features) {
      const hit =
        f.kind === "set" ? f.lookup.has(ip, protocol, port) : f.kind === "net" ? typeof ip === "number" && inNet(ip, f.net) : typeof ip === "bigint" && inNet6(ip, f.net);
      s += hit ? "1" : "0";
    }
    return s;
  }
}

export interface EndpointShape {
  /** Deep fingerprint of the node's surroundings and this endpoint chain. */
  readonly fingerprint: string;
  /** Features (universe indices, ascending) the walk through this chain can consult. */
  readonly features: readonly number[];
}

/** A rule as the fingerprint sees it: the match text, and the action text (where jump targets are). */
interface ShapeRule {
  readonly match: string;
  readonly action: string;
}

/**
 * What the fingerprint needs of one dataplane's state: its chains, the rules it enters from the
 * kernel (hooks or base chains), its sets, and where set names, literal networks and jump
 * targets stand in rule text.
 */
export interface ShapeSource {
  readonly chains: ReadonlyMap<string, readonly ShapeRule[]>;
  /** The kernel's entry points, each a labelled rule list (hook rules, base chains). */
  readonly roots: readonly (readonly [string, readonly ShapeRule[]])[];
  readonly sets: ReadonlyMap<string, IpSet>;
  /** Global; group 1 is the set name. Replaced by the set's feature number. */
  readonly setRef: RegExp;
  /** Global; group 1 is a literal CIDR. */
  readonly netRef: RegExp;
  /** Group 1 is the jump/goto verb, group 2 the target. */
  readonly target: RegExp;
  /** Chains that map an interface to its endpoint chain (per pod, so left abstract). */
  isDispatch(name: string): boolean;
  isEndpoint(name: string): boolean;
  /** The egress (from-workload) and ingress (to-workload) chain name prefixes. */
  readonly endpointPrefix: { readonly egress: string; readonly ingress: string };
  /**
   * Further tables a forwarded packet crosses whose chain names repeat this source's (iptables'
   * raw and mangle on a node with host endpoints), each fingerprinted on its own.
   */
  readonly subtables?: readonly (readonly [string, ShapeSource])[];
}

/** An iptables state: hooks are the roots, `--match-set` names sets. */
export function iptShapeSource(state: DataplaneState): ShapeSource {
  return {
    chains: new Map(state.chains.map((c) => [c.name, c.rules])),
    roots: state.hooks.map((h) => [h.chain, [...h.inserts, ...h.appends]] as const),
    sets: new Map(state.ipsets.map((s) => [s.name, s])),
    setRef: /--match-set (\S+)/g,
    netRef: /(?:^|\s)(?:--source|--destination|-s|-d) (\S+)/g,
    target: /^(--jump|-j|--goto|-g) (cali-\S+)$/,
    isDispatch: (name) => name.startsWith("cali-from-wl-dispatch") || name.startsWith("cali-to-wl-dispatch"),
    isEndpoint: (name) => name.startsWith("cali-fw-") || name.startsWith("cali-tw-"),
    endpointPrefix: { egress: "cali-fw-", ingress: "cali-tw-" },
    // A node with host endpoints: pre-DNAT and untracked policy and the host endpoint dispatch run
    // in raw and mangle before filter, so their rules are part of every endpoint's shape and the
    // addresses they test are features.
    subtables: (state.tables ?? []).map((t) => [t.table, iptShapeSource({ ...state, chains: t.chains, hooks: t.hooks, tables: [] })] as const),
  };
}

const NFT_TARGET = / ?((?:jump|goto) \S+)$/;

/** An nft table: base chains are the roots, `@name` names sets, the workload dispatch is a verdict map. */
export function nftShapeSource(state: NftDataplaneState): ShapeSource {
  const split = (body: string): ShapeRule => {
    const m = NFT_TARGET.exec(body);
    return m ? { match: body.slice(0, m.index), action: m[1] as string } : { match: body, action: "" };
  };
  const rules = (c: NftDataplaneState["chains"][number]): ShapeRule[] => c.rules.map((r) => split(r.body));
  return {
    chains: new Map(state.chains.map((c) => [c.name, rules(c)])),
    roots: state.chains.filter((c) => c.base !== undefined).map((c) => [c.name, rules(c)] as const),
    sets: new Map(state.sets.map((s) => [s.name, asIpSet(s)])),
    setRef: /@(cali\S+)/g,
    netRef: /(?:^|\s)ip6? [sd]addr (?:!= )?([0-9a-f.:]+(?:\/\d+)?)(?=\s|$)/g,
    target: /^(jump|goto) (\S+)$/,
    isDispatch: (name) => /^filter-cali-(from|to)-wl-dispatch/.test(name),
    isEndpoint: (name) => /^filter-cali-(fw|tw)-/.test(name),
    endpointPrefix: { egress: "filter-cali-fw-", ingress: "filter-cali-tw-" },
  };
}

/** Fingerprints and features of one compiled node. */
export class NodeShapes {
  private readonly deep = new Map<string, { fp: string; features: Set<number> }>();
  private environment?: { fp: string; features: Set<number> };

  constructor(
    private readonly source: ShapeSource,
    private readonly universe: FeatureUniverse,
    /** Text that keeps shapes of different nodes apart when a chain is missing. */
    private readonly node: string,
  ) {}

  /** The shape of a workload's egress or ingress chain. */
  endpoint(direction: "egress" | "ingress", interfaceName: string): EndpointShape {
    const chain = `${this.source.endpointPrefix[direction]}${interfaceName}`;
    const env = this.env();
    if (!this.source.chains.has(chain)) return { fingerprint: `missing\u0000${this.node}\u0000${chain}`, features: [...env.features].sort((a, b) => a - b) };
    const c = this.chain(chain, []);
    const features = new Set([...env.features, ...c.features]);
    return { fingerprint: `${env.fp}\u0003${c.fp}`, features: [...features].sort((a, b) => a - b) };
  }

  /**
   * The hook rules and node-level chains, with dispatch chains (per interface) left abstract; with
   * the source's subtables (walked in a NodeShapes of their own: chain names repeat across tables).
   */
  private env(): { fp: string; features: Set<number> } {
    if (this.environment) return this.environment;
    const features = new Set<number>();
    const parts = this.source.roots.map(([label, rules]) => `${label}:${this.rules(rules, features, [])}`);
    for (const [label, sub] of this.source.subtables ?? []) {
      const table = new NodeShapes(sub, this.universe, this.node).env();
      parts.push(`${label}{${table.fp}}`);
      for (const f of table.features) features.add(f);
    }
    this.environment = { fp: parts.join("\u0004"), features };
    return this.environment;
  }

  private chain(name: string, stack: readonly string[]): { fp: string; features: Set<number> } {
    const known = this.deep.get(name);
    if (known) return known;
    const features = new Set<number>();
    // A loop has no finite fingerprint; naming the chain keeps it distinct (and the walk fails loudly).
    const fp = stack.includes(name) ? `loop\u0000${this.node}\u0000${name}` : this.rules(this.source.chains.get(name) ?? [], features, [...stack, name]);
    const out = { fp: `[${fp}]`, features };
    if (!stack.includes(name)) this.deep.set(name, out);
    return out;
  }

  private rules(rules: readonly ShapeRule[], features: Set<number>, stack: readonly string[]): string {
    return rules.map((r) => `${this.match(r.match, features)}\u0001${this.action(r.action, features, stack)}`).join("\u0002");
  }

  private match(text: string, features: Set<number>): string {
    for (const m of text.matchAll(this.source.netRef)) {
      const i = this.universe.netFeature(m[1] as string);
      if (i !== undefined) features.add(i);
    }
    return text.replace(this.source.setRef, (whole, name: string) => {
      const set = this.source.sets.get(name);
      if (!set) return whole; // the interpreter reports the missing set
      const i = this.universe.setFeature(set);
      features.add(i);
      return `#set${i}`;
    });
  }

  private action(text: string, features: Set<number>, stack: readonly string[]): string {
    const m = this.source.target.exec(text);
    if (!m) return text;
    const target = m[2] as string;
    if (this.source.isDispatch(target)) return `${m[1] as string} DISPATCH`;
    if (this.source.isEndpoint(target) || !this.source.chains.has(target)) return text;
    const c = this.chain(target, stack);
    for (const f of c.features) features.add(f);
    return `${m[1] as string} ${c.fp}`;
  }
}
