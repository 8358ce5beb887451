/**
 * NodeView → the node's IR (every chain the node needs per table, hooks, sets) → DataplaneState.
 * Only chains something references are produced: policy chains exist per direction a local
 * endpoint uses (both directions of a force-programmed policy), profile chains per profile a
 * local endpoint lists. The IR is shared with the nftables renderer (nftables/render.ts), which
 * lays the same tables out as layers of one nft table.
 */
import type { NodeView } from "../resolve/types.js";
import type { IrChain } from "./chain.js";
import { workloadDispatchChains } from "./dispatch.js";
import { endpointChain, endpointGroupChains } from "./endpoint-chains.js";
import { hostGroupChains } from "./host-endpoint-chains.js";
import type { FailsafeOptions } from "./failsafe.js";
import { hostFilterTableChains, hostTablesOf, irTargets, withReferenced, type IrTable } from "./host-tables.js";
import { iptChain, iptHooks, type IrHooks } from "./iptables/print.js";
import { IR_NAME, policyChainName } from "./names.js";
import { policyChains, profileChains } from "./policy-chains.js";
import { filterHooks, staticChains, type EndpointToHostAction } from "./static-chains.js";
import { locatedAt, safeInterfaceName, safeToken } from "./safe-token.js";
import type { DataplaneState, IpSet } from "./types.js";

export interface RenderOptions {
  readonly endpointToHostAction?: EndpointToHostAction;
  /** Failsafe ports for host endpoints (default: Felix's lists). */
  readonly failsafe?: FailsafeOptions;
}

/** A node's rules in the IR: the filter table's chains and hooks, the mangle/raw tables, the sets. */
export interface NodeIr {
  readonly ipVersion: 4 | 6;
  /** Filter-table chains, sorted by name. */
  readonly chains: readonly IrChain[];
  readonly hooks: readonly IrHooks[];
  readonly ipsets: readonly IpSet[];
  /** mangle/raw, only with host endpoints. */
  readonly tables?: readonly IrTable<IrChain>[];
  /** Workload interface names, sorted (nftables verdict-map keys). */
  readonly workloadInterfaces: readonly string[];
}

/** Renders a resolved node view; exported for tests that build a NodeView by hand. */
export function renderNodeView(view: NodeView, options: RenderOptions = {}): DataplaneState {
  const ir = renderNodeIr(view, options);
  // Sorted by the printed names: iptables hashes long names, which moves them.
  const print = (chains: readonly IrChain[]) => chains.map(iptChain).sort(byName);
  const state = { kind: "DataplaneState", ipVersion: ir.ipVersion, chains: print(ir.chains), hooks: ir.hooks.map(iptHooks), ipsets: ir.ipsets } as const;
  if (ir.tables === undefined) return state;
  return { ...state, tables: ir.tables.map((t) => ({ table: t.table, chains: print(t.chains), hooks: t.hooks.map(iptHooks) })) };
}

/** The node's IR, shared by the iptables and nftables renderers. */
export function renderNodeIr(view: NodeView, options: RenderOptions = {}): NodeIr {
  const heps = view.hostEndpoints ?? [];
  const failsafe = options.failsafe ?? {};
  // Each resource is rendered under its own span, so a refused token (safe-token.ts) points at it.
  const shared = [
    ...view.policies.flatMap((p) => locatedAt(p.span, () => policyChains(p))),
    ...view.profiles.flatMap((p) => locatedAt(p.span, () => profileChains(p))),
  ];
  // Policy-group chains are shared like policy chains: one per name, whichever endpoints use it
  // (after the policy chains, whose rendering already refused an unsafe policy id at its span).
  const groups = new Map<string, IrChain>();
  for (const e of view.endpoints) endpointGroupChains(e, groups);
  for (const h of heps) hostGroupChains(h, groups);
  shared.push(...groups.values());
  for (const e of view.endpoints) locatedAt(e.span, () => safeInterfaceName(e.interfaceName));
  for (const h of heps) locatedAt(h.span, () => (h.wildcard ? h.interfaceName : safeInterfaceName(h.interfaceName)));
  const own: IrChain[] = [
    ...staticChains(options.endpointToHostAction ?? "ACCEPT", view.ipVersion),
    ...workloadDispatchChains(view.endpoints.map((e) => e.interfaceName)),
    ...view.endpoints.flatMap((e) => locatedAt(e.span, () => [endpointChain(e, "ingress"), endpointChain(e, "egress")])),
  ];
  for (const set of view.ipsets) {
    safeToken("ipset name", set.name);
    for (const m of set.members) safeToken(`member of ipset ${set.name}`, m);
  }
  const workloadInterfaces = [...new Set(view.endpoints.map((e) => e.interfaceName))].sort();
  if (heps.length === 0) {
    const chains = [...own, ...shared].sort(byName);
    assertReferencesResolve(chains);
    return { ipVersion: view.ipVersion, chains, hooks: filterHooks(), ipsets: view.ipsets, workloadInterfaces };
  }
  // Host endpoints fill in the host dispatch chains the static part leaves empty, and policy
  // chains go only to the tables that jump to them (a pre-DNAT policy lives in mangle alone).
  const hostChains = hostFilterTableChains(heps, failsafe, view.ipVersion);
  const replaced = new Set(hostChains.map((c) => c.name));
  const sharedByName = new Map(shared.map((c) => [c.name, c]));
  // Force-programmed policy chains (AssumeNeededOnEveryNode) are in the filter table referenced or not.
  const forced = view.policies
    .filter((p) => p.forced)
    .flatMap((p) => (["ingress", "egress"] as const).map((d) => sharedByName.get(policyChainName(d, p.id, IR_NAME))))
    .filter((c): c is IrChain => c !== undefined);
  const chains = withReferenced([...own.filter((c) => !replaced.has(c.name)), ...hostChains, ...forced], sharedByName, irTargets);
  assertReferencesResolve(chains);
  const tables = hostTablesOf(heps, sharedByName, failsafe, view.ipVersion, (c) => c, irTargets);
  for (const t of tables) assertReferencesResolve(t.chains);
  return { ipVersion: view.ipVersion, chains, hooks: filterHooks(), ipsets: view.ipsets, tables, workloadInterfaces };
}

const byName = (a: { readonly name: string }, b: { readonly name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * iptables-restore rejects a transaction that jumps to a missing chain, and nothing commits
 * (felix-dataplane.md §9.8); a bug here must fail loudly rather than emit unloadable text.
 */
function assertReferencesResolve(chains: readonly IrChain[]): void {
  const names = new Set(chains.map((c) => c.name));
  for (const c of chains) {
    for (const target of irTargets(c)) {
      if (!names.has(target)) throw new Error(`chain ${c.name} references missing chain ${target}`);
    }
  }
}
