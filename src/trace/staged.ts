/**
 * The staged-policy preview for explain and matrix: every answer twice, for the cluster as it is
 * (enforced) and for the cluster with its staged policies promoted (pending, model/promote.ts),
 * both traced through the rules the real compiler gives. What decided a pending verdict is named
 * by the staged policy it came from: a promoted policy's rule reads "StagedNetworkPolicy
 * default/web ... (stagedAction Set)", at the staged object's file:line.
 */
import { enforcedKindOf } from "../model/policy-kinds.js";
import { promotion, type Promotion } from "../model/promote.js";
import type { Model, Policy, PolicyKind } from "../model/types.js";
import { IR_NAME, policyChainName, policyKindName } from "../render/names.js";
import { nftChainName } from "../render/nftables/print.js";
import { FlowTracer, type Decision, type ExplainOptions, type Flow, type FlowExplanation, type Hop } from "./explain.js";
import { reachabilityMatrix, type Matrix, type MatrixOptions, type MatrixPair } from "./matrix.js";
import type { Verdict } from "./types.js";

/** A staged policy as output names it. */
export interface StagedRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly stagedAction: NonNullable<Policy["stagedAction"]>;
  /** What promoting it does to the enforced namesake. */
  readonly effect: "adds" | "replaces" | "deletes";
}

export interface StagedExplanation {
  readonly enforced: FlowExplanation;
  /** Hops relabelled: a promoted policy's decision names its staged policy. */
  readonly pending: FlowExplanation;
  /** The staged policies whose promotion the pending trace met (their rules ran, or their namesake's did). */
  readonly staged: readonly StagedRef[];
}

const kindOfName = new Map<string, PolicyKind>(Object.entries(policyKindName).map(([k, v]) => [v, k as PolicyKind]));

function refOf(s: Policy, p: Promotion, enforcedId: string): StagedRef {
  const effect = s.stagedAction === "Delete" ? "deletes" : p.replaced.has(enforcedId) ? "replaces" : "adds";
  return { kind: policyKindName[s.policyKind], ...(s.namespace !== undefined && { namespace: s.namespace }), name: s.name, stagedAction: s.stagedAction ?? "Set", effect };
}

/** Compiles and traces the cluster twice: as it is, and promoted. */
export class StagedTracer {
  readonly promotion: Promotion;
  readonly enforced: FlowTracer;
  readonly pending: FlowTracer;

  constructor(model: Model, options: ExplainOptions = {}) {
    this.promotion = promotion(model);
    this.enforced = new FlowTracer(model, options);
    this.pending = new FlowTracer(this.promotion.model, options);
  }

  explain(flow: Flow): StagedExplanation {
    const enforced = this.enforced.explain(flow);
    const raw = this.pending.explain(flow);
    const pending: FlowExplanation = { verdict: raw.verdict, hops: raw.hops.map((h) => this.relabelHop(h)) };
    return { enforced, pending, staged: this.involved(enforced, raw) };
  }

  /** A decision by a promoted policy's rule, named by its staged policy. */
  relabel(d: Decision): Decision {
    const id = d.policy === undefined ? undefined : idOf(d.policy);
    const s = id === undefined ? undefined : this.promotion.promoted.get(id);
    if (!s || !d.policy) return d;
    const kind = policyKindName[s.policyKind];
    const qualified = s.namespace === undefined ? s.name : `${s.namespace}/${s.name}`;
    const tierPart = `(tier ${d.policy.tier}) `;
    const rest = d.summary.slice(d.summary.indexOf(tierPart) + tierPart.length);
    return { ...d, summary: `${kind} ${qualified} (tier ${d.policy.tier}, stagedAction ${s.stagedAction ?? "Set"}) ${rest}`, policy: { ...d.policy, kind } };
  }

  private relabelHop(h: Hop): Hop {
    return h.decidedBy ? { ...h, decidedBy: this.relabel(h.decidedBy) } : h;
  }

  /**
   * The staged policies a flow's two traces met: a promoted policy whose chain the pending trace
   * entered, and a replaced or deleted policy whose chain the enforced trace entered.
   */
  private involved(enforced: FlowExplanation, pending: FlowExplanation): StagedRef[] {
    const entered = (e: FlowExplanation): Set<string> => new Set(e.hops.flatMap((h) => h.chains));
    const inPending = entered(pending);
    const inEnforced = entered(enforced);
    // nft chains carry the layer and the policy id in full (`filter-cali-pi-knp/default/web`).
    const nft = this.enforced.dataplane === "nftables";
    const chainsOf = (id: string): string[] =>
      (["ingress", "egress"] as const).flatMap((d) => (nft ? NFT_LAYERS.map((l) => nftChainName(l, policyChainName(d, id, IR_NAME))) : [policyChainName(d, id)]));
    const out = new Map<string, StagedRef>();
    const p = this.promotion;
    for (const [id, s] of p.promoted) if (chainsOf(id).some((c) => inPending.has(c)) || (p.replaced.has(id) && chainsOf(id).some((c) => inEnforced.has(c)))) out.set(s.id, refOf(s, p, id));
    for (const [id, s] of p.deleted) if (chainsOf(id).some((c) => inEnforced.has(c))) out.set(s.id, refOf(s, p, id));
    return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  }
}

