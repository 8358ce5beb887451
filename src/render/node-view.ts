/**
 * NodeView → DataplaneState: every chain the node needs, sorted by name, plus the hooks and the
 * ipsets. Only chains something references are produced: policy chains exist per direction a
 * local endpoint uses, profile chains per profile a local endpoint lists.
 */
import type { NodeView } from "../resolve/types.js";
import { workloadDispatchChains } from "./dispatch.js";
import { endpointChain } from "./endpoint-chains.js";
import { policyChains, profileChains } from "./policy-chains.js";
import { filterHooks, staticChains, type EndpointToHostAction } from "./static-chains.js";
import type { Chain, DataplaneState } from "./types.js";

export interface RenderOptions {
  readonly endpointToHostAction?: EndpointToHostAction;
}

/** Renders a resolved node view; exported for tests that build a NodeView by hand. */
export function renderNodeView(view: NodeView, options: RenderOptions = {}): DataplaneState {
  const chains: Chain[] = [
    ...staticChains(options.endpointToHostAction ?? "ACCEPT", view.ipVersion),
    ...workloadDispatchChains(view.endpoints.map((e) => e.interfaceName)),
    ...view.endpoints.flatMap((e) => [endpointChain(e, "ingress"), endpointChain(e, "egress")]),
    ...view.policies.flatMap(policyChains),
    ...view.profiles.flatMap(profileChains),
  ];
  chains.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  assertReferencesResolve(chains);
  return { kind: "DataplaneState", ipVersion: view.ipVersion, chains, hooks: filterHooks(), ipsets: view.ipsets };
}

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
