/**
 * `ruleContains(a, b)`: a proof that every packet rule `b` matches, rule `a` matches too. As with
 * selectors (selector-contains.ts), false means "not proved", so a shadowing warning is only
 * given when it is certain. A rule's match is the AND of its fields, so `a ⊇ b` is proved field
 * by field; a field `a` leaves unset contains anything:
 *
 * - ipVersion, protocol, notProtocol, icmp, notICMP: equal, or implied by b's (b's protocol differs
 *   from a's notProtocol; b's ICMP type differs from a's notICMP type);
 * - selectors (per side, as Calico combines them: selector, namespaceSelector or the policy's
 *   namespace, serviceAccounts): a has none (any address, in the cluster or not), or both have one
 *   and a's contains b's; notSelector: a has none, or b's contains a's (b excludes at least as much);
 * - nets: a has none, or b has nets and each lies inside one of a's; notNets: each of a's is inside
 *   one of b's, or every net of b is disjoint from it (or excluded by b's notNets);
 * - ports: a has none, or b has ports and each is inside the union of a's numeric ranges (a named
 *   port only by the same name); notPorts: each of a's numeric ranges is excluded by b's notPorts
 *   or outside all of b's numeric ports, and a named one appears in b's notPorts.
 */
import { parseCidr, type Cidr } from "../model/cidr.js";
import type { EntityRule, IcmpMatch, Port, Protocol, Rule } from "../model/types.js";
import { combineSelectors, entityRuleSelector, type SelectorCache } from "../resolve/selectors.js";
import type { SelectorNode } from "../selector/index.js";
import { selectorContains } from "./selector-contains.js";

const protocolNumbers: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132, udplite: 136 };
const protocolNumber = (p: Protocol): number => (typeof p === "number" ? p : (protocolNumbers[p] ?? -1));

/** One side of a rule as the dataplane matches it. */
export interface SideMatch {
  /** undefined: no selector at all (any address). */
  readonly positive?: SelectorNode;
  readonly negative?: SelectorNode;
  readonly nets: readonly Cidr[];
  readonly notNets: readonly Cidr[];
  readonly ports: readonly Port[];
  readonly notPorts: readonly Port[];
}

export interface RuleMatch {
  readonly rule: Rule;
  readonly source: SideMatch;
  readonly destination: SideMatch;
}

function cidrs(list: readonly string[]): Cidr[] {
  return list.flatMap((n) => parseCidr(n, true) ?? []);
}

export function sideMatch(cache: SelectorCache, er: EntityRule, namespace: string | undefined): SideMatch {
  const positive = entityRuleSelector(cache, er, namespace);
  const negative = combineSelectors("", er.notSelector ?? "").negated;
  return {
    ...(positive ? { positive: cache.parse(positive).ast } : {}),
    ...(negative ? { negative: cache.parse(negative).ast } : {}),
    nets: cidrs(er.nets),
    notNets: cidrs(er.notNets),
    ports: er.ports,
    notPorts: er.notPorts,
  };
}

export function ruleMatch(cache: SelectorCache, rule: Rule, namespace: string | undefined): RuleMatch {
  return { rule, source: sideMatch(cache, rule.source, namespace), destination: sideMatch(cache, rule.destination, namespace) };
}

/** A rule with no match criteria at all: it matches every packet. */
export function matchesEverything(m: RuleMatch): boolean {
  const r = m.rule;
  const open = (s: SideMatch): boolean =>
    !s.positive && !s.negative && s.nets.length === 0 && s.notNets.length === 0 && s.ports.length === 0 && s.notPorts.length === 0;
  return r.ipVersion === undefined && r.protocol === undefined && r.notProtocol === undefined && !r.icmp && !r.notICMP && open(m.source) && open(m.destination);
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.version !== inner.version || outer.prefix > inner.prefix) return false;
  const full = outer.prefix >> 3;
  for (let i = 0; i < full; i++) if (outer.bytes[i] !== inner.bytes[i]) return false;
  const bits = outer.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((outer.bytes[full] ?? 0) & mask) === ((inner.bytes[full] ?? 0) & mask);
}

/** Two CIDRs either nest or are disjoint. */
export function cidrsDisjoint(a: Cidr, b: Cidr): boolean {
  return a.version !== b.version || (!cidrContains(a, b) && !cidrContains(b, a));
}

