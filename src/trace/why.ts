/**
 * Why a tier denied: when a packet falls off the end of a tier, each policy of that tier that
 * selected the endpoint had rules, and none of them allowed or passed the packet. For every such
 * policy, and every rule of it, the first condition the packet fails, read from the rules the
 * kernel runs (the policy's chain) and put in the words of the policy: "source 10.65.0.10 is
 * not in cali40s:… (selector app == "api")", "destination port 5432 is not in 80".
 *
 * A rule the packet matches but that decides nothing (Log) is listed as matched. One rule
 * written by the user can be several kernel rules (ports split into multiport groups); it missed
 * when all of them missed, and the first one's reason is given.
 */
import { policyChainName, policyKindName } from "../render/names.js";
import type { CompiledWithOrigins } from "../render/origins.js";
import type { EndpointTier } from "../resolve/types.js";
import { PROTOCOLS } from "./match.js";
import type { Packet, TraceDirection } from "./types.js";
import type { RuleMiss, TraceOptions, Tracer } from "./walk.js";
import { Mark } from "../render/marks.js";

/** One rule of a policy and why the packet did not take it. */
export interface RuleMissReason {
  /** The rule's index in spec.ingress / spec.egress (the first is 0, as Calico numbers them). */
  readonly rule: number;
  readonly action: string;
  /** The first condition the packet fails, in words; absent when the packet matched (`matched`). */
  readonly reason?: string;
  /** The packet matched this rule, but its action (Log) decides nothing. */
  readonly matched?: true;
}

/** A policy of the tier that denied, with what each of its rules (of that direction) made of the packet. */
export interface PolicyMisses {
  /** "KubernetesNetworkPolicy shop-db/db". */
  readonly policy: string;
  readonly id: string;
  readonly chain: string;
  /** In rule order; empty when the policy has no rule for this direction (it selects, allows nothing). */
  readonly rules: readonly RuleMissReason[];
}

/** The tier of an endpoint's direction from the compiled view (undefined for a host endpoint or an unknown tier). */
export function endpointTier(c: CompiledWithOrigins, endpoint: string, direction: TraceDirection, tier: string): EndpointTier | undefined {
  const ep = c.view.endpoints.find((e) => e.key === endpoint);
  return (direction === "ingress" ? ep?.ingressTiers : ep?.egressTiers)?.find((t) => t.name === tier);
}

/** For each enforced policy of `tier`, in order, why none of its rules took the packet. */
export function tierMisses(c: CompiledWithOrigins, tracer: Tracer, tier: EndpointTier, direction: TraceDirection, packet: Packet, options: TraceOptions = {}): PolicyMisses[] {
  const byId = new Map(c.view.policies.map((p) => [p.id, p]));
  return tier.policies.map((id) => {
    const chain = policyChainName(direction, id);
    const p = byId.get(id);
    const kind = p ? policyKindName[p.policyKind] : "policy";
    const name = p ? (p.namespace === undefined ? p.name : `${p.namespace}/${p.name}`) : id;
    const byRule = new Map<number, { action: string; kernel: RuleMiss[] }>();
    for (const m of tracer.misses(chain, packet, options)) {
      if (m.origin?.kind !== "policyRule") continue;
      let r = byRule.get(m.origin.ruleIndex);
      if (!r) byRule.set(m.origin.ruleIndex, (r = { action: m.origin.action, kernel: [] }));
      r.kernel.push(m);
    }
    const rules = [...byRule].map(([rule, r]): RuleMissReason => {
      const reason = ruleReason(r.kernel, packet, c.ipsetMeanings);
      return reason === undefined ? { rule, action: r.action, matched: true } : { rule, action: r.action, reason };
    });
    return { policy: `${kind} ${name}`, id, chain, rules };
  });
}

const VERDICT_BITS = Mark.accept | Mark.pass | Mark.drop;
const SCRATCH_BITS = Mark.scratch0 | Mark.scratch1;

/**
 * Why one policy rule (its kernel rules, in order) did not take the packet, or undefined when it
 * did. The rule's verdict is carried by its "main" kernel rule (the one that sets the accept,
 * pass or drop bit, or logs); match blocks before it leave their answer in scratch mark bits, so
 * when the main rule fails only on that mark, the reason is the block's: the excluded net the
 * packet is in, or the first condition of a block none of whose alternatives matched. A rule
 * split into several main rules (multiport groups) missed when all of them missed; the first
 * one's reason is given.
 */
