/**
 * Ordering and capping. Diagnostics are sorted by file, then position, then code, so the same
 * inputs always print the same report; a run shows at most `limit` of them and one final
 * PC9001 notice saying how many more there were.
 */
import { Codes } from "./codes.js";
import type { Diagnostic } from "./types.js";

export const DEFAULT_DIAGNOSTIC_LIMIT = 200;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const fa = a.span?.file ?? "";
  const fb = b.span?.file ?? "";
  return (
    compareStrings(fa, fb) ||
    (a.span?.start ?? -1) - (b.span?.start ?? -1) ||
    (a.span?.end ?? -1) - (b.span?.end ?? -1) ||
    compareStrings(a.code, b.code) ||
    compareStrings(a.message, b.message)
  );
}

export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(compareDiagnostics);
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/**
 * Keeps the first `limit` diagnostics (errors first, so a flood of notices never hides an error)
 * in sorted order, and appends a PC9001 notice counting the rest; `scope` (e.g. an agent's
 * source name) says in the notice whose diagnostics were cut.
 */
export function capDiagnostics(diags: readonly Diagnostic[], limit = DEFAULT_DIAGNOSTIC_LIMIT, scope?: string): Diagnostic[] {
  if (diags.length <= limit) return sortDiagnostics(diags);
  const rank = { error: 0, warning: 1, notice: 2 } as const;
  const kept = [...diags]
    .sort((a, b) => rank[a.severity] - rank[b.severity] || compareDiagnostics(a, b))
    .slice(0, limit)
    .sort(compareDiagnostics);
  const rest = diags.length - limit;
  const hiddenErrors = diags.filter((d) => d.severity === "error").length - kept.filter((d) => d.severity === "error").length;
  return [
    ...kept,
    {
      code: Codes.tooManyDiagnostics.code,
      severity: Codes.tooManyDiagnostics.severity,
      message: `${rest} more diagnostic${rest === 1 ? "" : "s"}${scope === undefined ? "" : ` of ${scope}`} not shown (${hiddenErrors} of them error${hiddenErrors === 1 ? "" : "s"}); only the first ${limit} are reported`,
    },
  ];
}
