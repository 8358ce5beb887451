/**
 * The source folders `npm run mutate` covers, and for each the test files that are allowed to
 * kill its mutants. Each folder is mutated against its own test folder plus the suites that
 * exercise it end to end in-process; kernel suites (root, namespaces, real traffic), the agent
 * and etcd suites, the CLI docs runner and the benchmarks never run under mutation: they are
 * slow, need the machine, and a mutant that only they would kill is a hole in the fast suites.
 */
export const MUTATE_FOLDERS = {
  selector: ["test/selector/**/*.test.ts"],
  resolve: ["test/resolve/**/*.test.ts"],
  render: ["test/render/**/*.test.ts"],
  diff: ["test/diff/**/*.test.ts"],
  trace: ["test/trace/**/*.test.ts"],
} as const satisfies Record<string, readonly string[]>;

export type MutateFolder = keyof typeof MUTATE_FOLDERS;

export function isMutateFolder(name: string): name is MutateFolder {
  return Object.hasOwn(MUTATE_FOLDERS, name);
}
