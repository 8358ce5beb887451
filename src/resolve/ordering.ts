/**
 * Calico's evaluation order (felix-dataplane.md §3, calico-332.md §3.2): tiers by order then
 * name, a tier that policies name but no Tier defines last (Felix's invalid tiers; the loader
 * gives every Tier an order, as Calico's Kubernetes datastore does);
 * policies within a tier by order (missing = +Infinity) then `name/namespace/kind`. Strings
 * compare by code unit, which equals Go's byte order for the ASCII names Kubernetes allows.
 */
import type { Model, Policy, Tier } from "../model/types.js";
import { policyKindName } from "../render/names.js";

export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const orderKey = (order: number | undefined): number => order ?? Number.POSITIVE_INFINITY;

export function compareTiers(a: Tier, b: Tier): number {
  return orderKey(a.order) - orderKey(b.order) || compareStrings(a.name, b.name);
}

const policySortName = (p: Policy): string => `${p.name}/${p.namespace ?? ""}/${policyKindName[p.policyKind]}`;

export function comparePolicies(a: Policy, b: Policy): number {
  const ao = orderKey(a.order);
  const bo = orderKey(b.order);
  if (ao !== bo) return ao < bo ? -1 : 1;
  return compareStrings(policySortName(a), policySortName(b));
}

/** The implicit default tier when the model does not list it. */
const DEFAULT_TIER: Tier = { kind: "Tier", name: "default", order: 1_000_000, defaultAction: "Deny" };

/** Tier by name; a policy naming an unknown tier gets a Deny tier that sorts last. */
export function tierLookup(model: Model): (name: string) => Tier {
  const tiers = new Map(model.tiers.map((t) => [t.name, t]));
  return (name) => tiers.get(name) ?? (name === "default" ? DEFAULT_TIER : { kind: "Tier", name, defaultAction: "Deny" });
}
