/**
 * Printing a DataplaneState as restore input for a fresh network namespace: `ipset restore`
 * (create + add lines) and `iptables-restore --noflush` (declare every owned chain, append its
 * rules, insert the hooks at the top of the kernel chains, append FORWARD's accept rules), one
 * `*<table> … COMMIT` section per table (filter, then mangle and raw when host endpoints need them).
 * Hooks are inserted with `-I <chain> <n>` in order, so they end up on top in the same order.
 */
import { renderRuleFragments } from "./hash.js";
import { assertRestoreText } from "./safe-token.js";
import type { Chain, DataplaneState, IptRule, KernelChainHooks, TableName } from "./types.js";

/** The body of a rule after `-A <chain> ` (or `-I <chain> <n> `), hash comment first. */
export function ruleText(r: IptRule): string {
  const rest = renderRuleFragments(r);
  return rest ? `-m comment --comment "cali:${r.hash}" ${rest}` : `-m comment --comment "cali:${r.hash}"`;
}

export function renderIpsetRestore(state: DataplaneState): string {
  const lines: string[] = [];
  for (const set of state.ipsets) {
    lines.push(`create ${set.name} ${set.type} family ${set.family} maxelem ${set.maxelem}`);
    for (const m of set.members) lines.push(`add ${set.name} ${m}`);
  }
  // Checked as a whole: whatever reached the state by any path, no line can smuggle a command.
  return assertRestoreText("ipset", lines.length === 0 ? "" : `${lines.join("\n")}\n`);
}

export function renderIptablesRestore(state: DataplaneState): string {
  const lines = tableLines("filter", state);
  for (const t of state.tables ?? []) lines.push(...tableLines(t.table, t));
  return assertRestoreText("iptables", `${lines.join("\n")}\n`);
}

/** One `*<table> … COMMIT` section: declare every owned chain, append its rules, then the hooks. */
function tableLines(table: TableName, t: { readonly chains: readonly Chain[]; readonly hooks: readonly KernelChainHooks[] }): string[] {
  const lines = [`*${table}`];
  for (const c of t.chains) lines.push(`:${c.name} - -`);
  for (const c of t.chains) for (const r of c.rules) lines.push(`-A ${c.name} ${ruleText(r)}`);
  for (const h of t.hooks) {
    h.inserts.forEach((r, i) => lines.push(`-I ${h.chain} ${i + 1} ${ruleText(r)}`));
    for (const r of h.appends) lines.push(`-A ${h.chain} ${ruleText(r)}`);
  }
  lines.push("COMMIT");
  return lines;
}

export function renderRestore(state: DataplaneState): { ipsets: string; iptables: string } {
  return { ipsets: renderIpsetRestore(state), iptables: renderIptablesRestore(state) };
}
