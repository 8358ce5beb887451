/**
 * The report's views for people: markdown for a pull-request comment (bounded: long lists end
 * with "and N more", so the comment stays far below GitHub's 65,536-character limit) and plain
 * text for a terminal. JSON is the report itself (reviewJson).
 */
import { probeText } from "./probes.js";
import type { ConnectivityGroup, FlippedPair, OneVersionPair, ReviewDiagnostic, ReviewReport, ReviewSideVerdict } from "./types.js";

/** Caps of the markdown and text views. */
export const REVIEW_LIMITS = { groups: 30, pairs: 50, chains: 20, nodeClasses: 10, problems: 30 } as const;

export function reviewJson(r: ReviewReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

const place = (v: ReviewSideVerdict, absent = false): string => {
  const d = v.decidedBy;
  if (absent) return "absent (the pod is not in this version)";
  if (!d) return v.verdict;
  return `${v.verdict}: ${d.summary}${d.file !== undefined ? ` (${d.file}${d.line !== undefined ? `:${d.line}` : ""})` : ""}`;
};
const peerText = (g: ConnectivityGroup["from"]): string => (g.kind === "namespace" ? `namespace ${g.name}` : g.name);
/** " IPv6" after the port of an IPv6 pair or group. */
export const familyText = (p: { readonly ipVersion?: 6 }): string => (p.ipVersion === 6 ? " IPv6" : "");
const groupLine = (g: ConnectivityGroup): string =>
  `${peerText(g.from)} -> ${peerText(g.to)} ${probeText(g)}${familyText(g)}${g.count > 1 ? ` (${g.count} pairs)` : ""}`;
const pairLine = (p: Omit<FlippedPair, "base" | "head">): string => `${p.from} -> ${p.to} ${probeText(p)}${familyText(p)}`;
const basePlace = (g: ConnectivityGroup): string => place(g.base, g.change === "added");
const headPlace = (g: ConnectivityGroup): string => place(g.head, g.change === "removed");
/** Pods of one version, as one line: "pods added: a, b (3 allowed pairs)". */
function podsLine(what: "added" | "removed", pods: readonly string[], pairs: number): string | undefined {
  if (pods.length === 0) return undefined;
  const names = `${pods.slice(0, 10).join(", ")}${pods.length > 10 ? `, and ${pods.length - 10} more` : ""}`;
  return `pods ${what}: ${names} (${pairs} allowed pair${pairs === 1 ? "" : "s"})`;
}
const diagLine = (d: ReviewDiagnostic): string => `${d.file !== undefined ? `${d.file}:${d.line ?? 1}:${d.column ?? 1}: ` : ""}${d.severity} ${d.code}: ${d.message}`;
const more = (n: number, cap: number): string | undefined => (n > cap ? `and ${n - cap} more` : undefined);

/** Markdown escaping for table cells and list items (pipes, backticks, angle brackets). */
const md = (s: string): string => s.replace(/[|`<>*_[\]\\]/g, (c) => `\\${c}`);

export function reviewMarkdown(r: ReviewReport): string {
  const out: string[] = [];
  const c = r.connectivity;
  out.push("## policy-compile review", "");
  out.push(`Base: ${md(r.base.label)} · Head: ${md(r.head.label)}`, "");
  out.push(`**${c.opened.length} opened, ${c.closed.length} closed** pod pairs (${c.podsTouched} of ${c.pods} pods touched; ports ${c.probes.map(probeText).join(", ") || "none"})`, "");
  for (const [what, pods, pairs] of [["added", c.podsAdded, c.added.length], ["removed", c.podsRemoved, c.removed.length]] as const) {
    const line = podsLine(what, pods, pairs);
    if (line) out.push(md(line), "");
  }
  if (c.summary.length > 0) {
    out.push("| change | from → to | port | pairs | base | head |", "|---|---|---|---:|---|---|");
    for (const g of c.summary.slice(0, REVIEW_LIMITS.groups)) {
      out.push(`| ${g.change} | ${md(`${peerText(g.from)} → ${peerText(g.to)}`)} | ${probeText(g)}${familyText(g)} | ${g.count} | ${md(basePlace(g))} | ${md(headPlace(g))} |`);
    }
    const m = more(c.summary.length, REVIEW_LIMITS.groups);
    if (m) out.push("", `${m} groups (see \`--format json\`)`);
    out.push("");
  }
  out.push("### Rules", "");
  if (r.rules.changes.length === 0) out.push(`No rule changes on the ${r.rules.nodesCompared} node(s) compared.`, "");
  for (const k of r.rules.changes.slice(0, REVIEW_LIMITS.nodeClasses)) {
    const names = `${k.nodes.join(", ")}${k.count > k.nodes.length ? `, … (${k.count} nodes)` : ""}`;
    out.push(`**${md(names)}**: +${k.linesAdded} −${k.linesRemoved}`, "");
    for (const ch of k.chains.slice(0, REVIEW_LIMITS.chains)) {
      out.push(`- ${ch.change} \`${ch.chain}\` +${ch.linesAdded} −${ch.linesRemoved}${ch.policies.length > 0 ? ` (${md(ch.policies.join(", "))})` : ""}`);
    }
    const m = more(k.chains.length, REVIEW_LIMITS.chains);
    if (m) out.push(`- ${m} chains`);
    if (k.ipsets.length > 0) out.push(`- ipsets: ${k.ipsets.length} ${k.ipsets.length === 1 ? "set" : "sets"} (+${k.ipsets.reduce((s, x) => s + x.membersAdded, 0)} −${k.ipsets.reduce((s, x) => s + x.membersRemoved, 0)} members)`);
    out.push("");
  }
  const m = more(r.rules.changes.length, REVIEW_LIMITS.nodeClasses);
  if (m) out.push(`${m} node classes`, "");
  const p = r.problems;
  out.push("### Problems", "");
  if (p.lint.length + p.diagnostics.length + p.staged.length === 0) out.push("No new problems.", "");
  for (const d of [...p.lint, ...p.diagnostics].slice(0, REVIEW_LIMITS.problems)) out.push(`- ${md(diagLine(d))}`);
  const mp = more(p.lint.length + p.diagnostics.length, REVIEW_LIMITS.problems);
  if (mp) out.push(`- ${mp}`);
  if (p.lintFixed.length > 0) out.push(`- fixed: ${p.lintFixed.length} lint warning(s) of the base`);
  if (p.staged.length > 0) out.push(`- staged policies would change ${p.staged.length} pair(s) when promoted (\`matrix --staged --changes\`)`);
  out.push("");
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}

export function reviewText(r: ReviewReport): string {
  const out: string[] = [];
  const c = r.connectivity;
  out.push(`review ${r.base.label} -> ${r.head.label}`);
  out.push(`connectivity: ${c.opened.length} opened, ${c.closed.length} closed (${c.podsTouched} of ${c.pods} pods touched; ports ${c.probes.map(probeText).join(", ") || "none"})`);
  for (const [what, pods, pairs] of [["added", c.podsAdded, c.added.length], ["removed", c.podsRemoved, c.removed.length]] as const) {
    const line = podsLine(what, pods, pairs);
    if (line) out.push(line);
  }
  for (const g of c.summary.slice(0, REVIEW_LIMITS.groups)) {
    out.push(`  ${g.change.padEnd(6)} ${groupLine(g)}`);
    out.push(`         base ${basePlace(g)}`);
    out.push(`         head ${headPlace(g)}`);
  }
  const mg = more(c.summary.length, REVIEW_LIMITS.groups);
  if (mg) out.push(`  ${mg} groups`);
  const pairs: [string, Omit<FlippedPair, "base" | "head">][] = [
    ...c.opened.map((p) => ["opened", p] as [string, FlippedPair]),
    ...c.closed.map((p) => ["closed", p] as [string, FlippedPair]),
    ...c.added.map((p) => ["added", p] as [string, OneVersionPair]),
    ...c.removed.map((p) => ["removed", p] as [string, OneVersionPair]),
  ];
  if (pairs.length > 0 && pairs.length <= REVIEW_LIMITS.pairs && c.summary.some((g) => g.count > 1)) {
    out.push("pairs:");
    for (const [change, p] of pairs) out.push(`  ${change.padEnd(6)} ${pairLine(p)}`);
  }
  out.push(`rules: ${r.rules.nodesChanged} of ${r.rules.nodesCompared} node(s) compared change`);
  for (const k of r.rules.changes.slice(0, REVIEW_LIMITS.nodeClasses)) {
    out.push(`  ${k.nodes.join(", ")}${k.count > k.nodes.length ? ` (+${k.count - k.nodes.length} more nodes)` : ""}: +${k.linesAdded} -${k.linesRemoved}`);
    for (const ch of k.chains.slice(0, REVIEW_LIMITS.chains)) out.push(`    ${ch.change.padEnd(9)} ${ch.chain} +${ch.linesAdded} -${ch.linesRemoved}${ch.policies.length > 0 ? ` (${ch.policies.join(", ")})` : ""}`);
    const m = more(k.chains.length, REVIEW_LIMITS.chains);
    if (m) out.push(`    ${m} chains`);
    for (const s of k.ipsets) out.push(`    ipset ${s.change.padEnd(7)} ${s.set} +${s.membersAdded} -${s.membersRemoved}`);
  }
  const p = r.problems;
  out.push(`problems: ${p.lint.length} new lint warning(s), ${p.diagnostics.length} new diagnostic(s), ${p.staged.length} staged pending change(s)`);
  for (const d of [...p.lint, ...p.diagnostics].slice(0, REVIEW_LIMITS.problems)) out.push(`  ${diagLine(d)}`);
  for (const s of p.staged.slice(0, REVIEW_LIMITS.problems)) {
    out.push(`  staged ${s.enforced} -> ${s.pending} ${s.from} -> ${s.to} ${probeText(s)}${s.decidedBy ? ` (${s.decidedBy})` : ""}`);
  }
  return `${out.join("\n")}\n`;
}