function icmpContains(a: IcmpMatch | undefined, b: IcmpMatch | undefined): boolean {
  if (!a) return true;
  return b !== undefined && a.type === b.type && (a.code === undefined || a.code === b.code);
}

function notIcmpContains(a: IcmpMatch | undefined, b: Rule): boolean {
  if (!a) return true;
  if (b.notICMP && b.notICMP.type === a.type && (b.notICMP.code === undefined || b.notICMP.code === a.code)) return true;
  return b.icmp !== undefined && (b.icmp.type !== a.type || (a.code !== undefined && b.icmp.code !== undefined && b.icmp.code !== a.code));
}

function headerContains(a: Rule, b: Rule): boolean {
  if (a.ipVersion !== undefined && a.ipVersion !== b.ipVersion) return false;
  if (a.protocol !== undefined && (b.protocol === undefined || protocolNumber(a.protocol) !== protocolNumber(b.protocol))) return false;
  if (a.notProtocol !== undefined) {
    const n = protocolNumber(a.notProtocol);
    const excluded = (b.notProtocol !== undefined && protocolNumber(b.notProtocol) === n) || (b.protocol !== undefined && protocolNumber(b.protocol) !== n);
    if (!excluded) return false;
  }
  return icmpContains(a.icmp, b.icmp) && notIcmpContains(a.notICMP, b);
}

type Range = readonly [number, number];

function numeric(ports: readonly Port[]): Range[] {
  return ports.flatMap((p) => (p.kind === "range" ? [[p.first, p.last] as Range] : []));
}

function named(ports: readonly Port[]): string[] {
  return ports.flatMap((p) => (p.kind === "named" ? [p.name] : []));
}

/** `r` minus the union of `cut`, as sorted ranges. */
function subtract(r: Range, cut: readonly Range[]): Range[] {
  let rest: Range[] = [r];
  for (const [cf, cl] of cut) {
    rest = rest.flatMap(([f, l]): Range[] => {
      if (cl < f || cf > l) return [[f, l]];
      const out: Range[] = [];
      if (cf > f) out.push([f, cf - 1]);
      if (cl < l) out.push([cl + 1, l]);
      return out;
    });
  }
  return rest;
}

function portsContain(a: readonly Port[], b: readonly Port[]): boolean {
  if (a.length === 0) return true;
  if (b.length === 0) return false;
  const aRanges = numeric(a);
  const aNames = named(a);
  return b.every((p) => (p.kind === "named" ? aNames.includes(p.name) : subtract([p.first, p.last], aRanges).length === 0));
}

/** Every packet of b avoids each of a's notPorts. */
function notPortsContain(a: readonly Port[], b: SideMatch): boolean {
  const bExcluded = numeric(b.notPorts);
  const bNamedExcluded = named(b.notPorts);
  const bAllowed = numeric(b.ports);
  const bOnlyNumeric = b.ports.length > 0 && named(b.ports).length === 0;
  return a.every((p) => {
    if (p.kind === "named") return bNamedExcluded.includes(p.name);
    const left = subtract([p.first, p.last], bExcluded);
    return left.length === 0 || (bOnlyNumeric && left.every(([f, l]) => bAllowed.every(([af, al]) => al < f || af > l)));
  });
}

function netsContain(a: readonly Cidr[], b: readonly Cidr[]): boolean {
  if (a.length === 0) return true;
  return b.length > 0 && b.every((n) => a.some((o) => cidrContains(o, n)));
}

function notNetsContain(a: readonly Cidr[], b: SideMatch): boolean {
  return a.every(
    (n) =>
      b.notNets.some((x) => cidrContains(x, n)) ||
      (b.nets.length > 0 && b.nets.every((m) => cidrsDisjoint(m, n) || b.notNets.some((x) => cidrContains(x, cidrContains(m, n) ? n : m)))),
  );
}

export function sideContains(a: SideMatch, b: SideMatch): boolean {
  if (a.positive && !(b.positive && selectorContains(a.positive, b.positive))) return false;
  if (a.negative && !(b.negative && selectorContains(b.negative, a.negative))) return false;
  return netsContain(a.nets, b.nets) && notNetsContain(a.notNets, b) && portsContain(a.ports, b.ports) && notPortsContain(a.notPorts, b);
}

export function ruleContains(a: RuleMatch, b: RuleMatch): boolean {
  return headerContains(a.rule, b.rule) && sideContains(a.source, b.source) && sideContains(a.destination, b.destination);
}
