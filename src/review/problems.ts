/**
 * The problems section: what is wrong with the head version that was not wrong with the base
 * (lint warnings and load diagnostics, compared by code and message, since places move when
 * files are edited), what the change fixes, and the head version's staged policies' pending
 * changes (`matrix --staged --changes`).
 */
import { LineIndex } from "../diagnostics/position.js";
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import { lintModel } from "../lint/lint.js";
import { isStaged } from "../model/policy-kinds.js";
import type { Model, Policy } from "../model/types.js";
import { selectorContains } from "../lint/selector-contains.js";
import { SelectorCache, policySelectorText } from "../resolve/selectors.js";
import type { SelectorNode } from "../selector/index.js";
import { sameMeaning } from "./touched.js";
import { stagedChanges, stagedMatrix, stagedRefText } from "../trace/staged.js";
import type { ProblemsSection, ReviewDiagnostic, StagedPending } from "./types.js";

function located(d: Diagnostic, sources: readonly SourceFile[], lines: Map<string, LineIndex>): ReviewDiagnostic {
  const base = { code: d.code, severity: d.severity, message: d.message };
  if (!d.span) return base;
  let index = lines.get(d.span.file);
  const text = sources.find((s) => s.file === d.span?.file)?.text;
  if (!index && text !== undefined) lines.set(d.span.file, (index = new LineIndex(text)));
  if (!index) return { ...base, file: d.span.file };
  const lc = index.lineColumn(d.span.start);
  return { ...base, file: d.span.file, line: lc.line, column: lc.column };
}

const keyOf = (d: Diagnostic): string => `${d.code}\u0000${d.message}`;

function newIn(before: readonly Diagnostic[], after: readonly Diagnostic[], sources: readonly SourceFile[]): ReviewDiagnostic[] {
  const seen = new Map<string, number>();
  for (const d of before) seen.set(keyOf(d), (seen.get(keyOf(d)) ?? 0) + 1);
  const lines = new Map<string, LineIndex>();
  const out: ReviewDiagnostic[] = [];
  for (const d of after) {
    const n = seen.get(keyOf(d)) ?? 0;
    if (n > 0) seen.set(keyOf(d), n - 1);
    else out.push(located(d, sources, lines));
  }
  return out;
}

export interface ProblemsInput {
  readonly base: Model;
  readonly head: Model;
  readonly baseSources: readonly SourceFile[];
  readonly headSources: readonly SourceFile[];
  /** Load diagnostics (no errors: an invalid version stops the review before). */
  readonly baseDiagnostics: readonly Diagnostic[];
  readonly headDiagnostics: readonly Diagnostic[];
}

/**
 * The part of the models whose lint warnings a change of policies can alter, the same for both
 * versions. Only the tier checks (PC6008, PC6009) relate two policies, and only when one
 * provably selects every endpoint the other does (selector-contains.ts), within a tier; every
 * other check is about one policy (and the endpoints and sets, whose change lints everything).
 * So a warning can appear or go away only for
 * - a changed policy, or one a changed policy covers (its selector contains the other's, in a
 *   tier the changed policy is in, in either version): a GlobalNetworkPolicy edit can shadow the
 *   policies of namespaces nobody touched;
 * and it is computed right when every policy that can cover those is linted with them: its
 * namespace's policies, and the policies of its tier whose selector contains its own (global
 * ones, or for a global subject namespaced ones too, with their namespaces). Linting a
 * 5,000-policy cluster whole, twice, would cost more than the rest of the review, and so would
 * linting every global policy against 100k endpoints.
 */
