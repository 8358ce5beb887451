/**
 * Ipset membership as the kernel answers it: `hash:net` contains an address when some member
 * network covers it; `hash:ip,port` contains (address, protocol, port) exactly.
 */
import type { IpSet } from "../render/types.js";
import { TraceError } from "./errors.js";
import { maskOf, maskOf6, parseIpv4, parseIpv4Net, parseIpv6, parseIpv6Net, type Address } from "./ip.js";

export interface SetLookup {
  readonly type: IpSet["type"];
  /** hash:net: is `ip` in the set. hash:ip,port: is (ip, protocol, port) in the set. */
  has(ip: Address, protocol?: number, port?: number): boolean;
}

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132, udplite: 136 };

/** One IP family's address arithmetic, so hash:net lookups are written once for both. */
interface NetFamily<A extends number | bigint> {
  readonly name: string;
  parse(member: string): { readonly network: A; readonly prefix: number } | undefined;
  isAddress(ip: Address): ip is A;
  networkOf(ip: A, prefix: number): A;
}

const INET: NetFamily<number> = {
  name: "IPv4",
  parse: parseIpv4Net,
  isAddress: (ip): ip is number => typeof ip === "number",
  networkOf: (ip, prefix) => (ip & maskOf(prefix)) >>> 0,
};

const INET6: NetFamily<bigint> = {
  name: "IPv6",
  parse: parseIpv6Net,
  isAddress: (ip): ip is bigint => typeof ip === "bigint",
  networkOf: (ip, prefix) => ip & maskOf6(prefix),
};

class NetSet<A extends number | bigint> implements SetLookup {
  readonly type = "hash:net" as const;
  /** prefix length → member networks of that length; few distinct lengths in practice. */
  private readonly byPrefix = new Map<number, Set<A>>();

  constructor(
    set: IpSet,
    private readonly family: NetFamily<A>,
  ) {
    for (const m of set.members) {
      const net = family.parse(m);
      if (!net) throw new TraceError(`ipset ${set.name}: member ${m} is not an ${family.name} network`, "PC8002");
      let nets = this.byPrefix.get(net.prefix);
      if (!nets) this.byPrefix.set(net.prefix, (nets = new Set()));
      nets.add(net.network);
    }
  }

  networks(): ReadonlyMap<number, ReadonlySet<A>> {
    return this.byPrefix;
  }

  has(ip: Address): boolean {
    if (!this.family.isAddress(ip)) return false;
    for (const [prefix, nets] of this.byPrefix) if (nets.has(this.family.networkOf(ip, prefix))) return true;
    return false;
  }
}

class IpPortSet implements SetLookup {
  readonly type = "hash:ip,port" as const;
  private readonly members = new Set<string>();

  constructor(set: IpSet) {
    const v6 = set.family === "inet6";
    for (const m of set.members) {
      const match = /^([^,]+),([a-z]+):(\d+)$/.exec(m);
      const ip = match ? (v6 ? parseIpv6 : parseIpv4)(match[1] as string) : undefined;
      const proto = match ? PROTOCOL_NUMBERS[match[2] as string] : undefined;
      if (!match || ip === undefined || proto === undefined) {
        throw new TraceError(`ipset ${set.name}: member ${m} is not ${v6 ? "IPv6" : "IPv4"},proto:port`, "PC8002");
      }
      this.members.add(`${ip},${proto},${Number(match[3])}`);
    }
  }

  has(ip: Address, protocol?: number, port?: number): boolean {
    if (protocol === undefined || port === undefined) return false;
    return this.members.has(`${ip},${protocol},${port}`);
  }
}

/**
 * A hash:net set's member networks (undefined for other set types): a caller asking many
 * addresses at once finds those inside each network instead of asking each address.
 */
export function netMembers(lookup: SetLookup): { readonly network: Address; readonly prefix: number }[] | undefined {
  if (!(lookup instanceof NetSet)) return undefined;
  const out: { network: Address; prefix: number }[] = [];
  for (const [prefix, nets] of (lookup as NetSet<number | bigint>).networks()) for (const network of nets) out.push({ network, prefix });
  return out;
}

export function setLookup(set: IpSet): SetLookup {
  if (set.type === "hash:net") return set.family === "inet6" ? new NetSet(set, INET6) : new NetSet(set, INET);
  return new IpPortSet(set);
}
