/**
 * Every module of the pure stages loads; under `npm run mutate` (test/mutation/vitest.config.ts
 * adds this file to the folder's tests) every module of the folder being mutated. A static mutant (a value computed when a module loads) that
 * makes a module throw on load fails the import of every test file that uses it, and the vitest
 * runner of StrykerJS 9.6.1 counts a test file that failed to load as no tests run rather than
 * as a failure, so such a mutant would "survive". Importing the modules inside a test turns the
 * load error into a failing test.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { MUTATE_FOLDERS } from "./folders.js";

const root = join(import.meta.dirname, "..", "..");
// Under `npm run mutate` the folder being mutated; in the ordinary suite all of them.
const folders = process.env["MUTATE_FOLDER"] !== undefined ? [process.env["MUTATE_FOLDER"]] : Object.keys(MUTATE_FOLDERS);

describe.each(folders)("src/%s loads", (folder) => {
  const modules = readdirSync(join(root, "src", folder), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .sort();

  it("has modules", () => {
    expect(modules.length).toBeGreaterThan(3);
  });

  it.each(modules)("%s", async (file) => {
    const path = join(root, "src", folder, file);
    const mod: Record<string, unknown> = await import(pathToFileURL(path).href);
    expect(mod, relative(root, path)).toBeTypeOf("object");
  });
});