const NFT_LAYERS = ["filter", "mangle", "raw"] as const;

function idOf(policy: NonNullable<Decision["policy"]>): string | undefined {
  const kind = kindOfName.get(policy.kind);
  if (kind === undefined) return undefined;
  return policy.namespace === undefined ? `${kind}/${policy.name}` : `${kind}/${policy.namespace}/${policy.name}`;
}

/** One pair of the staged matrix: `verdict` is the pending one (the promoted cluster's answer). */
export interface StagedPair extends MatrixPair {
  readonly enforced: Verdict;
  readonly pending: Verdict;
}

export interface StagedMatrix {
  readonly kind: "StagedMatrix";
  readonly enforced: Matrix;
  readonly pending: Matrix;
  readonly pods: readonly string[];
  pairs(): Iterable<StagedPair>;
}

/** Both matrices over the same pods and probes (promotion changes no endpoint). */
export function stagedMatrix(model: Model, options: MatrixOptions = {}): StagedMatrix {
  const p = promotion(model);
  const enforced = reachabilityMatrix(model, options);
  const pending = reachabilityMatrix(p.model, options);
  return {
    kind: "StagedMatrix",
    enforced,
    pending,
    pods: pending.pods,
    *pairs(): Iterable<StagedPair> {
      for (const pair of pending.pairs()) {
        const was = enforced.verdict(pair.from, pair.to, pair.protocol, pair.port);
        if (was === undefined) throw new Error(`staged matrix: pair ${pair.from} -> ${pair.to} is not in the enforced matrix`);
        yield { ...pair, enforced: was, pending: pair.verdict };
      }
    },
  };
}

/** A pair whose pending verdict differs from the enforced one, with what decides it. */
export interface StagedChange {
  readonly from: string;
  readonly to: string;
  readonly port: number | null;
  readonly protocol: MatrixPair["protocol"];
  readonly enforced: Verdict;
  readonly pending: Verdict;
  /** The rule that decides the pending verdict where the two traces part (relabelled). */
  readonly decidedBy?: Decision;
  /** The staged policies the two traces met. */
  readonly staged: readonly StagedRef[];
}

/** The changed pairs of a staged matrix, each explained (only changed pairs are traced again). */
export function* stagedChanges(model: Model, m: StagedMatrix, options: MatrixOptions = {}): Iterable<StagedChange> {
  let tracer: StagedTracer | undefined;
  for (const pair of m.pairs()) {
    if (pair.enforced === pair.pending) continue;
    tracer ??= new StagedTracer(model, options);
    const [fromNs, fromName] = pair.from.split("/") as [string, string];
    const [toNs, toName] = pair.to.split("/") as [string, string];
    const flow: Flow = {
      from: { kind: "pod", namespace: fromNs, name: fromName },
      to: { kind: "pod", namespace: toNs, name: toName },
      protocol: pair.protocol,
      ...(pair.port !== null && { port: pair.port }),
      ...(options.srcPort !== undefined && { srcPort: options.srcPort }),
      ...(options.ipVersion !== undefined && { ipVersion: options.ipVersion }),
    };
    const e = tracer.explain(flow);
    const decidedBy = partingDecision(e.enforced, e.pending);
    yield { from: pair.from, to: pair.to, port: pair.port, protocol: pair.protocol, enforced: pair.enforced, pending: pair.pending, ...(decidedBy && { decidedBy }), staged: e.staged };
  }
}

/** The pending decision of the first hop whose verdict or deciding rule differs from the enforced trace's. */
function partingDecision(enforced: FlowExplanation, pending: FlowExplanation): Decision | undefined {
  for (let i = 0; i < pending.hops.length; i++) {
    const p = pending.hops[i] as Hop;
    const e = enforced.hops[i];
    if (e === undefined || e.verdict !== p.verdict || e.decidedBy?.hash !== p.decidedBy?.hash || e.decidedBy?.summary !== p.decidedBy?.summary) return p.decidedBy;
  }
  return pending.hops.at(-1)?.decidedBy;
}

/** `StagedNetworkPolicy default/web (Set: replaces NetworkPolicy default/web)`. */
export function stagedRefText(r: StagedRef): string {
  const qualified = r.namespace === undefined ? r.name : `${r.namespace}/${r.name}`;
  const enforcedKind = policyKindName[enforcedKindOf[kindOfName.get(r.kind) as PolicyKind]];
  return `${r.kind} ${qualified} (${r.stagedAction}: ${r.effect} ${enforcedKind} ${qualified})`;
}
