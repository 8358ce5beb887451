/**
 * The mutation score as Stryker defines it: detected mutants (killed or timed out) over all
 * valid mutants (detected, survived, or reached by no test). Ignored mutants (a justified
 * `// Stryker disable`) and mutants that did not compile or crashed the runner do not count.
 */
import type { MutantResult } from "@stryker-mutator/api/core";

export interface MutantTally {
  readonly killed: number;
  readonly timeout: number;
  readonly survived: number;
  readonly noCoverage: number;
  readonly ignored: number;
  readonly errors: number;
}

export function tallyResults(results: readonly Pick<MutantResult, "status">[]): MutantTally {
  const count = (...statuses: string[]) => results.filter((r) => statuses.includes(r.status)).length;
  return {
    killed: count("Killed"),
    timeout: count("Timeout"),
    survived: count("Survived"),
    noCoverage: count("NoCoverage"),
    ignored: count("Ignored"),
    errors: count("CompileError", "RuntimeError"),
  };
}

/** Percent, or undefined when the folder produced no valid mutant. */
export function mutationScore(t: MutantTally): number | undefined {
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  return valid === 0 ? undefined : ((t.killed + t.timeout) / valid) * 100;
}
