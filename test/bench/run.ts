/**
 * `npm run bench [-- NAME...]`: runs every test/bench/*.bench.ts (or those whose file name
 * contains one of NAME) in name order. Each module exports `run(): Promise<void>` and prints its
 * own figures. Workloads are fixed and synthetic (seeded), so runs are comparable.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((n) => f.includes(n)))
  .sort();
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { run: () => Promise<void> };
  await mod.run();
}
