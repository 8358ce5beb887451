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
import type { Model } from "../model/types.js";
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
 * The part of a model whose lint warnings a change of namespaced policies can alter: every policy
 * of their namespaces (what they can shadow or be shadowed by there); all of it when a global
 * policy, tier, profile, network set or endpoint changed. Linting a 5,000-policy cluster whole,
 * twice, would cost more than the rest of the review. Not covered: a namespaced policy newly
 * shadowed across tiers by an unchanged GlobalNetworkPolicy (`lint` over the head finds it).
 */
function lintScope(model: Model, changedPolicies: ReadonlySet<string>, everything: boolean): Model {
  if (everything) return model;
  const namespaces = new Set(model.policies.filter((p) => changedPolicies.has(p.id)).map((p) => p.namespace));
  if (namespaces.has(undefined)) return model;
  return { ...model, policies: model.policies.filter((p) => p.namespace !== undefined && namespaces.has(p.namespace)) };
}

export function reviewProblems(input: ProblemsInput): ProblemsSection {
  const changed = new Set<string>();
  const byId = new Map(input.base.policies.map((p) => [p.id, p]));
  for (const p of input.head.policies) if (!sameMeaning(byId.get(p.id), p)) changed.add(p.id);
  for (const id of byId.keys()) if (!input.head.policies.some((p) => p.id === id)) changed.add(id);
  const same = sameMeaning;
  const everything = !same(input.base.tiers, input.head.tiers) || !same(input.base.profiles, input.head.profiles) || !same(input.base.networkSets, input.head.networkSets) ||
    input.base.endpoints.length !== input.head.endpoints.length || input.base.endpoints.some((e, i) => e !== input.head.endpoints[i] && !same(e, input.head.endpoints[i]));
  const lintBase = lintModel(lintScope(input.base, changed, everything), input.baseSources);
  const lintHead = lintModel(lintScope(input.head, changed, everything), input.headSources);
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
