/**
 * Rule origins: for every rendered rule that comes from something a user wrote (a policy or
 * profile rule, a tier's end-of-tier drop, an endpoint's jump to a policy), where it came from.
 * Kept in a side table keyed by rule hash, beside the DataplaneState, so the state and its
 * restore text are exactly what `compile` gives (explain and matrix name rules through it).
 *
 * The table is derived from the same NodeView the state was rendered from, following the
 * renderer's layout; every chain's derived length and jump targets are checked against the
 * rendered chain, so a layout change in the renderer fails loudly here instead of naming the
 * wrong rule.
 */
import type { Span } from "../diagnostics/types.js";
import { isStagedPolicyKind } from "../model/policy-kinds.js";
import type { Model, PolicyKind, Rule } from "../model/types.js";
import { keptFor } from "../resolve/rules.js";
import { resolveNode } from "../resolve/resolve.js";
import type { LocalEndpoint, NodeView, ResolvedRule } from "../resolve/types.js";
import type { CompileOptions } from "./compile.js";
import { endpointChainName, policyChainName, profileChainName } from "./names.js";
import { renderNodeView } from "./node-view.js";
import { GROUP_RETURN_STRIDE, enforcedIds, tierJumps } from "./policy-groups.js";
import { renderRule } from "./rule-render.js";
import type { Chain, DataplaneState } from "./types.js";

type Direction = "ingress" | "egress";

/** Where a rendered rule came from. Keyed by rule hash in `RuleOrigins`. */
export type RuleOrigin =
  | {
      readonly kind: "policyRule";
      readonly policyKind: PolicyKind;
      readonly namespace?: string;
      readonly name: string;
      readonly tier: string;
      readonly direction: Direction;
      /** Index of the rule in the policy's spec.ingress / spec.egress as written. */
      readonly ruleIndex: number;
      readonly action: string;
      /** What the rule stands for when it is not what was written (Origin.note). */
      readonly note?: string;
      readonly span?: Span;
    }
  | {
      readonly kind: "profileRule";
      readonly profile: string;
      readonly direction: Direction;
      readonly ruleIndex: number;
      readonly action: string;
      readonly span?: Span;
    }
  | {
      /** The endpoint chain's jump to a policy or profile chain. */
      readonly kind: "policyJump" | "profileJump";
      readonly target: string;
      readonly direction: Direction;
      readonly endpoint: string;
      readonly span?: Span;
    }
  | {
      /** The endpoint chain's jump to a policy-group chain (policy-groups.ts) holding `policies`. */
      readonly kind: "policyGroupJump";
      readonly target: string;
      /** The enforced members, in order. */
      readonly policies: readonly string[];
      readonly direction: Direction;
      readonly endpoint: string;
      readonly span?: Span;
    }
  | {
      /** A policy-group chain's jump to one member's policy chain (shared by every endpoint of the group). */
      readonly kind: "groupMemberJump";
      readonly target: string;
      readonly group: string;
      readonly policy: string;
      readonly direction: Direction;
      readonly span?: Span;
    }
  | {
      /** The drop after a tier in which no policy accepted or passed the packet. */
      readonly kind: "endOfTier";
      readonly tier: string;
      readonly direction: Direction;
      readonly endpoint: string;
      readonly span?: Span;
    }
  | {
      /** The drop after the endpoint's profiles: nothing accepted the packet. */
      readonly kind: "noProfileMatched";
      readonly direction: Direction;
      readonly endpoint: string;
      readonly span?: Span;
    };

export interface RuleOrigins {
  readonly kind: "RuleOrigins";
  /** Rule hash → origin, for the rules that come from a policy, profile, tier or endpoint. */
  readonly byHash: ReadonlyMap<string, RuleOrigin>;
  /** Policy-group chain name → the enforced policy ids it jumps to, in order (explain names groups by them). */
  readonly groups: ReadonlyMap<string, readonly string[]>;
}


export interface CompiledWithOrigins {
  readonly state: DataplaneState;
  readonly origins: RuleOrigins;
  /** The per-node view the state was rendered from (which policies apply to which endpoint, in order). */
  readonly view: NodeView;
  /** Every selector ipset of the state → what it stands for (a canonical selector, with the named port for a named-port set). */
  readonly ipsetMeanings: ReadonlyMap<string, string>;
}

