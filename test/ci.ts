/**
 * Whether the tests run in CI, decided exactly as vitest decides it: std-env's `isCI` (vitest's
 * own dependency) is true when CI is set to any non-empty value or a known CI provider's
 * variables are present (GITHUB_ACTIONS, GITLAB_CI, BUILDKITE, JENKINS_URL, ...). In CI a suite
 * whose prerequisites are missing fails instead of skipping: a silently skipped conformance
 * suite is worse than none. Every suite asks this one definition.
 */
import { isCI } from "std-env";

export { isCI };

/**
 * Whether a suite can run, given what its machine lacks (`problems`, each with how to get it).
 * Nothing missing: true. In CI: throws, so the file fails. Elsewhere: a banner on stderr that
 * no one scrolling past a green run can miss, and false (the caller skips the suite).
 */
export function prerequisitesMet(suite: string, problems: readonly string[], ci: boolean = isCI): boolean {
  if (problems.length === 0) return true;
  const list = problems.map((p) => `  - ${p}`);
  if (ci) throw new Error([`suite "${suite}" cannot run (in CI a skip is a failure):`, ...list].join("\n"));
  const bar = "!".repeat(78);
  console.warn([bar, `!! SKIPPING suite "${suite}":`, ...list.map((l) => `!!${l}`), "!! (in CI this is a failure)", bar].join("\n"));
  return false;
}
