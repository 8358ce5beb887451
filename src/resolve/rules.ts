/**
 * Calico rule → ResolvedRule for one IP family's dataplane (IPv4 unless the context says 6):
 * what Calico's rule conversion, Felix's rule scanner and `FilterRuleToIPVersion` do between the
 * API object and the renderer (felix-dataplane.md §4.1, §4.6):
 *
 * - rules for the other family only (`ipVersion`, protocol `icmp` = 4 / `icmpv6` = 6) disappear;
 * - nets of the other family are dropped; a field that loses *all* its nets drops the rule (it
 *   must not become a match-all), and so does a negated catch-all (`!0.0.0.0/0`, `!::/0`);
 * - selector, namespaceSelector and serviceAccounts become one selector per side, notSelector is
 *   folded into it when there is one, and each becomes a `hash:net` ipset;
 * - named ports become `hash:ip,port` ipsets filtered by the same side's positive selector; when a
 *   side has only named ports its selector set is left out (the named-port set implies it).
 */
import type { EntityRule, Port, Protocol, Rule } from "../model/types.js";
import { namedPortIpSetId, selectorIpSetName, type Selector } from "../selector/index.js";
import { isIpv6, v4Network, v6Net } from "./nets.js";
import { combineSelectors, entityRuleSelector, type SelectorCache } from "./selectors.js";
import type { PortRange, ResolvedRule } from "./types.js";

/** A named-port set's protocol: the rule's, or "any" (members under each port's own protocol). */
export type NamedPortProtocol = "tcp" | "udp" | "sctp" | "any";

/** An ipset some rule needs; members are computed once all rules are known. */
export type IpSetDemand =
  | { readonly kind: "selector"; readonly name: string; readonly selector: Selector }
  | {
      readonly kind: "namedPort";
      readonly name: string;
      readonly selector: Selector;
      readonly protocol: NamedPortProtocol;
      readonly port: string;
    };

export interface RuleContext {
  readonly cache: SelectorCache;
  /** The policy's namespace (np, knp); undefined for global policies and profiles. */
  readonly namespace: string | undefined;
  /** Receives every ipset the resolved rule references. */
  readonly demand: (d: IpSetDemand) => void;
  /** The family being rendered; 4 when absent. */
  readonly ipVersion?: 4 | 6;
}

/** Felix filters nets per family; `undefined` means "the rule disappears for this family". */
function filterNets(nets: readonly string[], negated: boolean, normalize: (n: string) => string): string[] | undefined {
  if (nets.length === 0) return [];
  const out: string[] = [];
  for (const n of nets) {
    if (isIpv6(n)) continue;
    const v = normalize(n);
    if (negated && v === "0.0.0.0/0") return undefined;
    out.push(v);
  }
  return out.length === 0 ? undefined : out;
}

/** filterNets for the IPv6 dataplane: the model's nets are already canonical (RFC 5952, masked). */
function filterNets6(nets: readonly string[], negated: boolean): string[] | undefined {
  if (nets.length === 0) return [];
  const out: string[] = [];
  for (const n of nets) {
    if (!isIpv6(n)) continue;
    const v = v6Net(n);
    if (negated && v === "::/0") return undefined;
    out.push(v);
  }
  return out.length === 0 ? undefined : out;
}

interface FamilyNets {
  readonly srcNets: string[];
  readonly notSrcNets: string[];
  readonly dstNets: string[];
  readonly notDstNets: string[];
}

/** Calico's rule IP version: explicit `ipVersion`, else implied by protocol icmp / icmpv6. */
function ruleIpVersion(rule: Rule): 4 | 6 | undefined {
  if (rule.ipVersion !== undefined) return rule.ipVersion;
  return rule.protocol === "icmp" ? 4 : rule.protocol === "icmpv6" ? 6 : undefined;
}

/** The rule's nets in family `v`, or undefined when the rule does not exist in that family. */
function familyNets(rule: Rule, v: 4 | 6): FamilyNets | undefined {
  const version = ruleIpVersion(rule);
  if (version !== undefined && version !== v) return undefined;
  const srcNets = v === 4 ? filterNets(rule.source.nets, false, v4Network) : filterNets6(rule.source.nets, false);
  const notSrcNets = v === 4 ? filterNets(rule.source.notNets, true, v4Network) : filterNets6(rule.source.notNets, true);
  const dstNets = v === 4 ? filterNets(rule.destination.nets, false, v4Network) : filterNets6(rule.destination.nets, false);
  const notDstNets = v === 4 ? filterNets(rule.destination.notNets, true, v4Network) : filterNets6(rule.destination.notNets, true);
  if (!srcNets || !notSrcNets || !dstNets || !notDstNets) return undefined;
  return { srcNets, notSrcNets, dstNets, notDstNets };
}

