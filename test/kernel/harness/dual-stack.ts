/**
 * Dual-stack variants of the kernel cases: the same cluster with an IPv6 address per pod, and
 * the same policies with every IPv4 `ipBlock` peer given an IPv6 twin, so one truth table holds
 * for both families and each case probes both.
 *
 * The IPv6 address embeds the IPv4 one in the low 32 bits of fd00::/96 (10.65.0.65 →
 * fd00::a41:41), and a CIDR a.b.c.d/n maps to the same embedding /(96+n): containment,
 * `except` holes and "which pods are inside" carry over exactly, so the twin peer selects the
 * same pods over IPv6 as the original does over IPv4. Kubernetes does not allow one ipBlock
 * to mix families, so the twin is a separate peer, as a dual-stack user writes it.
 *
 * A Calico rule with `protocol: ICMP` matches nothing over IPv6, so it gets an ICMPv6 twin
 * right after it, with the echo types mapped (request 8 → 128, reply 0 → 129; codes kept): the
 * ICMPv6 echo probe then meets the same verdict as the ICMP one, and one truth table holds.
 */
import { formatCidr, parseCidr } from "../../../src/model/cidr.js";
import type { CaseFamily } from "./case.js";

/** `10.65.0.65` → `fd00::a41:41`; `10.65.0.0/16` → `fd00::a41:0/112`. */
export function ipv6Twin(v4: string): string {
  const c = parseCidr(v4, true);
  if (!c || c.version !== 4) throw new Error(`not an IPv4 address or CIDR: ${v4}`);
  const bytes = [0xfd, 0, ...new Array<number>(10).fill(0), ...c.bytes];
  const twin = formatCidr({ version: 6, bytes, prefix: 96 + c.prefix });
  return v4.includes("/") ? twin : twin.replace(/\/128$/, "");
}

/** The family with an IPv6 address for every pod. */
export function dualStackFamily(family: CaseFamily): CaseFamily {
  return { ...family, name: `${family.name} (dual-stack)`, tag: `${family.tag}6`, pods: family.pods.map((p) => ({ ...p, ip6: ipv6Twin(p.ip) })) };
}

export const isDualStack = (family: CaseFamily): boolean => family.pods.some((p) => p.ip6 !== undefined);

type Json = unknown;

/** Every `from`/`to` peer list gets, after each IPv4 ipBlock peer, its IPv6 twin. */
export function withIpv6Twins(value: Json): Json {
  if (Array.isArray(value)) return value.map(withIpv6Twins);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value as Record<string, Json>)) {
    if ((k === "from" || k === "to") && Array.isArray(v)) out[k] = v.flatMap((peer) => [withIpv6Twins(peer), ...twinPeer(peer)]);
    else if ((k === "ingress" || k === "egress") && Array.isArray(v)) out[k] = v.map(withIpv6Twins).flatMap((rule) => [rule, ...icmpv6TwinRule(rule)]);
    else out[k] = withIpv6Twins(v);
  }
  return out;
}

function twinPeer(peer: Json): Json[] {
  const block = (peer as { ipBlock?: { cidr: string; except?: string[] } } | null)?.ipBlock;
  if (block === undefined || block.cidr.includes(":")) return [];
  return [{ ipBlock: { cidr: ipv6Twin(block.cidr), ...(block.except && { except: block.except.map(ipv6Twin) }) } }];
}

const ICMPV6_ECHO: Readonly<Record<number, number>> = { 8: 128, 0: 129 };

function icmpv6Type(match: { type: number; code?: number }): { type: number; code?: number } {
  const type = ICMPV6_ECHO[match.type];
  if (type === undefined) throw new Error(`no ICMPv6 twin for ICMP type ${match.type}`);
  return { ...match, type };
}

function icmpv6TwinRule(rule: Json): Json[] {
  const r = rule as { protocol?: unknown; icmp?: { type: number; code?: number }; notICMP?: { type: number; code?: number } } | null;
  if (r === null || typeof r !== "object" || typeof r.protocol !== "string" || r.protocol.toUpperCase() !== "ICMP") return [];
  return [{ ...r, protocol: "ICMPv6", ...(r.icmp && { icmp: icmpv6Type(r.icmp) }), ...(r.notICMP && { notICMP: icmpv6Type(r.notICMP) }) }];
}
