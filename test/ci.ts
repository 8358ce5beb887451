/**
 * Whether the tests run in CI, decided exactly as vitest decides it: std-env's `isCI` (vitest's
 * own dependency) is true when CI is set to any non-empty value or a known CI provider's
 * variables are present (GITHUB_ACTIONS, GITLAB_CI, BUILDKITE, JENKINS_URL, ...). In CI a suite
 * whose prerequisites are missing fails instead of skipping: a silently skipped conformance
 * suite is worse than none. Every suite asks this one definition.
 */
export { isCI } from "std-env";