function splitPorts(ports: readonly Port[]): { numeric: PortRange[]; named: string[] } {
  const numeric: PortRange[] = [];
  const named: string[] = [];
  for (const p of ports) {
    if (p.kind === "named") named.push(p.name);
    else numeric.push({ first: p.first, last: p.last });
  }
  return { numeric, named };
}

/**
 * The rule scanner's protocol for named-port members (`ipsetmember.ProtocolFrom`, v3.32): "any"
 * when the rule has no protocol (the members then carry each container port's own protocol, and
 * the rule renders without `-p`: calico-332.md §5.8), else UDP, SCTP, or TCP for every other one.
 */
function namedPortProtocol(p: Protocol | undefined): NamedPortProtocol {
  if (p === undefined) return "any";
  if (p === "udp" || p === 17) return "udp";
  if (p === "sctp" || p === 132) return "sctp";
  return "tcp";
}

interface Side {
  ipSets: string[];
  notIpSets: string[];
  namedPortIpSets: string[];
  notNamedPortIpSets: string[];
  ports: PortRange[];
  notPorts: PortRange[];
}

function resolveSide(ctx: RuleContext, er: EntityRule, protocol: NamedPortProtocol): Side {
  const version = ctx.ipVersion ?? 4;
  const { positive, negated } = combineSelectors(
    entityRuleSelector(ctx.cache, er, ctx.namespace),
    er.notSelector ?? "",
  );
  const ports = splitPorts(er.ports);
  const notPorts = splitPorts(er.notPorts);
  const positiveSel = positive ? ctx.cache.parse(positive) : undefined;
  const portFilter = positiveSel ?? ctx.cache.parse("all()");

  const selectorSet = (sel: Selector): string => {
    const name = selectorIpSetName(sel.id, version);
    ctx.demand({ kind: "selector", name, selector: sel });
    return name;
  };
  const namedPortSet = (port: string): string => {
    const name = selectorIpSetName(namedPortIpSetId(portFilter.id, protocol, port), version);
    ctx.demand({ kind: "namedPort", name, selector: portFilter, protocol, port });
    return name;
  };

  return {
    ipSets: positiveSel && (ports.numeric.length > 0 || ports.named.length === 0) ? [selectorSet(positiveSel)] : [],
    notIpSets: negated ? [selectorSet(ctx.cache.parse(negated))] : [],
    namedPortIpSets: ports.named.map(namedPortSet),
    notNamedPortIpSets: notPorts.named.map(namedPortSet),
    ports: ports.numeric,
    notPorts: notPorts.numeric,
  };
}

/**
 * Whether `rule` exists in the dataplane of family `v` at all (resolveRule returns a rule exactly
 * then); cheap, no selector work. Used to map rendered rules back to the rules users wrote.
 */
export function keptFor(rule: Rule, v: 4 | 6): boolean {
  return familyNets(rule, v) !== undefined;
}

/** keptFor(rule, 4). */
export function keptForIpv4(rule: Rule): boolean {
  return keptFor(rule, 4);
}

/** `undefined` when the rule does not exist in the context's family's dataplane. */
export function resolveRule(ctx: RuleContext, rule: Rule): ResolvedRule | undefined {
  const v = ctx.ipVersion ?? 4;
  const nets = familyNets(rule, v);
  if (!nets) return undefined;
  const { srcNets, notSrcNets, dstNets, notDstNets } = nets;

  const protocol = namedPortProtocol(rule.protocol);
  const src = resolveSide(ctx, rule.source, protocol);
  const dst = resolveSide(ctx, rule.destination, protocol);
  return {
    kind: "ResolvedRule",
    action: rule.action,
    ...(rule.protocol !== undefined && { protocol: rule.protocol }),
    ...(rule.notProtocol !== undefined && { notProtocol: rule.notProtocol }),
    ...(rule.icmp && { icmp: rule.icmp }),
    ...(rule.notICMP && { notICMP: rule.notICMP }),
    srcNets,
    notSrcNets,
    dstNets,
    notDstNets,
    srcPorts: src.ports,
    notSrcPorts: src.notPorts,
    dstPorts: dst.ports,
    notDstPorts: dst.notPorts,
    srcIpSets: src.ipSets,
    notSrcIpSets: src.notIpSets,
    dstIpSets: dst.ipSets,
    notDstIpSets: dst.notIpSets,
    srcNamedPortIpSets: src.namedPortIpSets,
    notSrcNamedPortIpSets: src.notNamedPortIpSets,
    dstNamedPortIpSets: dst.namedPortIpSets,
    notDstNamedPortIpSets: dst.notNamedPortIpSets,
    annotations: rule.annotations,
    ...(v === 6 && { ipVersion: 6 as const }),
  };
}
