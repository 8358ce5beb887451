/**
 * The ports a review checks. Without `--port`, every port and range a rule of either version
 * mentions counts, and every destination's declared container ports. The port line is cut at
 * every boundary any of them has, so inside one piece every rule's port match is constant: one
 * trace at the piece's first port answers the whole piece, and a piece wider than one port is
 * reported as a range (never enumerated).
 */
import type { Model, Port, Rule } from "../model/types.js";
import type { ReviewProtocol } from "./types.js";

export interface ReviewProbe {
  readonly protocol: ReviewProtocol;
  readonly port: number;
  /** Last port of the piece when it is wider than one port. */
  readonly endPort?: number;
}

const PROTOCOLS: Readonly<Record<string, ReviewProtocol>> = { tcp: "TCP", udp: "UDP", sctp: "SCTP" };

export const probeKey = (p: ReviewProbe): string => `${p.protocol}/${p.port}`;
export const probeText = (p: { readonly protocol: string; readonly port: number | null; readonly endPort?: number }): string =>
  `${p.protocol}${p.port === null ? "" : `/${p.port}${p.endPort === undefined ? "" : `-${p.endPort}`}`}`;

/** Numeric ranges per protocol that rules mention (destination ports and notPorts). */
function ruleRanges(models: readonly Model[]): Map<ReviewProtocol, [number, number][]> {
  const out = new Map<ReviewProtocol, [number, number][]>();
  const add = (protocol: ReviewProtocol, first: number, last: number): void => {
    const list = out.get(protocol);
    if (list) list.push([first, last]);
    else out.set(protocol, [[first, last]]);
  };
  const visit = (r: Rule): void => {
    const protocol = typeof r.protocol === "string" ? PROTOCOLS[r.protocol.toLowerCase()] : undefined;
    const ports: readonly Port[] = [...r.destination.ports, ...r.destination.notPorts];
    for (const p of ports) {
      if (p.kind !== "range") continue; // named ports resolve to declared container ports, added below
      for (const proto of protocol ? [protocol] : (["TCP", "UDP"] as const)) add(proto, p.first, p.last);
    }
  };
  for (const m of models) {
    for (const p of m.policies) for (const r of [...p.ingress, ...p.egress]) visit(r);
    for (const p of m.profiles) for (const r of [...p.ingress, ...p.egress]) visit(r);
  }
  return out;
}

export interface ProbePlan {
  /** Every probe, sorted by protocol then port. */
  readonly all: readonly ReviewProbe[];
  /** The probes one destination gets: every rule piece, and the pieces that are its declared ports. */
  forDestination(declared: readonly { readonly protocol: string; readonly port: number }[]): readonly ReviewProbe[];
}

/** `ports` (from --port) replaces the rule-derived pieces: TCP on exactly those ports. */
export function planProbes(models: readonly Model[], ports?: readonly number[]): ProbePlan {
  if (ports && ports.length > 0) {
    const all = [...new Set(ports)].sort((a, b) => a - b).map((port) => ({ protocol: "TCP" as const, port }));
    return { all, forDestination: () => all };
  }
  const ranges = ruleRanges(models);
  const declared = new Map<ReviewProtocol, Set<number>>();
  for (const m of models) {
    for (const e of m.endpoints) {
      for (const p of e.ports) {
        const proto = PROTOCOLS[p.protocol];
        if (!proto) continue;
        const s = declared.get(proto) ?? new Set<number>();
        s.add(p.port);
        declared.set(proto, s);
      }
    }
  }
  const pieces: ReviewProbe[] = [];
  const declaredPiece = new Map<string, ReviewProbe>();
  for (const protocol of ["TCP", "UDP", "SCTP"] as const) {
    const rs = ranges.get(protocol) ?? [];
    const ds = declared.get(protocol) ?? new Set<number>();
    // 80 stands for a destination without declared ports, as in `matrix`.
    if (protocol === "TCP") ds.add(80);
    const cuts = new Set<number>();
    for (const [a, b] of rs) {
      cuts.add(a);
      cuts.add(b + 1);
    }
    for (const d of ds) {
      cuts.add(d);
      cuts.add(d + 1);
    }
    const sorted = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < sorted.length; i++) {
      const first = sorted[i] as number;
      const last = (sorted[i + 1] as number) - 1;
      const byRule = rs.some(([a, b]) => a <= first && last <= b);
      const isDeclared = first === last && ds.has(first);
      if (!byRule && !isDeclared) continue;
      const probe: ReviewProbe = first === last ? { protocol, port: first } : { protocol, port: first, endPort: last };
      if (byRule) pieces.push(probe);
      if (isDeclared) declaredPiece.set(`${protocol}/${first}`, probe);
    }
  }
  const all = [...new Map([...pieces, ...declaredPiece.values()].map((p) => [probeKey(p), p])).values()].sort(
    (a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port),
  );
  const cache = new Map<string, readonly ReviewProbe[]>();
  return {
    all,
    forDestination(decl) {
      const own = decl.map((d) => declaredPiece.get(`${PROTOCOLS[d.protocol] ?? d.protocol}/${d.port}`)).filter((p): p is ReviewProbe => p !== undefined);
      if (own.length === 0) own.push(declaredPiece.get("TCP/80") as ReviewProbe);
      const key = own.map(probeKey).join(",");
      let list = cache.get(key);
      if (!list) {
        const set = new Map([...pieces, ...own].map((p) => [probeKey(p), p]));
        list = all.filter((p) => set.has(probeKey(p)));
        cache.set(key, list);
      }
      return list;
    },
  };
}