/** compile(model, options) plus the origin of each rule; `state` is identical to compile's. */
export function compileWithOrigins(model: Model, options: CompileOptions): CompiledWithOrigins {
  const ipsetMeanings = new Map<string, string>();
  const view = resolveNode(model, options.node, options.ipVersion ?? 4, options.hostInterfaces, (d) =>
    ipsetMeanings.set(d.name, d.kind === "selector" ? d.selector.canonical : `${d.selector.canonical} with named port ${d.port}${d.protocol === "any" ? "" : `/${d.protocol}`}`),
  );
  const state = renderNodeView(view, options);
  // Policy and profile chains are identical in every table that has them (mangle, raw), so
  // their rules' hashes are too; the filter copy wins when there is one.
  const chains = new Map([...(state.tables ?? []).flatMap((t) => t.chains), ...state.chains].map((c) => [c.name, c]));
  const byHash = new Map<string, RuleOrigin>();
  const policies = new Map(model.policies.map((p) => [p.id, p]));
  const tierSpans = new Map(model.tiers.map((t) => [t.name, t.origin?.span]));
  const profiles = new Map(model.profiles.map((p) => [p.name, p]));
  const endpointSpans = new Map(model.endpoints.map((e) => [e.key, e.origin?.span]));

  const assign = (chainName: string, origins: readonly (RuleOrigin | undefined)[], exact: boolean): void => {
    const chain = chains.get(chainName);
    if (!chain) throw new Error(`origins: no rendered chain ${chainName}`);
    // Policy chains lose trailing RETURNs (and an empty one gets a counting rule): only the
    // derived list may be longer than the chain, never shorter.
    const countingRule = !exact && origins.length === 0 && chain.rules.length === 1 && chain.rules[0]?.action === "";
    if (exact ? origins.length !== chain.rules.length : origins.length < chain.rules.length && !countingRule) {
      throw new Error(`origins: chain ${chainName} has ${chain.rules.length} rules, layout gives ${origins.length}`);
    }
    chain.rules.forEach((r, i) => {
      const o = origins[i];
      if (o) byHash.set(r.hash, o);
    });
  };

  for (const rp of view.policies) {
    const p = policies.get(rp.id);
    if (!p) throw new Error(`origins: no model policy ${rp.id}`);
    // A staged policy has no chain (its rules are only scanned for ipsets).
    if (isStagedPolicyKind(p.policyKind)) continue;
    for (const direction of ["ingress", "egress"] as const) {
      const resolved = rp[direction];
      if (!resolved) continue;
      const origins = ruleOrigins(view.ipVersion, p[direction], resolved, (ruleIndex, r) => ({
        kind: "policyRule",
        policyKind: p.policyKind as PolicyKind,
        ...(p.namespace !== undefined && { namespace: p.namespace }),
        name: p.name,
        tier: p.tier,
        direction,
        ruleIndex,
        action: r.action,
        ...(r.origin?.note !== undefined && { note: r.origin.note }),
        ...spanOf(r.origin?.span ?? p.origin?.span),
      }));
      assign(policyChainName(direction, p.id), origins, false);
    }
  }
  for (const rp of view.profiles) {
    const p = profiles.get(rp.name);
    for (const direction of ["ingress", "egress"] as const) {
      const origins = ruleOrigins(view.ipVersion, p?.[direction] ?? [], rp[direction], (ruleIndex, r) => ({
        kind: "profileRule",
        profile: rp.name,
        direction,
        ruleIndex,
        action: r.action,
        ...spanOf(r.origin?.span ?? p?.origin?.span),
      }));
      assign(profileChainName(direction, rp.name), origins, false);
    }
  }
  const groups = new Map<string, readonly string[]>();
  const groupTiers = [
    ...view.endpoints.flatMap((e) => [{ tiers: e.ingressTiers, direction: "ingress" as const }, { tiers: e.egressTiers, direction: "egress" as const }]),
    ...(view.hostEndpoints ?? []).flatMap((h) => [
      ...[h.normal, h.forward, h.untracked].flatMap((t) => [{ tiers: t.ingress, direction: "ingress" as const }, { tiers: t.egress, direction: "egress" as const }]),
      { tiers: h.preDNAT, direction: "ingress" as const },
    ]),
  ];
  for (const { tiers, direction } of groupTiers) {
    for (const tier of tiers) {
      for (const j of tierJumps(tier, direction)) {
        if (j.kind !== "group" || groups.has(j.chain)) continue;
        const ids = enforcedIds(j.members);
        groups.set(j.chain, ids);
        const origins: (RuleOrigin | undefined)[] = [];
        ids.forEach((id, i) => {
          if (i > 0 && i % GROUP_RETURN_STRIDE === 0) origins.push(undefined);
          origins.push({ kind: "groupMemberJump", target: policyChainName(direction, id), group: j.chain, policy: id, direction, ...spanOf(policies.get(id)?.origin?.span) });
        });
        assign(j.chain, origins, true);
        checkJumps(chains.get(j.chain), origins);
      }
    }
  }
  for (const ep of view.endpoints) {
    for (const direction of ["ingress", "egress"] as const) {
      const name = endpointChainName(direction, ep.interfaceName);
      const origins = endpointOrigins(ep, direction, {
        policy: (id) => policies.get(id)?.origin?.span,
        tier: (t) => tierSpans.get(t),
        profile: (n) => profiles.get(n)?.origin?.span,
        endpoint: endpointSpans.get(ep.key),
      });
      assign(name, origins, true);
      checkJumps(chains.get(name), origins);
    }
  }
  return { state, origins: { kind: "RuleOrigins", byHash, groups }, view, ipsetMeanings };
}

