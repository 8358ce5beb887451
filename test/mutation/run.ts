/**
 * `npm run mutate [-- FOLDER...] [--incremental] [--concurrency N]`: mutation testing of the
 * pure pipeline stages with StrykerJS and its vitest runner, one folder at a time (all of
 * MUTATE_FOLDERS in order when none is named). Each folder's mutants run only against the test
 * files folders.ts gives it (its own test folder less the slow property suites), with per-test
 * coverage so a mutant runs only the tests that reach it. Reports go to reports/mutation/<folder>.html; `--incremental` reuses
 * reports/mutation/<folder>.incremental.json and re-tests only mutants whose code or covering
 * tests changed. Not part of CI: a folder takes minutes to an hour on two cores.
 */
import { Stryker } from "@stryker-mutator/core";
import type { MutantResult } from "@stryker-mutator/api/core";
import { MUTATE_FOLDERS, isMutateFolder, mutationTestFiles, type MutateFolder } from "./folders.js";
import { mutationScore, tallyResults } from "./score.js";

interface Args {
  readonly folders: readonly MutateFolder[];
  readonly incremental: boolean;
  readonly concurrency: number;
}

function usage(message: string): never {
  process.stderr.write(
    `mutate: ${message}\n` +
      `usage: npm run mutate -- [${Object.keys(MUTATE_FOLDERS).join("|")}]... [--incremental] [--concurrency 1|2]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const folders: MutateFolder[] = [];
  let incremental = false;
  let concurrency = 2;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--incremental") incremental = true;
    else if (arg === "--concurrency") {
      const value = argv[++i];
      // Two cores are shared with other work: more than two workers only thrashes.
      if (value !== "1" && value !== "2") usage(`--concurrency takes 1 or 2, got ${JSON.stringify(value ?? "")}`);
      concurrency = Number(value);
    } else if (isMutateFolder(arg)) {
      if (!folders.includes(arg)) folders.push(arg);
    } else usage(`unknown folder or option ${JSON.stringify(arg)}`);
  }
  const all = Object.keys(MUTATE_FOLDERS) as MutateFolder[];
  return { folders: folders.length > 0 ? folders : all, incremental, concurrency };
}

async function mutateFolder(folder: MutateFolder, args: Args): Promise<readonly MutantResult[]> {
  // Read by test/mutation/vitest.config.ts, here and in Stryker's test runner processes.
  process.env["MUTATE_FOLDER"] = folder;
  process.stdout.write(`src/${folder}: ${mutationTestFiles(process.cwd(), folder).length} test files\n`);
  const stryker = new Stryker({
    packageManager: "npm",
    testRunner: "vitest",
    plugins: ["@stryker-mutator/vitest-runner"],
    // The folder's test files are chosen by this config (MUTATE_FOLDER), not by `testFiles`:
    // see its header for why (static mutants would never be activated).
    vitest: { configFile: "test/mutation/vitest.config.ts", related: false },
    coverageAnalysis: "perTest",
    // Only TypeScript gets `// @ts-nocheck`: the default pattern also rewrites HTML, which would
    // break the test that compares grammar/selector-diagram.html byte for byte.
    disableTypeChecks: "{src,test}/**/*.ts",
    mutate: [`src/${folder}/**/*.ts`, `!src/${folder}/**/*.test.ts`],
    concurrency: args.concurrency,
    incremental: args.incremental,
    incrementalFile: `reports/mutation/${folder}.incremental.json`,
    reporters: ["clear-text", "progress", "html"],
    htmlReporter: { fileName: `reports/mutation/${folder}.html` },
    thresholds: { high: 90, low: 80, break: null },
    tempDirName: `.stryker-tmp/${folder}`,
    // Folders may run at the same time (two `npm run mutate` processes): a sandbox must not copy
    // another folder's sandbox, whose files come and go under the copy.
    // The docs examples' `golden` links (to ../../../golden) are directories Stryker's sandbox copy
    // cannot copy (it copies each path as a file: EISDIR); no mutated folder's tests read them.
    ignorePatterns: [".stryker-tmp", "/docs/examples/*/golden"],
    cleanTempDir: true,
    // A busy shared machine: a mutant is a timeout only if it runs far past the normal time.
    timeoutMS: 10_000,
  });
  return stryker.runMutationTest();
}

const args = parseArgs(process.argv.slice(2));
const summary: string[] = [];
for (const folder of args.folders) {
  const results = await mutateFolder(folder, args);
  const tally = tallyResults(results);
  const score = mutationScore(tally);
  summary.push(
    `src/${folder}: ${score === undefined ? "no mutants" : `${score.toFixed(2)} %`}` +
      ` (killed ${tally.killed}, timeout ${tally.timeout}, survived ${tally.survived},` +
      ` no coverage ${tally.noCoverage}, ignored ${tally.ignored}, errors ${tally.errors})`,
  );
}
process.stdout.write(`\nmutation score per folder\n${summary.map((l) => `  ${l}\n`).join("")}`);
