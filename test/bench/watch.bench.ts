/**
 * Watched-directory benchmark: how long the agent's DirectorySource takes from a file being saved
 * to the change reaching its sink (the daemon's batch window and the kernel come after that, and
 * are measured by agent.bench.ts, which feeds the daemon in-process and never reads files).
 * A tree of N small policy files in 10 subdirectories; 40 saves of one file, every 150 ms, once
 * as an atomic save (a `.tmp` file renamed over the target) and once written in place. Run at
 * N = 100, 1,000 and 10,000 files: a change is found by listing the tree, so its cost grows with
 * the tree. Wall times depend on the machine's load.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DirectorySource } from "../../src/agent/sources/directory.js";

const SAVES = 40;

const policy = (i: number, order: number): string =>
  `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p${i}}\nspec:\n  order: ${order}\n  selector: app == 'a${i}'\n`;

const pct = (s: readonly number[], p: number): number => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;

async function measure(files: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "pc-watch-bench-"));
  try {
    for (let d = 0; d < 10; d++) await mkdir(join(dir, "pol", `d${d}`), { recursive: true });
    for (let i = 0; i < files; i++) await writeFile(join(dir, "pol", `d${i % 10}`, `p${i}.yaml`), policy(i, 1));
    let waiting: { text: string; done: () => void } | null = null;
    const source = new DirectorySource("pol", dir);
    const t0 = performance.now();
    await source.start({
      snapshot: () => undefined,
      change: (c) => {
        if (waiting && c.kind === "put" && c.text === waiting.text) waiting.done();
      },
      problem: () => undefined,
    });
    const startMs = performance.now() - t0;
    const target = join(dir, "pol", "d3", "p3.yaml");
    for (const mode of ["atomic", "in place"] as const) {
      const ms: number[] = [];
      let missed = 0;
      for (let k = 0; k < SAVES; k++) {
        const text = policy(3, mode === "atomic" ? 100 + k : 1000 + k);
        const seen = new Promise<void>((done) => (waiting = { text, done }));
        const t = performance.now();
        if (mode === "atomic") {
          await writeFile(join(dir, "pol", "d3", ".p3.yaml.tmp"), text);
          await rename(join(dir, "pol", "d3", ".p3.yaml.tmp"), target);
        } else await writeFile(target, text);
        // A save the source never passes on counts as missed (2 s), not as a hang.
        const timedOut = await Promise.race([seen.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 2000))]);
        if (timedOut) missed++;
        else ms.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 150));
      }
      ms.sort((a, b) => a - b);
      console.log(`${String(files).padStart(6)} files, ${mode.padEnd(8)} save -> sink: p50 ${pct(ms, 50).toFixed(1)} ms, p99 ${pct(ms, 99).toFixed(1)} ms, max ${(ms.at(-1) ?? NaN).toFixed(1)} ms, ${missed} of ${SAVES} not seen within 2 s (start ${startMs.toFixed(0)} ms)`);
    }
    await source.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  for (const n of [100, 1000, 10_000]) await measure(n);
}
