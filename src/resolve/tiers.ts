/** Building an endpoint's per-direction tier list (shared by resolve, host endpoints and the agent engine). */
import { isStaged } from "../model/policy-kinds.js";
import type { Policy, Tier } from "../model/types.js";
import type { EndpointTier } from "./types.js";

/**
 * Appends `p` (whose Felix selector text is `selector`) to `tiers`, starting a new tier when the
 * tier changes: policies must come in Calico order.
 */
export function appendToTiers(tiers: EndpointTier[], tier: Tier, p: Policy, selector: string): void {
  let last = tiers[tiers.length - 1];
  if (!last || last.name !== tier.name) {
    last = { name: tier.name, defaultAction: tier.defaultAction, policies: [], members: [] };
    tiers.push(last);
  }
  const staged = isStaged(p);
  if (!staged) (last.policies as string[]).push(p.id);
  (last.members as EndpointTier["members"][number][]).push({ id: p.id, selector, staged });
}

/**
 * A policy whose filter-table chains Felix force-programs on every node: the
 * `AssumeNeededOnEveryNode` hint on an enforced policy (a staged one has no chains at all).
 */
export const isForced = (p: Policy): boolean => p.assumeNeededOnEveryNode === true && !isStaged(p);
