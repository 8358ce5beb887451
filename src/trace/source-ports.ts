/**
 * Source ports as the rules see them. Flows carry one source port (a client's ephemeral port);
 * a rule that matches source ports (`multiport --source-ports`, a named-port set matched
 * `src,src`) makes the verdict depend on it. These are the ranges of source ports that every
 * rule treats alike, so a caller can say for which ports a verdict holds.
 */
import type { DataplaneState } from "../render/types.js";

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

const MULTIPORT = /--(?:source-ports|sports) (\S+)/g;
const SRC_SET = /--match-set (\S+) src,src/g;

/** Ascending ranges covering 1..65535 split where some rule's source port match starts or ends; [] when no rule matches source ports. */
export function sourcePortRanges(states: readonly DataplaneState[]): PortRange[] {
  const cuts = new Set<number>();
  const cut = (first: number, last: number): void => {
    cuts.add(first);
    cuts.add(last + 1);
  };
  for (const state of states) {
    const sets = new Map(state.ipsets.map((s) => [s.name, s]));
    const rules = [...state.chains.flatMap((c) => c.rules), ...state.hooks.flatMap((h) => [...h.inserts, ...h.appends])];
    for (const r of rules) {
      for (const m of r.match.matchAll(MULTIPORT)) {
        for (const part of (m[1] as string).split(",")) {
          const [a, b] = part.split(":");
          cut(Number(a), Number(b ?? a));
        }
      }
      for (const m of r.match.matchAll(SRC_SET)) {
        for (const member of sets.get(m[1] as string)?.members ?? []) {
          const port = /:(\d+)$/.exec(member);
          if (port) cut(Number(port[1]), Number(port[1]));
        }
      }
    }
  }
  if (cuts.size === 0) return [];
  const points = [...cuts].filter((p) => p > 1 && p <= 65535).sort((a, b) => a - b);
  const out: PortRange[] = [];
  let first = 1;
  for (const p of points) {
    out.push({ first, last: p - 1 });
    first = p;
  }
  out.push({ first, last: 65535 });
  return out;
}

/** The range holding `port`. */
export function rangeOf(ranges: readonly PortRange[], port: number): PortRange | undefined {
  return ranges.find((r) => port >= r.first && port <= r.last);
}
