/**
 * Ipset members, computed over the whole cluster: every endpoint (on any node) whose labels
 * match, with its addresses of the set's family (IPv4 for `cali4…`, IPv6 for `cali6…`), plus matching NetworkSet/GlobalNetworkSet nets and host
 * endpoints' expected IPs. Named-port sets hold `ip,proto:port` for the endpoints that declare
 * that port name with that protocol, or with any protocol (each under its own) for a set of a
 * protocol-less rule. Members are de-duplicated and sorted by address, then
 * prefix length, then text (10.0.0.2 before 10.0.0.10).
 */
import type { Labels, Model, NamedPort } from "../model/types.js";
import type { IpSet } from "../render/types.js";
import { LabelIndex } from "./label-index.js";
import { formatCidr, parseCidr } from "../model/cidr.js";
import { formatV4Net, isIpv6, maskOf, parseV4Net } from "./nets.js";
import type { IpSetDemand } from "./rules.js";

/** Felix's MaxIpsetSize default. */
export const IPSET_MAXELEM = 1048576;

interface Member {
  readonly labels: Labels;
  /** Addresses or CIDRs as the model holds them (any family). */
  readonly addresses: readonly string[];
  readonly ports: readonly NamedPort[];
}

/** A member string with its sort key. */
export interface Entry {
  readonly text: string;
  /** IPv4: the address as a number. IPv6: 0 (the order comes from `wide`). */
  readonly address: number;
  readonly prefix: number;
  /** IPv6 only: the address as 32 hex digits, which sort like the 128-bit number. */
  readonly wide?: string;
}

function members(model: Model): Member[] {
  const out: Member[] = [];
  for (const ep of model.endpoints) out.push({ labels: ep.labels, addresses: ep.ipNetworks, ports: ep.ports });
  for (const hep of model.hostEndpoints) out.push({ labels: hep.labels, addresses: hep.expectedIPs, ports: hep.ports });
  for (const ns of model.networkSets) out.push({ labels: ns.labels, addresses: ns.nets, ports: [] });
  return out;
}

/** The kernel's hash:net refuses a /0; Felix's canonical form is the two /1 halves. */
export const ZERO_HALVES: readonly Entry[] = [
  { text: "0.0.0.0/1", address: 0, prefix: 1 },
  { text: "128.0.0.0/1", address: 0x80000000, prefix: 1 },
];

/** The same for `::/0` in an inet6 set. */
export const ZERO_HALVES_V6: readonly Entry[] = [
  { text: "::/1", address: 0, prefix: 1, wide: "0".repeat(32) },
  { text: "8000::/1", address: 0, prefix: 1, wide: `8${"0".repeat(31)}` },
];

export class IpSetResolver {
  private readonly index: LabelIndex<Member>;
  /** Parsed nets of the family per item, computed the first time a selector selects it. */
  private readonly nets = new Map<Member, readonly Entry[]>();
  private readonly entriesOf: (addresses: readonly string[]) => Entry[];

  constructor(model: Model, ipVersion: 4 | 6 = 4) {
    this.index = new LabelIndex(members(model));
    this.entriesOf = ipVersion === 4 ? v4Entries : v6Entries;
  }

  private netsOf(m: Member): readonly Entry[] {
    let nets = this.nets.get(m);
    if (nets) return nets;
    nets = this.entriesOf(m.addresses);
    this.nets.set(m, nets);
    return nets;
  }

  resolve(d: IpSetDemand): IpSet {
    const entries = new Map<string, Entry>();
    for (const m of this.index.select(d.selector)) for (const e of demandEntries(d, this.netsOf(m), m.ports)) entries.set(e.text, e);
    return ipSetOf(d, [...entries.values()].sort(compareEntries));
  }
}

/** An item's IPv4 addresses as ipset entries (network form; other families and junk dropped). */
export function v4Entries(addresses: readonly string[]): Entry[] {
  const out: Entry[] = [];
  for (const a of addresses) {
    if (isIpv6(a)) continue;
    const net = parseV4Net(a);
    if (!net) continue;
    const address = (net.address & maskOf(net.prefix)) >>> 0;
    // Reuse the model's string when it is already in network form (the common /32).
    const text = address === net.address && a.includes("/") ? a : formatV4Net(address, net.prefix);
    out.push({ text, address, prefix: net.prefix });
  }
  // Kept per member by the agent's ipset store: exact size, not the grown push buffer.
  return out.length === 0 ? out : out.slice();
}

/**
 * An item's IPv6 addresses as inet6 ipset entries: network form in Go's `IPNet.String()` spelling
 * (`fd00::5/128`, compressed, lower case), which is also what `ipset save` canonicalises to.
 */
export function v6Entries(addresses: readonly string[]): Entry[] {
  const out: Entry[] = [];
  for (const a of addresses) {
    if (!isIpv6(a)) continue;
    const c = parseCidr(a, true);
    if (!c || c.version !== 6) continue;
    const wide = c.bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
    out.push({ text: formatCidr(c), address: 0, prefix: c.prefix, wide });
  }
  return out;
}

/** What one selected item (its entries of the set's family and named ports) puts into the set `d`. */
export function demandEntries(d: IpSetDemand, nets: readonly Entry[], ports: readonly NamedPort[]): Entry[] {
  const out: Entry[] = [];
  if (d.kind === "selector") {
    for (const n of nets) for (const e of n.prefix === 0 ? (n.wide === undefined ? ZERO_HALVES : ZERO_HALVES_V6) : [n]) out.push(e);
    return out;
  }
  for (const p of ports) {
    if (p.name !== d.port || (d.protocol !== "any" && p.protocol !== d.protocol)) continue;
    // Named ports belong to endpoints, whose addresses are single hosts.
    for (const n of nets) {
      const text = `${n.text.replace(/\/(?:32|128)$/, "")},${p.protocol}:${p.port}`;
      out.push(n.wide === undefined ? { text, address: n.address, prefix: n.prefix } : { text, address: 0, prefix: n.prefix, wide: n.wide });
    }
  }
  return out;
}

/** Members order: by address, then prefix length, then text (10.0.0.2 before 10.0.0.10). */
export function compareEntries(a: Entry, b: Entry): number {
  return (
    a.address - b.address ||
    (a.wide === b.wide ? 0 : (a.wide ?? "") < (b.wide ?? "") ? -1 : 1) ||
    a.prefix - b.prefix ||
    (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)
  );
}

/** The set for demand `d` with these (de-duplicated, sorted) entries. */
export function ipSetOf(d: IpSetDemand, sorted: readonly Entry[]): IpSet {
  return {
    name: d.name,
    type: d.kind === "selector" ? "hash:net" : "hash:ip,port",
    // The family is part of the name Felix gives the set (`cali40…` / `cali60…`).
    family: d.name.startsWith("cali6") ? "inet6" : "inet",
    maxelem: IPSET_MAXELEM,
    members: sorted.map((e) => e.text),
  };
}
