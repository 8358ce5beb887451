/**
 * The source folders `npm run mutate` covers, and for each the test files that may kill its
 * mutants: its own test folder, less the fast-check property suites. Those take 3 to 30 s a run
 * (against well under 1 s for the rest of a folder), and with per-test coverage a mutant they
 * reach reruns them; on a shared two-core machine they would make a folder take hours. What they
 * kill has to be killed by an example test too, so a survivor here is a missing example.
 * Kernel suites (root, namespaces, real traffic), the agent, etcd and CLI suites and the
 * benchmarks live outside these folders and never run under mutation.
 */
import { readdirSync } from "node:fs";
import { join, sep } from "node:path";

export const MUTATE_FOLDERS = {
  selector: { slow: ["properties.test.ts"] },
  resolve: { slow: [] },
  render: { slow: ["kernel-token-property.test.ts", "determinism.test.ts"] },
  diff: { slow: ["properties.test.ts", "nftables/properties.test.ts"] },
  trace: { slow: ["staged-property.test.ts"] },
} as const satisfies Record<string, { readonly slow: readonly string[] }>;

export type MutateFolder = keyof typeof MUTATE_FOLDERS;

export function isMutateFolder(name: string): name is MutateFolder {
  return Object.hasOwn(MUTATE_FOLDERS, name);
}

/**
 * The test files (relative to the repository root) that run against a folder's mutants: every
 * `*.test.ts` under `test/<folder>`, subfolders included (`test/diff/nftables` holds the tests of
 * `src/diff/nftables`), less the slow ones (paths relative to `test/<folder>`).
 */
export function mutationTestFiles(root: string, folder: MutateFolder): string[] {
  const slow: readonly string[] = MUTATE_FOLDERS[folder].slow;
  return readdirSync(join(root, "test", folder), { recursive: true, encoding: "utf8" })
    .map((f) => f.split(sep).join("/"))
    .filter((f) => f.endsWith(".test.ts") && !slow.includes(f))
    .sort()
    .map((f) => `test/${folder}/${f}`);
}