const spanOf = (span: Span | undefined): { span?: Span } => (span ? { span } : {});

/**
 * Each kept model rule renders to renderRule(resolved).length rules. The index reported is the
 * rule's position as written: the origin's own `ruleIndex` when it has one (a ClusterNetworkPolicy
 * rule Calico drops leaves a gap); otherwise Kubernetes rules expand into several model rules that
 * share one origin span, so consecutive rules with the same span count as one.
 */
function ruleOrigins(
  version: 4 | 6,
  rules: readonly Rule[],
  resolved: readonly ResolvedRule[],
  make: (ruleIndex: number, r: Rule) => RuleOrigin,
): RuleOrigin[] {
  const kept: { rule: Rule; index: number }[] = [];
  let written = -1;
  let lastStart: number | undefined;
  for (const r of rules) {
    const start = r.origin?.span.start;
    if (start === undefined || start !== lastStart) written++;
    lastStart = start;
    if (keptFor(r, version)) kept.push({ rule: r, index: r.origin?.ruleIndex ?? written });
  }
  if (kept.length !== resolved.length) {
    throw new Error(`origins: ${kept.length} rules kept for IPv${version}, the resolver kept ${resolved.length}`);
  }
  const out: RuleOrigin[] = [];
  resolved.forEach((rr, i) => {
    const k = kept[i] as { rule: Rule; index: number };
    const origin = make(k.index, k.rule);
    for (let n = renderRule(rr).length; n > 0; n--) out.push(origin);
  });
  return out;
}

interface Spans {
  readonly policy: (id: string) => Span | undefined;
  readonly tier: (name: string) => Span | undefined;
  readonly profile: (name: string) => Span | undefined;
  readonly endpoint: Span | undefined;
}

/** The layout of endpoint-chains.ts, rule by rule. */
function endpointOrigins(ep: LocalEndpoint, direction: Direction, spans: Spans): (RuleOrigin | undefined)[] {
  const endpoint = ep.key;
  const out: (RuleOrigin | undefined)[] = [undefined, undefined, undefined];
  if (direction === "egress") out.push(undefined, undefined);
  for (const tier of direction === "ingress" ? ep.ingressTiers : ep.egressTiers) {
    if (tier.members.length === 0) continue;
    out.push(undefined);
    for (const j of tierJumps(tier, direction)) {
      const o: RuleOrigin =
        j.kind === "policy"
          ? { kind: "policyJump", target: policyChainName(direction, j.id), direction, endpoint, ...spanOf(spans.policy(j.id)) }
          : { kind: "policyGroupJump", target: j.chain, policies: enforcedIds(j.members), direction, endpoint, ...spanOf(spans.policy(enforcedIds(j.members)[0] as string)) };
      out.push(o, o);
    }
    if (tier.defaultAction !== "Pass" && tier.policies.length > 0) out.push({ kind: "endOfTier", tier: tier.name, direction, endpoint, ...spanOf(spans.tier(tier.name)) });
  }
  for (const profile of ep.profiles) {
    const o: RuleOrigin = { kind: "profileJump", target: profileChainName(direction, profile), direction, endpoint, ...spanOf(spans.profile(profile)) };
    out.push(o, o);
  }
  out.push({ kind: "noProfileMatched", direction, endpoint, ...spanOf(spans.endpoint) });
  return out;
}

function checkJumps(chain: Chain | undefined, origins: readonly (RuleOrigin | undefined)[]): void {
  chain?.rules.forEach((r, i) => {
    const o = origins[i];
    if (o && (o.kind === "policyJump" || o.kind === "profileJump" || o.kind === "policyGroupJump" || o.kind === "groupMemberJump") && r.action.startsWith("--jump cali-") && r.action !== `--jump ${o.target}`) {
      throw new Error(`origins: ${chain.name} rule ${i} jumps ${r.action}, layout expects ${o.target}`);
    }
  });
}
