/**
 * What `explain` prints, as text and as JSON, from the same facts: per hop the verdict, the rule
 * that decided (policy, tier, rule number as Calico numbers rules: spec.ingress[0] is rule 0),
 * the Pass and Log rules met on the way, for a deny at the end of a tier why no rule of the tier's
 * policies took the packet, and the policy behind every chain whose name is a hash.
 */
import { stagedRefText, type FlowExplanation, type Hop, type StagedExplanation } from "../trace/index.js";
import type { PolicyMisses } from "../trace/why.js";

/** Rules listed per policy in text before the rest are summed up (JSON lists them all). */
const RULES_SHOWN = 4;

export function hopJson(h: Hop): object {
  return {
    node: h.node,
    ...(h.table !== undefined && { table: h.table, hook: h.hook }),
    ...(h.untracked && { untracked: true }),
    ...(h.undecided && { undecided: true }),
    direction: h.direction,
    endpoint: h.endpoint,
    verdict: h.verdict,
    decidedBy: h.decidedBy ?? null,
    ...(h.passed && { passed: h.passed }),
    ...(h.logged && { logged: h.logged }),
    ...(h.unmatched && { unmatched: h.unmatched, unmatchedTier: h.unmatchedTier }),
    chains: h.chains,
    ...(h.groups && { groups: h.groups }),
    ...(h.chainPolicies && { chainPolicies: h.chainPolicies }),
  };
}

export function explanationJson(e: FlowExplanation): object {
  return { verdict: e.verdict, ...(e.resolved && { resolved: e.resolved }), hops: e.hops.map(hopJson) };
}

export function stagedExplanationJson(st: StagedExplanation): object {
  return { verdict: st.pending.verdict, enforced: explanationJson(st.enforced), pending: explanationJson(st.pending), staged: st.staged };
}

/** `10.65.0.20 is shop/api-…`: the addresses that are a pod's, before the trace. */
export function resolvedLines(e: FlowExplanation): string[] {
  const r = e.resolved;
  if (!r) return [];
  return [r.from, r.to].flatMap((x) => (x ? [`${x.ip} is ${x.endpoint} (traced as that pod)`] : []));
}

function missLines(m: PolicyMisses, direction: string): string[] {
  const lines = [`    ${m.policy}${m.rules.length === 0 ? `: no ${direction} rule (it selects the endpoint and allows nothing)` : ":"}`];
  for (const r of m.rules.slice(0, RULES_SHOWN)) {
    lines.push(`      ${direction} rule ${r.rule} (${r.action}): ${r.matched ? `matched, but ${r.action} decides nothing` : (r.reason as string)}`);
  }
  const rest = m.rules.length - RULES_SHOWN;
  if (rest > 0) lines.push(`      … and ${rest} more ${direction} rule${rest === 1 ? "" : "s"}, none of which took the packet (-o json lists each)`);
  return lines;
}

/** Each hop: a blank line, the node and verdict, what decided, where, the rule, the chains. */
export function hopLines(e: FlowExplanation): string[] {
  const lines: string[] = [];
  for (const h of e.hops) {
    const where = h.table === undefined ? "" : ` ${h.table} ${String(h.hook)}${h.untracked ? " (untracked)" : ""}:`;
    const of = h.endpoint === "-" ? "" : ` of ${h.endpoint}`;
    const verdict = h.undecided ? `${h.verdict} (no rule of it decided; the packet went on)` : h.verdict;
    lines.push("", `${h.node}:${where} ${h.direction}${of}: ${verdict}`);
    for (const d of h.logged ?? []) lines.push(`  logged by:  ${d.summary}`);
    for (const d of h.passed ?? []) lines.push(`  passed by:  ${d.summary}`);
    const d = h.decidedBy;
    if (d) {
      lines.push(`  decided by: ${d.summary}`);
      if (d.file !== undefined) lines.push(`  at:         ${d.file}${d.line !== undefined ? `:${d.line}` : ""}`);
      lines.push(`  rule:       ${d.chain} #${d.rule} ${d.hash}: ${d.iptables ?? d.nft ?? ""}`);
    }
    if (h.unmatched) {
      const of2 = h.endpoint === "-" ? "" : ` ${h.endpoint}`;
      lines.push(`  why:        ${h.unmatched.length === 0 ? `no policy of tier ${h.unmatchedTier ?? d?.tier ?? "?"} selected${of2}` : `the policies of tier ${h.unmatchedTier ?? d?.tier ?? "?"} that select${of2} (in order) took no ${h.direction} rule:`}`);
      for (const m of h.unmatched) lines.push(...missLines(m, h.direction));
    }
    lines.push(`  chains:     ${h.chains.join(" -> ")}`);
    // A chain name that is a hash: say which policies it runs.
    for (const [chain, ids] of Object.entries(h.groups ?? {})) lines.push(`  group:      ${chain} = ${ids.join(", ")}`);
    for (const [chain, id] of Object.entries(h.chainPolicies ?? {})) lines.push(`  policy:     ${chain} = ${id}`);
  }
  return lines;
}

/** The staged answer: the verdict line names both, then the staged policies met, then each trace. */
export function stagedExplanationText(head: string, st: StagedExplanation): string {
  const lines = [`${head}: enforced ${st.enforced.verdict.toUpperCase()}, pending ${st.pending.verdict.toUpperCase()}`, ...resolvedLines(st.pending)];
  if (st.staged.length === 0) lines.push("staged:     none of the staged policies is met by this flow");
  for (const r of st.staged) lines.push(`staged:     ${stagedRefText(r)}`);
  lines.push("", "enforced (today):", ...hopLines(st.enforced), "", "pending (staged policies promoted):", ...hopLines(st.pending));
  return `${lines.join("\n")}\n`;
}

export function explanationText(head: string, e: FlowExplanation): string {
  return `${[`${head}: ${e.verdict.toUpperCase()}`, ...resolvedLines(e), ...hopLines(e)].join("\n")}\n`;
}

/**
 * What makes two pairs' answers "the same" for grouping: the verdict and, per hop, where it was
 * decided and by which rule, with the rules met on the way. Addresses and endpoint names are
 * left out (they differ between the pods of one workload by definition).
 */
export function agreementKey(e: FlowExplanation): string {
  const hop = (h: Hop): string =>
    [h.table ?? "", h.direction, h.verdict, h.decidedBy?.summary ?? "", ...(h.passed ?? []).map((d) => d.summary), ...(h.logged ?? []).map((d) => d.summary)].join("\u0001");
  return [e.verdict, ...e.hops.map(hop)].join("\u0002");
}