function ruleReason(kernel: readonly RuleMiss[], packet: Packet, sets: ReadonlyMap<string, string>): string | undefined {
  const mains = kernel.filter((k) => k.log || (k.mark !== undefined && (k.mark.mask & VERDICT_BITS) !== 0));
  if (mains.length === 0) return kernel.every((k) => k.missed !== undefined) ? conditionWords(kernel[0]?.missed ?? "", packet, sets) : undefined;
  if (mains.some((k) => k.missed === undefined)) return undefined;
  const first = mains[0] as RuleMiss;
  if (!/^-m mark /.test(first.missed ?? "")) return conditionWords(first.missed as string, packet, sets);
  const blocks = kernel.filter((k) => k.mark !== undefined && (k.mark.mask & VERDICT_BITS) === 0 && (k.mark.mask & SCRATCH_BITS) !== 0 && k.match !== "" && !/^-m mark /.test(k.match));
  // A negated-net block clears scratch0 when the packet is in one of the excluded nets.
  const excluded = blocks.find((k) => k.missed === undefined && k.mark !== undefined && (k.mark.mask & Mark.scratch0) !== 0 && (k.mark.value & Mark.scratch0) === 0);
  if (excluded) return conditionWords(`! ${excluded.match}`, packet, sets);
  const failed = blocks.find((k) => k.missed !== undefined);
  return conditionWords(failed?.missed ?? (first.missed as string), packet, sets);
}

const PROTOCOL_NAMES = new Map(Object.entries(PROTOCOLS).map(([name, n]) => [n, name.toUpperCase()]));

function protocolName(text: string): string {
  const n = /^\d+$/.test(text) ? Number(text) : PROTOCOLS[text.toLowerCase()];
  return n === undefined ? text : (PROTOCOL_NAMES.get(n) ?? text);
}

/** One rule condition (as compileMatchParts splits it) in the terms of the policy, with what the packet had. */
export function conditionWords(text: string, packet: Packet, sets: ReadonlyMap<string, string>): string {
  const t = text.split(" ");
  const negated = t.includes("!");
  const words = t.filter((x) => x !== "!");
  const packetProtocol = PROTOCOL_NAMES.get(packet.protocol) ?? String(packet.protocol);
  if (words[0] === "-p" || words[0] === "--protocol") {
    const want = protocolName(words[1] ?? "");
    return negated ? `protocol is ${packetProtocol}, which the rule excludes` : `protocol ${packetProtocol} is not ${want}`;
  }
  const set = /--match-set (\S+) (src|dst)/.exec(text);
  if (set) {
    const side = set[2] === "src" ? "source" : "destination";
    const ip = set[2] === "src" ? packet.srcIp : packet.dstIp;
    const meaning = sets.get(set[1] as string);
    const what = `${set[1]}${meaning === undefined ? "" : ` (selector ${meaning})`}`;
    // A named-port set (`dst,dst`) holds address,port pairs.
    const port = /,(src|dst)$/.test(text) ? ` with its ${side} port` : "";
    return negated ? `${side} ${ip}${port} is in ${what}, which the rule excludes` : `${side} ${ip}${port} is not in ${what}`;
  }
  const ports = /--(source|destination)-ports (\S+)/.exec(text) ?? /--(sport|dport) (\S+)/.exec(text);
  if (ports) {
    const src = ports[1] === "source" || ports[1] === "sport";
    const had = src ? packet.srcPort : packet.dstPort;
    const side = src ? "source" : "destination";
    if (had === undefined) return `the packet (${packetProtocol}) has no ports; the rule needs a ${side} port`;
    const list = (ports[2] as string).replace(/:/g, "-");
    return negated ? `${side} port ${had} is in ${list}, which the rule excludes` : `${side} port ${had} is not in ${list}`;
  }
  const net = /^(--source|-s|--destination|-d) (\S+)$/.exec(words.join(" "));
  if (net) {
    const src = net[1] === "--source" || net[1] === "-s";
    const side = src ? "source" : "destination";
    const ip = src ? packet.srcIp : packet.dstIp;
    return negated ? `${side} ${ip} is in ${net[2]}, which the rule excludes` : `${side} ${ip} is not in ${net[2]}`;
  }
  const icmp = /--icmp(?:v6)?-type (\S+)/.exec(text);
  if (icmp) {
    const had = packet.icmp ? `${packet.icmp.type}/${packet.icmp.code}` : `none (${packetProtocol})`;
    return negated ? `ICMP type ${had} is ${icmp[1]}, which the rule excludes` : `ICMP type ${had} is not ${icmp[1]}`;
  }
  return `the packet fails "${text}"`;
}
