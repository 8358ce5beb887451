/** Shared helpers for diff tests: build DataplaneStates by hand and run transactions on the model kernel. */
import { ruleHashes } from "../../src/render/hash.js";
import type { Chain, DataplaneState, IpSet, IptRule, KernelChainHooks, KernelChainName } from "../../src/render/types.js";
import type { Transaction } from "../../src/diff/transaction.js";
import { transactionInputs } from "../../src/diff/transaction.js";
import type { ModelKernel } from "./model-kernel.js";

export interface Body {
  readonly comments?: readonly string[];
  readonly match?: string;
  readonly action?: string;
}

const body = (b: Body) => ({ comments: b.comments ?? [], match: b.match ?? "", action: b.action ?? "" });

/** Rules with real Felix hashes for `hashChain` (a chain name, or `<chain>*appends*`). */
export function hashed(hashChain: string, bodies: readonly Body[]): IptRule[] {
  const rules = bodies.map(body);
  const hashes = ruleHashes(hashChain, rules);
  return rules.map((r, i) => ({ ...r, hash: hashes[i] ?? "" }));
}

export function chain(name: string, bodies: readonly Body[]): Chain {
  return { name, rules: hashed(name, bodies) };
}

export function hooks(name: KernelChainName, inserts: readonly Body[], appends: readonly Body[] = []): KernelChainHooks {
  return { chain: name, inserts: hashed(name, inserts), appends: hashed(`${name}*appends*`, appends) };
}

export function ipset(name: string, members: readonly string[], type: IpSet["type"] = "hash:net", maxelem = 1048576): IpSet {
  return { name, type, family: "inet", maxelem, members: [...members].sort() };
}

export function state(parts: { chains?: Chain[]; hooks?: KernelChainHooks[]; ipsets?: IpSet[] }): DataplaneState {
  const order: KernelChainName[] = ["INPUT", "FORWARD", "OUTPUT"];
  return {
    kind: "DataplaneState",
    ipVersion: 4,
    chains: [...(parts.chains ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1)),
    hooks: [...(parts.hooks ?? [])].sort((a, b) => order.indexOf(a.chain) - order.indexOf(b.chain)),
    ipsets: [...(parts.ipsets ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

export const EMPTY = state({});

/** Runs a transaction on the model kernel in the order the Dataplane runs it. */
export function applyTo(kernel: ModelKernel, tx: Transaction): void {
  const input = transactionInputs(tx);
  if (input.ipsetsBefore) kernel.ipsetRestore(input.ipsetsBefore);
  if (input.iptables) kernel.iptablesRestore(input.iptables);
  if (input.ipsetsAfter) kernel.ipsetRestore(input.ipsetsAfter);
}
