/**
 * Unwanted sets linger: an owned ipset that is no longer desired is not destroyed by the
 * per-event path but left in the kernel (no rule references it: the diff destroys a set only
 * after the iptables step stopped using it) until the next converge, which destroys it. At scale
 * a policy goes on and off a node as its last local pod comes and goes, and its sets (a named
 * port set holds every pod of the cluster: 100k members) would be destroyed and refilled each
 * time; a lingering set comes back with a member delta instead. At most MAX_LINGERING sets wait,
 * so the kernel's memory stays bounded; beyond that they are destroyed at once, as before.
 */
import { isOwnedIpSet, type KernelIpSet, type KernelState } from "../diff/kernel-state.js";
import type { Transaction } from "../diff/transaction.js";
import type { DataplaneState } from "../render/types.js";

export const MAX_LINGERING = 32;

const tempSet = /^cali[46]t\d/;

export interface Lingering {
  /** The transaction without the destroys of the sets kept. */
  readonly tx: Transaction;
  /** The kept sets, as the view had them (the kernel keeps them as they are). */
  readonly kept: readonly KernelIpSet[];
}

export function keepUnwantedSets(tx: Transaction, view: KernelState, desired: DataplaneState): Lingering {
  const wanted = new Set(desired.ipsets.map((s) => s.name));
  const unwanted = (name: string): boolean => isOwnedIpSet(name, view.ipVersion) && !tempSet.test(name) && !wanted.has(name);
  const destroyed = new Set(tx.ipsetsAfter.flatMap((l) => (l.startsWith("destroy ") && unwanted(l.slice(8)) ? [l.slice(8)] : [])));
  if (destroyed.size === 0) return { tx, kept: [] };
  const waiting = view.ipsets.filter((s) => unwanted(s.name) && !destroyed.has(s.name)).length;
  const room = Math.max(0, MAX_LINGERING - waiting);
  const kept = view.ipsets.filter((s) => destroyed.has(s.name)).slice(0, room);
  const keep = new Set(kept.map((s) => s.name));
  return { tx: { ...tx, ipsetsAfter: tx.ipsetsAfter.filter((l) => !(l.startsWith("destroy ") && keep.has(l.slice(8)))) }, kept };
}

/** The view after the transaction, with the kept sets still in it. */
export function withKept(view: KernelState, kept: readonly KernelIpSet[]): KernelState {
  if (kept.length === 0) return view;
  const names = new Set(kept.map((s) => s.name));
  const ipsets = [...view.ipsets.filter((s) => !names.has(s.name)), ...kept].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...view, ipsets };
}
