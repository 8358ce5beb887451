/**
 * Reads one table (default filter) out of `iptables-save` output (legacy or nft variant). Only `:chain`
 * declarations and `-A chain` rules are interpreted (felix-dataplane.md §6.2, §9.5); counters,
 * comments and other tables are skipped.
 */
import type { KernelChain, KernelRule } from "./kernel-state.js";
import { compareByName } from "./kernel-state.js";
import { SaveParseError } from "./errors.js";
import { hashOfRuleText } from "./rule-text.js";

/** Chains of `wanted` (default the filter table), sorted by name, rules in kernel order. */
export function parseIptablesSave(text: string, wanted: string = "filter"): KernelChain[] {
  const chains = new Map<string, { policy: string | null; rules: KernelRule[] }>();
  let table: string | null = null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").replace(/\r$/, "");
    const lineNo = i + 1;
    // iptables-nft-save exits 0 but prints this for tables it cannot represent.
    if (/^# Table `?\w+'? is incompatible/.test(line)) {
      throw new SaveParseError("iptables-save", lineNo, line.slice(2));
    }
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("*")) {
      table = line.slice(1).trim();
      continue;
    }
    if (line === "COMMIT") {
      table = null;
      continue;
    }
    if (table !== wanted) continue;
    if (line.startsWith(":")) {
      const m = /^:(\S+)\s+(\S+)/.exec(line);
      if (!m?.[1] || !m[2]) throw new SaveParseError("iptables-save", lineNo, `expected ":<chain> <policy> [counters]", got "${line}"`);
      chains.set(m[1], { policy: m[2] === "-" ? null : m[2], rules: chains.get(m[1])?.rules ?? [] });
      continue;
    }
    const rule = /^-A (\S+)(?: (.*))?$/.exec(line);
    if (rule?.[1]) {
      const chain = chains.get(rule[1]);
      if (!chain) throw new SaveParseError("iptables-save", lineNo, `rule for chain ${rule[1]} before its ":${rule[1]}" line`);
      const ruleTextPart = (rule[2] ?? "").trim();
      chain.rules.push({ hash: hashOfRuleText(ruleTextPart), text: ruleTextPart });
      continue;
    }
    throw new SaveParseError("iptables-save", lineNo, `expected a ":<chain>" or "-A <chain>" line, got "${line}"`);
  }
  if (table !== null) throw new SaveParseError("iptables-save", lines.length, `table *${table} has no COMMIT`);
  return [...chains.entries()].map(([name, c]) => ({ name, policy: c.policy, rules: c.rules })).sort(compareByName);
}

/** `iptables-save` text for chains (the format the parser reads; used by tests and tools). */
export function printIptablesSave(chains: readonly KernelChain[], table: string = "filter"): string {
  const out = [`*${table}`];
  const builtins = chains.filter((c) => c.policy !== null);
  const user = chains.filter((c) => c.policy === null);
  for (const c of [...builtins, ...user]) out.push(`:${c.name} ${c.policy ?? "-"} [0:0]`);
  for (const c of [...builtins, ...user]) for (const r of c.rules) out.push(r.text ? `-A ${c.name} ${r.text}` : `-A ${c.name}`);
  out.push("COMMIT", "");
  return out.join("\n");
}
