/** DirectorySource on a real directory: snapshot, writes, atomic renames, deletes, skipped names. */
import { mkdtemp, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { DirectorySource } from "../../src/agent/sources/directory.js";
import type { SourceChange } from "../../src/agent/contract.js";

let dir = "";
let source: DirectorySource | null = null;
afterEach(async () => {
  await source?.stop();
  await rm(dir, { recursive: true, force: true });
});

it("snapshots the tree, then reports writes, atomic saves, new subdirectories and deletes by path; skips dotfiles and other extensions", async () => {
  dir = await mkdtemp(join(tmpdir(), "pc-watch-"));
  await mkdir(join(dir, "pol", "sub"), { recursive: true });
  await writeFile(join(dir, "pol", "a.yaml"), "a: 1\n");
  await writeFile(join(dir, "pol", "sub", "b.json"), "{}");
  await writeFile(join(dir, "pol", "notes.txt"), "x");
  await writeFile(join(dir, "pol", ".hidden.yaml"), "x");
  const snapshots: Record<string, string>[] = [];
  const changes: SourceChange[] = [];
  source = new DirectorySource("pol", dir);
  await source.start({ snapshot: (e) => snapshots.push(Object.fromEntries(e)), change: (c) => changes.push(c), problem: () => undefined });
  expect(snapshots).toEqual([{ "pol/a.yaml": "a: 1\n", "pol/sub/b.json": "{}" }]);
  const waitFor = async (pred: () => boolean) => {
    for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pred()).toBe(true);
  };
  await writeFile(join(dir, "pol", "a.yaml"), "a: 2\n");
  await waitFor(() => changes.some((c) => c.kind === "put" && c.text === "a: 2\n"));
  // An editor's save: write a temp file, rename it over the original.
  await writeFile(join(dir, "pol", ".a.yaml.tmp"), "a: 3\n");
  await rename(join(dir, "pol", ".a.yaml.tmp"), join(dir, "pol", "a.yaml"));
  await waitFor(() => changes.some((c) => c.kind === "put" && c.text === "a: 3\n"));
  await mkdir(join(dir, "pol", "new"));
  await writeFile(join(dir, "pol", "new", "c.yml"), "c: 1\n");
  await waitFor(() => changes.some((c) => c.name === "pol/new/c.yml"));
  await rm(join(dir, "pol", "sub"), { recursive: true });
  await waitFor(() => changes.some((c) => c.kind === "delete" && c.name === "pol/sub/b.json"));
  await writeFile(join(dir, "pol", ".swap.yaml"), "x");
  await writeFile(join(dir, "pol", "readme.md"), "x");
  await new Promise((r) => setTimeout(r, 300));
  expect(changes.map((c) => c.name).filter((n) => /swap|readme|tmp/.test(n))).toEqual([]);
  expect(changes.at(-1)).toEqual({ kind: "delete", name: "pol/sub/b.json" });
});
