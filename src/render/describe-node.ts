/**
 * "What lands on node-1?" in the terms of the policies: per local endpoint its interface and, per
 * direction, the tiers and policies that apply in Calico's order, the profiles, and how many
 * kernel rules run for it (its endpoint chain plus the policy and profile chains it jumps to);
 * per ipset the selector behind its hashed name and its size; totals over the node's state.
 * Built from the same view and state `compile` renders, so it describes exactly that output.
 * Pure: `describe node` prints it as text or JSON.
 */
import type { Model } from "../model/types.js";
import { compareStrings } from "../resolve/ordering.js";
import type { EndpointTier } from "../resolve/types.js";
import type { CompileOptions } from "./compile.js";
import { endpointChainName, policyChainName, profileChainName } from "./names.js";
import { compileWithOrigins } from "./origins.js";

export interface DirectionDescription {
  /** Tiers in order, each with its enforced policy ids in order (staged ones never run). */
  readonly tiers: readonly { readonly tier: string; readonly policies: readonly string[] }[];
  readonly profiles: readonly string[];
  /** Kernel rules that can run for a packet of this direction: endpoint chain, policy and profile chains. */
  readonly rules: number;
}

export interface EndpointDescription {
  readonly endpoint: string;
  readonly interface: string;
  readonly ingress: DirectionDescription;
  readonly egress: DirectionDescription;
}

export interface IpSetDescription {
  readonly name: string;
  /** The canonical selector the set stands for (with its named port for a named-port set). */
  readonly selector: string;
  readonly members: number;
}

export interface NodeDescription {
  readonly kind: "NodeDescription";
  readonly node: string;
  readonly ipVersion: 4 | 6;
  readonly endpoints: readonly EndpointDescription[];
  /** Host endpoints of the node by name and interface (their policies are in `compile`'s mangle/raw/filter chains). */
  readonly hostEndpoints: readonly { readonly name: string; readonly interface: string }[];
  readonly ipsets: readonly IpSetDescription[];
  readonly totals: {
    readonly endpoints: number;
    readonly policies: number;
    readonly profiles: number;
    readonly chains: number;
    readonly rules: number;
    readonly ipsets: number;
    readonly members: number;
  };
}

export interface DescribeOptions extends Omit<CompileOptions, "node"> {
  /** Only the endpoints of this namespace (ipsets and totals stay the node's). */
  readonly namespace?: string;
}

export function describeNode(model: Model, node: string, options: DescribeOptions = {}): NodeDescription {
  const { namespace, ...compileOptions } = options;
  const { state, view, ipsetMeanings } = compileWithOrigins(model, { ...compileOptions, node });
  const chains = [...state.chains, ...(state.tables ?? []).flatMap((t) => t.chains)];
  const length = new Map<string, number>();
  for (const c of chains) length.set(c.name, (length.get(c.name) ?? 0) + c.rules.length);
  const rulesOf = (names: readonly string[]): number => names.reduce((n, c) => n + (length.get(c) ?? 0), 0);
  const direction = (dir: "ingress" | "egress", iface: string, tiers: readonly EndpointTier[], profiles: readonly string[]): DirectionDescription => {
    const ids = tiers.flatMap((t) => t.policies);
    return {
      tiers: tiers.map((t) => ({ tier: t.name, policies: t.policies })),
      profiles,
      rules: rulesOf([endpointChainName(dir, iface), ...ids.map((id) => policyChainName(dir, id)), ...profiles.map((p) => profileChainName(dir, p))]),
    };
  };
  const endpoints = view.endpoints
    .filter((e) => namespace === undefined || e.key.startsWith(`${namespace}/`))
    .map((e) => ({
      endpoint: e.key,
      interface: e.interfaceName,
      ingress: direction("ingress", e.interfaceName, e.ingressTiers, e.profiles),
      egress: direction("egress", e.interfaceName, e.egressTiers, e.profiles),
    }))
    // By namespace, then name (as separate keys: `shop/web` before `shop-db/db`).
    .sort((a, b) => compareStrings(a.endpoint.split("/")[0] ?? "", b.endpoint.split("/")[0] ?? "") || compareStrings(a.endpoint, b.endpoint));
  const ipsets = state.ipsets.map((s) => ({ name: s.name, selector: ipsetMeanings.get(s.name) ?? "?", members: s.members.length }));
  return {
    kind: "NodeDescription",
    node,
    ipVersion: state.ipVersion,
    endpoints,
    hostEndpoints: (view.hostEndpoints ?? []).map((h) => ({ name: h.name, interface: h.interfaceName })),
    ipsets,
    totals: {
      endpoints: view.endpoints.length,
      policies: view.policies.length,
      profiles: view.profiles.length,
      chains: chains.length,
      rules: chains.reduce((n, c) => n + c.rules.length, 0) + state.hooks.reduce((n, h) => n + h.inserts.length + h.appends.length, 0),
      ipsets: ipsets.length,
      members: ipsets.reduce((n, s) => n + s.members, 0),
    },
  };
}
