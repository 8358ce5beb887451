/**
 * NodeView → DataplaneState: every chain the node needs, sorted by name, plus the hooks and the
 * ipsets. Only chains something references are produced: policy chains exist per direction a
 * local endpoint uses (both directions of a force-programmed policy), profile chains per profile
 * a local endpoint lists.
 */
import type { NodeView } from "../resolve/types.js";
import { workloadDispatchChains } from "./dispatch.js";
import { endpointChain, endpointGroupChains } from "./endpoint-chains.js";
import { hostGroupChains } from "./host-endpoint-chains.js";
import type { FailsafeOptions } from "./failsafe.js";
import { hostFilterTableChains, hostTables, withReferenced } from "./host-tables.js";
import { policyChainName } from "./names.js";
import { policyChains, profileChains } from "./policy-chains.js";
import { filterHooks, staticChains, type EndpointToHostAction } from "./static-chains.js";
import { locatedAt, safeInterfaceName, safeToken } from "./safe-token.js";
import type { Chain, DataplaneState } from "./types.js";

export interface RenderOptions {
  readonly endpointToHostAction?: EndpointToHostAction;
  /** Failsafe ports for host endpoints (default: Felix's lists). */
  readonly failsafe?: FailsafeOptions;
}

/** Renders a resolved node view; exported for tests that build a NodeView by hand. */
export function renderNodeView(view: NodeView, options: RenderOptions = {}): DataplaneState {
  const heps = view.hostEndpoints ?? [];
  const failsafe = options.failsafe ?? {};
  // Each resource is rendered under its own span, so a refused token (safe-token.ts) points at it.
  const shared = [
    ...view.policies.flatMap((p) => locatedAt(p.span, () => policyChains(p))),
    ...view.profiles.flatMap((p) => locatedAt(p.span, () => profileChains(p))),
  ];
  // Policy-group chains are shared like policy chains: one per name, whichever endpoints use it
  // (after the policy chains, whose rendering already refused an unsafe policy id at its span).
  const groups = new Map<string, Chain>();
  for (const e of view.endpoints) endpointGroupChains(e, groups);
  for (const h of heps) hostGroupChains(h, groups);
  shared.push(...groups.values());
  for (const e of view.endpoints) locatedAt(e.span, () => safeInterfaceName(e.interfaceName));
  for (const h of heps) locatedAt(h.span, () => (h.wildcard ? h.interfaceName : safeInterfaceName(h.interfaceName)));
  const own: Chain[] = [
    ...staticChains(options.endpointToHostAction ?? "ACCEPT", view.ipVersion),
    ...workloadDispatchChains(view.endpoints.map((e) => e.interfaceName)),
    ...view.endpoints.flatMap((e) => locatedAt(e.span, () => [endpointChain(e, "ingress"), endpointChain(e, "egress")])),
  ];
  for (const set of view.ipsets) {
    safeToken("ipset name", set.name);
    for (const m of set.members) safeToken(`member of ipset ${set.name}`, m);
  }
  if (heps.length === 0) {
    const chains = [...own, ...shared].sort(byName);
    assertReferencesResolve(chains);
    return { kind: "DataplaneState", ipVersion: view.ipVersion, chains, hooks: filterHooks(), ipsets: view.ipsets };
  }
  // Host endpoints fill in the host dispatch chains the static part leaves empty, and policy
  // chains go only to the tables that jump to them (a pre-DNAT policy lives in mangle alone).
  const hostChains = hostFilterTableChains(heps, failsafe, view.ipVersion);
  const replaced = new Set(hostChains.map((c) => c.name));
  const sharedByName = new Map(shared.map((c) => [c.name, c]));
  // Force-programmed policy chains (AssumeNeededOnEveryNode) are in the filter table referenced or not.
  const forced = view.policies
    .filter((p) => p.forced)
    .flatMap((p) => (["ingress", "egress"] as const).map((d) => sharedByName.get(policyChainName(d, p.id))))
    .filter((c): c is Chain => c !== undefined);
  const chains = withReferenced([...own.filter((c) => !replaced.has(c.name)), ...hostChains, ...forced], sharedByName);
  assertReferencesResolve(chains);
  const tables = hostTables(heps, sharedByName, failsafe, view.ipVersion);
  for (const t of tables) assertReferencesResolve(t.chains);
  return { kind: "DataplaneState", ipVersion: view.ipVersion, chains, hooks: filterHooks(), ipsets: view.ipsets, tables };
}

const byName = (a: Chain, b: Chain): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * iptables-restore rejects a transaction that jumps to a missing chain, and nothing commits
 * (felix-dataplane.md §9.8); a bug here must fail loudly rather than emit unloadable text.
 */
function assertReferencesResolve(chains: readonly Chain[]): void {
  const names = new Set(chains.map((c) => c.name));
  for (const c of chains) {
    for (const r of c.rules) {
      const target = /^--(?:jump|goto) (cali-\S+)/.exec(r.action)?.[1];
      if (target !== undefined && !names.has(target)) {
        throw new Error(`chain ${c.name} references missing chain ${target}`);
      }
    }
  }
}
