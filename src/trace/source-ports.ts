/**
 * Source ports as the rules see them. Flows carry one source port (a client's ephemeral port);
 * a rule that matches source ports (`multiport --source-ports`, a named-port set matched
 * `src,src`) makes the verdict depend on it. These are the ranges of source ports that every
 * rule treats alike, so a caller can say for which ports a verdict holds.
 */
import type { NftDataplaneState } from "../render/nftables/types.js";
import type { DataplaneState } from "../render/types.js";

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

const MULTIPORT = /--(?:source-ports|sports) (\S+)/g;
const SRC_SET = /--match-set (\S+) src,src/g;

/** Ascending ranges covering 1..65535 split where some rule's source port match starts or ends; [] when no rule matches source ports. */
export function sourcePortRanges(states: readonly DataplaneState[]): PortRange[] {
  const cuts = new Cuts();
  for (const state of states) {
    const sets = new Map(state.ipsets.map((s) => [s.name, s]));
    const rules = [...state.chains.flatMap((c) => c.rules), ...state.hooks.flatMap((h) => [...h.inserts, ...h.appends])];
    for (const r of rules) {
      for (const m of r.match.matchAll(MULTIPORT)) cuts.list((m[1] as string).split(","), ":");
      for (const m of r.match.matchAll(SRC_SET)) cuts.setPorts(sets.get(m[1] as string)?.members ?? [], /:(\d+)$/);
    }
  }
  return cuts.ranges();
}

const NFT_SPORT = /(?:tcp|udp|sctp|udplite) sport (?:!= )?(\{ [^}]* \}|\S+)/g;
const NFT_SRC_SET = /saddr \. meta l4proto \. th sport (?:!= )?@(\S+)/g;

/** The same for nft tables: `tcp sport { … }` clauses and `saddr . meta l4proto . th sport @set` sets. */
export function nftSourcePortRanges(states: readonly NftDataplaneState[]): PortRange[] {
  const cuts = new Cuts();
  for (const state of states) {
    const sets = new Map(state.sets.map((s) => [s.name, s]));
    for (const r of state.chains.flatMap((c) => c.rules)) {
      for (const m of r.body.matchAll(NFT_SPORT)) cuts.list((m[1] as string).replace(/[{}]/g, "").trim().split(/\s*,\s*/), "-");
      for (const m of r.body.matchAll(NFT_SRC_SET)) cuts.setPorts(sets.get(m[1] as string)?.elements ?? [], / \. (\d+)$/);
    }
  }
  return cuts.ranges();
}

/** The ranges two sets of rules tell apart together (every boundary of either). */
export function mergePortRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const cuts = new Cuts();
  for (const r of [...a, ...b]) cuts.list([`${r.first}-${r.last}`], "-");
  return cuts.ranges();
}

/** Where port ranges start and end. */
class Cuts {
  private readonly points = new Set<number>();

  private cut(first: number, last: number): void {
    this.points.add(first);
    this.points.add(last + 1);
  }

  /** `80`, `8080:8090` (iptables) or `8080-8090` (nft) items. */
  list(items: readonly string[], separator: string): void {
    for (const part of items) {
      const [a, b] = part.split(separator);
      this.cut(Number(a), Number(b ?? a));
    }
  }

  /** A named-port set's members, the port taken by `port`. */
  setPorts(members: readonly string[], port: RegExp): void {
    for (const member of members) {
      const m = port.exec(member);
      if (m) this.cut(Number(m[1]), Number(m[1]));
    }
  }

  ranges(): PortRange[] {
    if (this.points.size === 0) return [];
    const points = [...this.points].filter((p) => p > 1 && p <= 65535).sort((a, b) => a - b);
    const out: PortRange[] = [];
    let first = 1;
    for (const p of points) {
      out.push({ first, last: p - 1 });
      first = p;
    }
    out.push({ first, last: 65535 });
    return out;
  }
}

/** The range holding `port`. */
export function rangeOf(ranges: readonly PortRange[], port: number): PortRange | undefined {
  return ranges.find((r) => port >= r.first && port <= r.last);
}