export function lintScope(base: Model, head: Model, changedPolicies: ReadonlySet<string>): (m: Model) => Model {
  const cache = new SelectorCache();
  const selectorOf = (p: Policy): SelectorNode => cache.parse(policySelectorText(cache, p)).ast;
  // Ids of the policies whose warnings can change, then the namespaces linted with them.
  const subjects = new Set<string>();
  const namespaces = new Set<string>();
  const tiers = [base, head].map((m) => {
    const byTier = new Map<string, Policy[]>();
    for (const p of m.policies) {
      const list = byTier.get(p.tier);
      if (list) list.push(p);
      else byTier.set(p.tier, [p]);
    }
    return byTier;
  });
  [base, head].forEach((m, i) => {
    for (const a of m.policies) {
      if (!changedPolicies.has(a.id)) continue;
      subjects.add(a.id);
      const sa = selectorOf(a);
      for (const b of tiers[i]?.get(a.tier) ?? []) {
        const related = a.namespace === undefined || b.namespace === undefined || a.namespace === b.namespace;
        if (b !== a && related && selectorContains(sa, selectorOf(b))) subjects.add(b.id);
      }
    }
  });
  // Who can cover a subject: its namespace's policies, and the global or (for a global subject)
  // namespaced policies of its tier whose selector contains its own.
  const globals = new Set<string>();
  [base, head].forEach((m, i) => {
    for (const s of m.policies) {
      if (!subjects.has(s.id)) continue;
      if (s.namespace === undefined) globals.add(s.id);
      else namespaces.add(s.namespace);
      const ss = selectorOf(s);
      for (const c of tiers[i]?.get(s.tier) ?? []) {
        if (c === s || (c.namespace !== undefined && (s.namespace !== undefined || namespaces.has(c.namespace))) || (c.namespace === undefined && globals.has(c.id))) continue;
        if (!selectorContains(selectorOf(c), ss)) continue;
        if (c.namespace === undefined) globals.add(c.id);
        else namespaces.add(c.namespace);
      }
    }
  });
  return (m) => ({ ...m, policies: m.policies.filter((p) => (p.namespace === undefined ? globals.has(p.id) : namespaces.has(p.namespace))) });
}

export function reviewProblems(input: ProblemsInput): ProblemsSection {
  const changed = new Set<string>();
  const byId = new Map(input.base.policies.map((p) => [p.id, p]));
  for (const p of input.head.policies) if (!sameMeaning(byId.get(p.id), p)) changed.add(p.id);
  for (const id of byId.keys()) if (!input.head.policies.some((p) => p.id === id)) changed.add(id);
  const same = sameMeaning;
  const everything = !same(input.base.tiers, input.head.tiers) || !same(input.base.profiles, input.head.profiles) || !same(input.base.networkSets, input.head.networkSets) ||
    input.base.endpoints.length !== input.head.endpoints.length || input.base.endpoints.some((e, i) => e !== input.head.endpoints[i] && !same(e, input.head.endpoints[i]));
  const scope = everything ? (m: Model): Model => m : lintScope(input.base, input.head, changed);
  const lintBase = lintModel(scope(input.base), input.baseSources);
  const lintHead = lintModel(scope(input.head), input.headSources);
  const staged: StagedPending[] = [];
  if (input.head.policies.some(isStaged)) {
    const options = { sources: input.headSources };
    const m = stagedMatrix(input.head, options);
    for (const c of stagedChanges(input.head, m, options)) {
      if (c.protocol === "ICMP" && c.port !== null) continue;
      staged.push({
        from: c.from,
        to: c.to,
        port: c.port,
        protocol: c.protocol,
        enforced: c.enforced,
        pending: c.pending,
        ...(c.decidedBy && { decidedBy: c.decidedBy.summary }),
        ...(c.decidedBy?.file !== undefined && { file: c.decidedBy.file }),
        ...(c.decidedBy?.line !== undefined && { line: c.decidedBy.line }),
        staged: c.staged.map(stagedRefText),
      });
    }
  }
  return {
    lint: newIn(lintBase, lintHead, input.headSources),
    lintFixed: newIn(lintHead, lintBase, input.baseSources),
    diagnostics: newIn(input.baseDiagnostics, input.headDiagnostics, input.headSources),
    staged,
  };
}
