/**
 * The hook half of the iptables diff: policy-compile's rules inside the shared kernel chains
 * INPUT, FORWARD and OUTPUT (felix-dataplane.md §6.4 pass 3, §6.6).
 *
 * Other programs write these chains concurrently, so our rules are always removed *by value*
 * (the saved text, `-D <chain> <rule>`), never by index, and foreign rules are never touched.
 * Expected layout, with F the foreign rules in kernel order:
 *   insert mode: [inserts…, F…, appends…]     append mode: [F…, inserts…, appends…]
 * If the chain already has that layout nothing is written. Otherwise, in insert mode, a block of
 * ours that is already in place (the inserts at the top, the appends at the bottom) is kept, so a
 * change to the appends does not reset the counters of the inserts; everything else of ours is
 * deleted by value and re-inserted at the top (`-I <chain> <n>`) or re-appended.
 */
import type { IptRule, KernelChainHooks } from "../render/types.js";
import type { KernelChain, KernelRule, HookMode } from "./kernel-state.js";
import { ruleText } from "./rule-text.js";

export function planHooks(chainName: string, cur: KernelChain | undefined, want: KernelChainHooks | undefined, mode: HookMode): string[] {
  const rules: readonly KernelRule[] = cur?.rules ?? [];
  const inserts: readonly IptRule[] = want?.inserts ?? [];
  const appends: readonly IptRule[] = want?.appends ?? [];
  const foreign = rules.filter((r) => r.hash === null).length;
  const expected: (string | null)[] =
    mode === "insert"
      ? [...inserts.map((r) => r.hash), ...Array<null>(foreign).fill(null), ...appends.map((r) => r.hash)]
      : [...Array<null>(foreign).fill(null), ...inserts.map((r) => r.hash), ...appends.map((r) => r.hash)];
  if (expected.length === rules.length && expected.every((h, i) => rules[i]?.hash === h)) return [];

  const blockAt = (start: number, block: readonly IptRule[]): boolean =>
    block.length > 0 && start >= 0 && block.every((r, i) => rules[start + i]?.hash === r.hash);
  let keepInserts = mode === "insert" && blockAt(0, inserts);
  let keepAppends = mode === "insert" && blockAt(rules.length - appends.length, appends) && (!keepInserts || rules.length >= inserts.length + appends.length);
  const kept = (i: number): boolean =>
    (keepInserts && i < inserts.length) || (keepAppends && i >= rules.length - appends.length);
  const ours = rules.map((r, i) => ({ r, i })).filter(({ r }) => r.hash !== null);
  // Deleting by value removes the first rule with that text: if a stray copy of a kept rule is
  // to go, the kept one could be hit instead, so rewrite everything.
  const keptTexts = new Set(ours.filter(({ i }) => kept(i)).map(({ r }) => r.text));
  if (ours.some(({ r, i }) => !kept(i) && keptTexts.has(r.text))) keepInserts = keepAppends = false;

  const out: string[] = [];
  for (const { r, i } of ours) if (!kept(i)) out.push(`-D ${chainName} ${r.text}`);
  if (!keepInserts) {
    inserts.forEach((r, i) =>
      out.push(mode === "insert" ? `-I ${chainName} ${i + 1} ${ruleText(r)}` : `-A ${chainName} ${ruleText(r)}`),
    );
  }
  if (!keepAppends) for (const r of appends) out.push(`-A ${chainName} ${ruleText(r)}`);
  return out;
}
