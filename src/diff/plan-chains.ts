/**
 * The owned-chain half of the iptables diff (felix-dataplane.md §6.4, passes 1, 2 and 4).
 *
 * Goals: unchanged rules are never rewritten, so their packet counters survive; a chain is
 * written only from its first changed rule (rule hashes chain over everything before them, so
 * the first differing hash marks the first changed rule); chains are created (by forward
 * reference) before anything jumps to them and deleted only at the end, after every reference
 * to them is gone.
 *
 * legacy: `-R <chain> <n>` for each differing position, `-D <chain> <len+1>` repeated for a
 *   shorter chain, `-A` for a longer one.
 * nft: no `-R` (older iptables-nft-restore mis-tracks rule indexes after the first one): a changed
 *   chain is flushed by forward reference and re-appended whole, as Felix does; deletions go in a
 *   second `*filter … COMMIT` block because iptables-nft wants a chain unreferenced at the start
 *   of the transaction that deletes it.
 */
import type { Chain, DataplaneState } from "../render/types.js";
import type { KernelChain } from "./kernel-state.js";
import { isOwnedChain } from "./kernel-state.js";
import { ruleText } from "./rule-text.js";
import type { Backend } from "./transaction.js";

export interface ChainPlan {
  /** `:chain - -` lines: new chains, chains to delete (flushed first), nft rewrites. */
  readonly forwardRefs: readonly string[];
  /** `-A` / `-R` / `-D` lines for owned chains. */
  readonly updates: readonly string[];
  /** `--delete-chain` lines. */
  readonly deletes: readonly string[];
}

export function planChains(
  currentChains: ReadonlyMap<string, KernelChain>,
  desired: DataplaneState,
  keep: ReadonlySet<string>,
  backend: Backend,
): ChainPlan {
  const desiredNames = new Set(desired.chains.map((c) => c.name));
  const toDelete = [...currentChains.keys()]
    .filter((n) => isOwnedChain(n) && !desiredNames.has(n) && !keep.has(n))
    .sort();
  const forward = new Set(toDelete);
  const updates: string[] = [];
  for (const chain of [...desired.chains].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const cur = currentChains.get(chain.name);
    if (!cur) {
      forward.add(chain.name);
      updates.push(...appendAll(chain, 0));
    } else if (backend === "nft") {
      if (!sameHashes(cur, chain)) {
        forward.add(chain.name);
        updates.push(...appendAll(chain, 0));
      }
    } else {
      updates.push(...legacyUpdate(cur, chain));
    }
  }
  return {
    forwardRefs: [...forward].sort().map((n) => `:${n} - -`),
    updates,
    deletes: toDelete.map((n) => `--delete-chain ${n}`),
  };
}

function appendAll(chain: Chain, from: number): string[] {
  return chain.rules.slice(from).map((r) => `-A ${chain.name} ${ruleText(r)}`);
}

function sameHashes(cur: KernelChain, want: Chain): boolean {
  return cur.rules.length === want.rules.length && cur.rules.every((r, i) => r.hash === want.rules[i]?.hash);
}

function legacyUpdate(cur: KernelChain, want: Chain): string[] {
  const out: string[] = [];
  const common = Math.min(cur.rules.length, want.rules.length);
  for (let i = 0; i < common; i++) {
    const rule = want.rules[i];
    if (rule && cur.rules[i]?.hash !== rule.hash) out.push(`-R ${want.name} ${i + 1} ${ruleText(rule)}`);
  }
  // Delete the tail from the end of the desired length: each delete shifts the next one there.
  for (let i = want.rules.length; i < cur.rules.length; i++) out.push(`-D ${want.name} ${want.rules.length + 1}`);
  out.push(...appendAll(want, cur.rules.length));
  return out;
}
