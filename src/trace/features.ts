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
import type { DataplaneState, IpSet, IptRule } from "../render/types.js";
import { parseIpv4Net, parseIpv6Net, inNet, inNet6, type Address, type Ipv4Net, type Ipv6Net } from "./ip.js";
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

/** Dispatch chains map an interface to its endpoint chain; they are the only per-pod node-level chains. */
const isDispatch = (name: string): boolean => name.startsWith("cali-from-wl-dispatch") || name.startsWith("cali-to-wl-dispatch");
const isEndpoint = (name: string): boolean => name.startsWith("cali-fw-") || name.startsWith("cali-tw-");

const SET_RE = /--match-set (\S+)/g;
const NET_RE = /(?:^|\s)(?:--source|--destination|-s|-d) (\S+)/g;
const TARGET_RE = /^(--jump|-j|--goto|-g) (cali-\S+)$/;

/** Fingerprints and features of one compiled node. */
export class NodeShapes {
  private readonly chains = new Map<string, readonly IptRule[]>();
  private readonly setByName = new Map<string, IpSet>();
  private readonly deep = new Map<string, { fp: string; features: Set<number> }>();
  private environment?: { fp: string; features: Set<number> };

  constructor(
    private readonly state: DataplaneState,
    private readonly universe: FeatureUniverse,
    /** Text that keeps shapes of different nodes apart when a chain is missing. */
    private readonly node: string,
  ) {
    for (const c of state.chains) this.chains.set(c.name, c.rules);
    for (const s of state.ipsets) this.setByName.set(s.name, s);
  }

  /** The shape of `cali-fw-<iface>` (egress) or `cali-tw-<iface>` (ingress). */
  endpoint(chain: string): EndpointShape {
    const env = this.env();
    if (!this.chains.has(chain)) return { fingerprint: `missing\u0000${this.node}\u0000${chain}`, features: [...env.features].sort((a, b) => a - b) };
    const c = this.chain(chain, []);
    const features = new Set([...env.features, ...c.features]);
    return { fingerprint: `${env.fp}\u0003${c.fp}`, features: [...features].sort((a, b) => a - b) };
  }

  /**
   * The hook rules and node-level chains, with dispatch chains (per interface) left abstract.
   * A node with host endpoints adds its raw and mangle tables (pre-DNAT and untracked policy,
   * the host endpoint dispatch): a forwarded packet crosses them too, so their rules are part of
   * every endpoint's shape and the addresses they test are features. Their chains are walked in
   * a NodeShapes of their own: chain names repeat across tables.
   */
  private env(): { fp: string; features: Set<number> } {
    if (this.environment) return this.environment;
    const features = new Set<number>();
    const parts: string[] = [];
    for (const h of this.state.hooks) {
      const rules = [...h.inserts, ...h.appends];
      parts.push(`${h.chain}:${this.rules(rules, features, [])}`);
    }
    for (const t of this.state.tables ?? []) {
      const table = new NodeShapes({ ...this.state, chains: t.chains, hooks: t.hooks, tables: [] }, this.universe, this.node).env();
      parts.push(`${t.table}{${table.fp}}`);
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
    const fp = stack.includes(name) ? `loop\u0000${this.node}\u0000${name}` : this.rules(this.chains.get(name) ?? [], features, [...stack, name]);
    const out = { fp: `[${fp}]`, features };
    if (!stack.includes(name)) this.deep.set(name, out);
    return out;
  }

  private rules(rules: readonly IptRule[], features: Set<number>, stack: readonly string[]): string {
    return rules.map((r) => `${this.match(r.match, features)}\u0001${this.action(r.action, features, stack)}`).join("\u0002");
  }

  private match(text: string, features: Set<number>): string {
    for (const m of text.matchAll(NET_RE)) {
      const i = this.universe.netFeature(m[1] as string);
      if (i !== undefined) features.add(i);
    }
    return text.replace(SET_RE, (whole, name: string) => {
      const set = this.setByName.get(name);
      if (!set) return whole; // the interpreter reports the missing set
      const i = this.universe.setFeature(set);
      features.add(i);
      return `--match-set #${i}`;
    });
  }

  private action(text: string, features: Set<number>, stack: readonly string[]): string {
    const m = TARGET_RE.exec(text);
    if (!m) return text;
    const target = m[2] as string;
    if (isDispatch(target)) return `${m[1] as string} DISPATCH`;
    if (isEndpoint(target) || !this.chains.has(target)) return text;
    const c = this.chain(target, stack);
    for (const f of c.features) features.add(f);
    return `${m[1] as string} ${c.fp}`;
  }
}
