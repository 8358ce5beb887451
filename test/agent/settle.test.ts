/** settleAndRead: when a watched file counts as whole, including with a clock that disagrees with the file's mtime. */
import type { Stats } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { nodeInputFs, type InputFs } from "../../src/agent/sources/input-tree.js";
import { settleAndRead } from "../../src/agent/sources/settle.js";
import { makeTree, type Tree } from "./tree.js";

let tree: Tree | null = null;
afterEach(async () => {
  await tree?.remove();
  tree = null;
});

/** The real stats with `mtimeMs` replaced. */
const withMtime = (stats: Stats, mtimeMs: number): Stats => Object.assign(Object.create(Object.getPrototypeOf(stats) as object) as Stats, stats, { mtimeMs });

async function settle(mtime: (call: number) => number | null, options: { settleMs?: number; settleLimitMs?: number } = {}) {
  tree = await makeTree({ "a.yaml": "a: 1\n" });
  let calls = 0;
  const fs: InputFs = {
    ...nodeInputFs,
    stat: async (p) => {
      const stats = await nodeInputFs.stat(p);
      const m = mtime(calls++);
      return m === null ? stats : withMtime(stats, m);
    },
  };
  const t0 = Date.now();
  const r = await settleAndRead(join(tree.dir, "a.yaml"), undefined, { fs, settleMs: options.settleMs ?? 30, settleLimitMs: options.settleLimitMs ?? 300, within: undefined });
  return { kind: r.kind, ms: Date.now() - t0, stats: calls };
}

it("a file last written long ago is read at once (the look before the read and the reader's own, no second look)", async () => {
  const r = await settle(() => Date.now() - 60_000);
  expect(r).toMatchObject({ kind: "text", stats: 2 });
});

it("a file written just now is read once its last write is the window old", async () => {
  const written = Date.now();
  const r = await settle(() => written);
  expect(r).toMatchObject({ kind: "text", stats: 3 });
  expect(r.ms).toBeGreaterThanOrEqual(25);
});

it("a file whose mtime is in the future (another clock) is read once it stays the same for a window", async () => {
  const future = Date.now() + 60_000;
  const r = await settle(() => future);
  expect(r.kind).toBe("text");
  expect(r.ms).toBeGreaterThanOrEqual(25);
});

it("a file that keeps changing is given up on after the limit (unsettled), not read", async () => {
  const r = await settle(() => Date.now());
  expect(r.kind).toBe("unsettled");
  expect(r.ms).toBeGreaterThanOrEqual(300);
  expect(r.ms).toBeLessThan(3000);
});

it("a future mtime that keeps changing is unsettled too", async () => {
  const r = await settle((call) => Date.now() + 60_000 + call);
  expect(r.kind).toBe("unsettled");
});
