/**
 * Ipset members, computed over the whole cluster: every endpoint (on any node) whose labels
 * match, with its IPv4 addresses, plus matching NetworkSet/GlobalNetworkSet nets and host
 * endpoints' expected IPs. Named-port sets hold `ip,proto:port` for the endpoints that declare
 * that port name with that protocol. Members are de-duplicated and sorted by address.
 */
import type { Labels, Model, NamedPort } from "../model/types.js";
import type { IpSet } from "../render/types.js";
import { LabelIndex } from "./label-index.js";
import { compareMembers, isIpv6, v4Network } from "./nets.js";
import type { IpSetDemand } from "./rules.js";

/** Felix's MaxIpsetSize default. */
export const IPSET_MAXELEM = 1048576;

interface Member {
  readonly labels: Labels;
  /** IPv4 CIDRs this item contributes to a `hash:net` set. */
  readonly nets: readonly string[];
  readonly ports: readonly NamedPort[];
}

/** The kernel's hash:net refuses a /0; Felix's canonical form is the two /1 halves. */
function hashNetMembers(net: string): string[] {
  return net === "0.0.0.0/0" ? ["0.0.0.0/1", "128.0.0.0/1"] : [net];
}

function members(model: Model): Member[] {
  const out: Member[] = [];
  for (const ep of model.endpoints) {
    const nets = ep.ipNetworks.filter((n) => !isIpv6(n)).map(v4Network);
    if (nets.length > 0) out.push({ labels: ep.labels, nets, ports: ep.ports });
  }
  for (const hep of model.hostEndpoints) {
    const nets = hep.expectedIPs.filter((n) => !isIpv6(n)).map(v4Network);
    if (nets.length > 0) out.push({ labels: hep.labels, nets, ports: hep.ports });
  }
  for (const ns of model.networkSets) {
    const nets = ns.nets.filter((n) => !isIpv6(n)).map(v4Network);
    if (nets.length > 0) out.push({ labels: ns.labels, nets, ports: [] });
  }
  return out;
}

export class IpSetResolver {
  private readonly index: LabelIndex<Member>;
  constructor(model: Model) {
    this.index = new LabelIndex(members(model));
  }

  resolve(d: IpSetDemand): IpSet {
    const selected = this.index.select(d.selector);
    const set = new Set<string>();
    if (d.kind === "selector") {
      for (const m of selected) for (const n of m.nets) for (const v of hashNetMembers(n)) set.add(v);
    } else {
      for (const m of selected) {
        for (const p of m.ports) {
          if (p.name !== d.port || p.protocol !== d.protocol) continue;
          // Named ports belong to endpoints, whose addresses are single hosts.
          for (const n of m.nets) set.add(`${n.replace(/\/32$/, "")},${p.protocol}:${p.port}`);
        }
      }
    }
    return {
      name: d.name,
      type: d.kind === "selector" ? "hash:net" : "hash:ip,port",
      family: "inet",
      maxelem: IPSET_MAXELEM,
      members: [...set].sort(compareMembers),
    };
  }
}
