/**
 * The vitest configuration `npm run mutate` hands StrykerJS: the project's own, with `include`
 * narrowed to the test files folders.ts gives the folder named by MUTATE_FOLDER (run.ts sets it;
 * Stryker's test runner processes inherit it).
 *
 * Why not Stryker's `testFiles` option: with it, StrykerJS 9.6.1 plans a static mutant with those
 * files as its test filter, and a mutant with a filter is activated at run time (in a `beforeAll`),
 * after the modules were loaded. A static mutant (a value computed when a module loads, such as a
 * token table) then never takes effect: it "survives" every test, or runs into the timeout on a
 * busy machine. Narrowing the files here leaves Stryker without a filter for static mutants, so
 * it activates them before the modules load.
 */
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import base from "../../vitest.config.js";
import { isMutateFolder, mutationTestFiles } from "./folders.js";

const folder = process.env["MUTATE_FOLDER"] ?? "";
if (!isMutateFolder(folder)) throw new Error(`test/mutation/vitest.config.ts: MUTATE_FOLDER must name a mutation folder, got ${JSON.stringify(folder)}`);

const root = join(import.meta.dirname, "..", "..");

// Spread, not mergeConfig: that would append to the project's `include` rather than replace it.
// loads.test.ts imports every module of the folder inside a test (see its header).
export default defineConfig({ ...base, test: { ...base.test, include: [...mutationTestFiles(root, folder), "test/mutation/loads.test.ts"] } });
