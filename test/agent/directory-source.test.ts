/**
 * DirectorySource on real directories: snapshot, writes, atomic renames, deletes, skipped names;
 * files it refuses (and that it never blocks on them), links and ConfigMap volumes, read errors
 * that keep the last good version, and files caught while being written.
 */
import { mkdtemp, mkdir, open, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { DirectorySource, type DirectorySourceOptions } from "../../src/agent/sources/directory.js";
import { nodeInputFs, type InputFs } from "../../src/agent/sources/input-tree.js";
import type { SourceChange } from "../../src/agent/contract.js";
import { makeTree, type Node } from "./tree.js";

let dir = "";
let source: DirectorySource | null = null;
afterEach(async () => {
  await source?.stop();
  source = null;
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

it("names files relative to the working directory: `--watch .` gives bare paths, a directory outside it absolute ones", async () => {
  const t = await makeTree({ "pol/a.yaml": "a: 1\n", "pol/sub/b.yaml": "b: 1\n", "cwd/x": "x" });
  dir = t.dir;
  for (const [watched, cwd, names] of [
    [".", join(t.dir, "pol"), ["a.yaml", "sub/b.yaml"]],
    [join(t.dir, "pol"), join(t.dir, "cwd"), [join(t.dir, "pol", "a.yaml"), join(t.dir, "pol", "sub", "b.yaml")]],
  ] as const) {
    const snapshots: string[][] = [];
    const s = new DirectorySource(watched, cwd);
    await s.start({ snapshot: (e) => snapshots.push([...e.keys()]), change: () => undefined, problem: () => undefined });
    await s.stop();
    expect(snapshots).toEqual([names]);
  }
});

/** A DirectorySource on `pol` of a tree, recording what it hands on. */
async function watching(nodes: Readonly<Record<string, Node>>, options: DirectorySourceOptions = {}) {
  const t = await makeTree(nodes);
  dir = t.dir;
  const snapshots: Record<string, string>[] = [];
  const changes: SourceChange[] = [];
  const refused = new Map<string, string>();
  const problems: string[] = [];
  const s = new DirectorySource("pol", t.dir, options);
  source = s;
  await s.start({
    snapshot: (e) => snapshots.push(Object.fromEntries(e)),
    change: (c) => changes.push(c),
    problem: (m) => problems.push(m),
    refused: (name, d) => (d === null ? refused.delete(name) : refused.set(name, d.code)),
  });
  const waitFor = async (pred: () => boolean) => {
    for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 30));
    expect(pred()).toBe(true);
  };
  const path = (rel: string) => join(t.dir, rel);
  return { source: s, snapshots, changes, refused, problems, waitFor, path };
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> => Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms))]);

describe("files the source refuses", () => {
  it.each<[string, Node, string]>([
    ["a FIFO", { fifo: true }, "PC1010"],
    ["a socket", { socket: true }, "PC1010"],
    ["a link to /dev/null", { link: "/dev/null" }, "PC1011"],
    ["a link out of the tree", { link: "../secret.yaml" }, "PC1011"],
    ["a loop of links", { link: "x.yaml" }, "PC1012"],
    ["a file over 64 MiB", { sparseBytes: 65 * 2 ** 20 }, "PC1014"],
  ])("%s: the start does not block, it is refused, the rest converges", async (_name, node, code) => {
    const w = await withTimeout(watching({ "secret.yaml": "TOP-SECRET-LINE\n", "pol/a.yaml": "a: 1\n", "pol/x.yaml": node }), 3000);
    expect(w.snapshots).toEqual([{ "pol/a.yaml": "a: 1\n" }]);
    expect(Object.fromEntries(w.refused)).toEqual({ "pol/x.yaml": code });
    await writeFile(w.path("pol/b.yaml"), "b: 1\n");
    await w.waitFor(() => w.changes.some((c) => c.kind === "put" && c.name === "pol/b.yaml"));
    await withTimeout(w.source.rescan(), 3000);
    expect(w.snapshots.at(-1)).toEqual({ "pol/a.yaml": "a: 1\n", "pol/b.yaml": "b: 1\n" });
    // Reported once, not at every pass; and never with the content of what a link leads to.
    expect(w.problems).toEqual([expect.stringMatching(new RegExp(`^pol/x\\.yaml: error ${code}: `))]);
    expect(JSON.stringify([w.problems, w.changes, w.snapshots])).not.toContain("TOP-SECRET");
  });

  it("a file replaced by a FIFO keeps its last good version; only deleting it deletes it", async () => {
    const w = await watching({ "pol/a.yaml": "a: 1\n" });
    await rm(w.path("pol/a.yaml"));
    await execa("mkfifo", [w.path("pol/a.yaml")]);
    await w.waitFor(() => w.refused.get("pol/a.yaml") === "PC1010");
    await withTimeout(w.source.rescan(), 3000);
    expect(w.snapshots.at(-1)).toEqual({ "pol/a.yaml": "a: 1\n" });
    expect(w.changes).toEqual([]);
    await rm(w.path("pol/a.yaml"));
    await w.waitFor(() => w.changes.some((c) => c.kind === "delete" && c.name === "pol/a.yaml"));
    expect(w.refused.size).toBe(0);
  });

  it("an unreadable file (EACCES; root reads anything, so injected) keeps its last good version and is read again once it can be", async () => {
    let locked = false;
    const fs: InputFs = { ...nodeInputFs, open: (p, flags) => (locked && p.endsWith("a.yaml") ? Promise.reject(Object.assign(new Error("EACCES"), { code: "EACCES" })) : nodeInputFs.open(p, flags)) };
    const w = await watching({ "pol/a.yaml": "a: 1\n", "pol/b.yaml": "b: 1\n" }, { fs });
    locked = true;
    await writeFile(w.path("pol/a.yaml"), "a: 2\n");
    await w.waitFor(() => w.refused.get("pol/a.yaml") === "PC1013");
    await withTimeout(w.source.rescan(), 3000);
    expect(w.snapshots.at(-1)).toEqual({ "pol/a.yaml": "a: 1\n", "pol/b.yaml": "b: 1\n" });
    expect(w.changes).toEqual([]);
    expect(w.problems).toEqual(["pol/a.yaml: error PC1013: cannot read: permission denied (EACCES)"]);
    locked = false;
    await withTimeout(w.source.rescan(), 3000);
    expect(w.snapshots.at(-1)).toEqual({ "pol/a.yaml": "a: 2\n", "pol/b.yaml": "b: 1\n" });
    expect(w.refused.size).toBe(0);
  });

  it("a directory that cannot be listed keeps the files it held", async () => {
    let locked = false;
    const fs: InputFs = { ...nodeInputFs, readdir: (d) => (locked && d.endsWith("sub") ? Promise.reject(Object.assign(new Error("EMFILE"), { code: "EMFILE" })) : nodeInputFs.readdir(d)) };
    const w = await watching({ "pol/a.yaml": "a: 1\n", "pol/sub/b.yaml": "b: 1\n" }, { fs });
    locked = true;
    await withTimeout(w.source.rescan(), 3000);
    expect(w.snapshots.at(-1)).toEqual({ "pol/a.yaml": "a: 1\n", "pol/sub/b.yaml": "b: 1\n" });
    expect(Object.fromEntries(w.refused)).toEqual({ "pol/sub": "PC1013" });
  });
  it("a watched directory that is missing is reported, and its files arrive at the resync after it appears", async () => {
    const w = await watching({ "elsewhere/x.yaml": "x: 1\n" });
    expect(w.snapshots).toEqual([{}]);
    expect(w.problems).toEqual(["pol: error PC1013: cannot list the directory: no such file or directory (ENOENT)"]);
    await mkdir(w.path("pol"));
    await writeFile(w.path("pol/a.yaml"), "a: 1\n");
    await withTimeout(w.source.rescan(), 3000);
    expect(w.snapshots.at(-1)).toEqual({ "pol/a.yaml": "a: 1\n" });
    expect(w.refused.size).toBe(0);
  });
});

describe("links", () => {
  it("a policy in a linked subdirectory arrives with the link's event, survives a rescan, and follows edits of its target", async () => {
    const w = await watching({ "pol/..v1/x.yaml": "x: 1\n", "pol/a.yaml": "a: 1\n" });
    expect(w.snapshots).toEqual([{ "pol/a.yaml": "a: 1\n" }]);
    await symlink("..v1", w.path("pol/linked"));
    await w.waitFor(() => w.changes.some((c) => c.kind === "put" && c.name === "pol/linked/x.yaml" && c.text === "x: 1\n"));
    await withTimeout(w.source.rescan(), 3000);
    expect(w.snapshots.at(-1)).toEqual({ "pol/a.yaml": "a: 1\n", "pol/linked/x.yaml": "x: 1\n" });
    await writeFile(w.path("pol/..v1/.x.tmp"), "x: 2\n");
    await rename(w.path("pol/..v1/.x.tmp"), w.path("pol/..v1/x.yaml"));
    await w.waitFor(() => w.changes.some((c) => c.kind === "put" && c.name === "pol/linked/x.yaml" && c.text === "x: 2\n"));
    expect(w.changes.filter((c) => c.kind === "delete")).toEqual([]);
  });

  it("a ConfigMap volume: its files under their own names, and an update (kubelet's ..data swap) changes and deletes them", async () => {
    const w = await watching({
      "pol/..2026_12_07_10_00_00.1/a.yaml": "a: 1\n",
      "pol/..2026_12_07_10_00_00.1/b.json": "{}",
      "pol/..data": { link: "..2026_12_07_10_00_00.1" },
      "pol/a.yaml": { link: "..data/a.yaml" },
      "pol/b.json": { link: "..data/b.json" },
    });
    expect(w.snapshots).toEqual([{ "pol/a.yaml": "a: 1\n", "pol/b.json": "{}" }]);
    // What kubelet does: a new timestamped directory, a new ..data link renamed over the old, stale links removed.
    await mkdir(w.path("pol/..2026_12_07_10_05_00.2"));
    await writeFile(w.path("pol/..2026_12_07_10_05_00.2/a.yaml"), "a: 2\n");
    await symlink("..2026_12_07_10_05_00.2", w.path("pol/..data_tmp"));
    await rename(w.path("pol/..data_tmp"), w.path("pol/..data"));
    await rm(w.path("pol/b.json"));
    await rm(w.path("pol/..2026_12_07_10_00_00.1"), { recursive: true });
    await w.waitFor(() => w.changes.some((c) => c.kind === "put" && c.name === "pol/a.yaml" && c.text === "a: 2\n"));
    await w.waitFor(() => w.changes.some((c) => c.kind === "delete" && c.name === "pol/b.json"));
    await withTimeout(w.source.rescan(), 3000);
    expect(w.snapshots.at(-1)).toEqual({ "pol/a.yaml": "a: 2\n" });
    expect(w.changes.map((c) => c.name).filter((n) => n.includes(".."))).toEqual([]);
  });

  it("a directory linking to its ancestor is listed once and does not loop", async () => {
    const w = await withTimeout(watching({ "pol/a.yaml": "a: 1\n", "pol/sub/b.yaml": "b: 1\n", "pol/sub/up": { link: ".." } }), 3000);
    expect(w.snapshots).toEqual([{ "pol/a.yaml": "a: 1\n", "pol/sub/b.yaml": "b: 1\n" }]);
  });
});

describe("a file being written", () => {
  const whole = (round: number) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  selector: all()\n  order: ${round}\n`;

  /** Five versions, each written in two halves 10 ms apart; what the source handed on. */
  async function writeInHalves(options: DirectorySourceOptions): Promise<string[]> {
    const w = await watching({ "pol/other.yaml": "o: 1\n" }, options);
    for (let round = 0; round < 5; round++) {
      const text = whole(round);
      const file = await open(w.path("pol/p.yaml"), "w");
      await file.write(text.slice(0, 40));
      await new Promise((r) => setTimeout(r, 10));
      await file.write(text.slice(40));
      await file.close();
      await w.waitFor(() => w.changes.some((c) => c.kind === "put" && c.text === text));
    }
    return w.changes.flatMap((c) => (c.kind === "put" ? [c.text] : []));
  }

  it("is not handed on half-written: a writer that pauses shorter than the settle window is seen whole, each version once", async () => {
    // A window well above the 10 ms pause (the default is 25 ms), so a loaded machine's timer delays do not stretch the pause past it.
    expect(await writeInHalves({ settleMs: 100 })).toEqual([0, 1, 2, 3, 4].map(whole));
  });

  it("a file written for longer than the settle limit is refused meanwhile (PC1015), then read once it rests", async () => {
    // A writer that never pauses, made deterministic: while `writing`, the file's mtime is always now.
    let writing = true;
    const fs: InputFs = {
      ...nodeInputFs,
      stat: async (p) => {
        const stats = await nodeInputFs.stat(p);
        return writing && p.endsWith("log.yaml") ? Object.assign(Object.create(Object.getPrototypeOf(stats) as object) as typeof stats, stats, { mtimeMs: Date.now() }) : stats;
      },
    };
    const w = await watching({ "pol/other.yaml": "o: 1\n" }, { settleLimitMs: 100, fs });
    await writeFile(w.path("pol/log.yaml"), "k: 1\n");
    await w.waitFor(() => w.refused.get("pol/log.yaml") === "PC1015");
    expect(w.problems).toEqual(["pol/log.yaml: error PC1015: kept changing while it was read: not read; write the new version under a temporary name and rename it into place"]);
    expect(w.changes).toEqual([]);
    writing = false;
    await w.waitFor(() => w.changes.length > 0);
    expect(w.changes).toEqual([{ kind: "put", name: "pol/log.yaml", text: "k: 1\n" }]);
    expect(w.refused.size).toBe(0);
  });

  it("(the same writer without the window does get halves through: the scenario is real)", async () => {
    const seen = await writeInHalves({ settleMs: 0 });
    expect(seen.filter((t) => !/order: \d\n$/.test(t)).length).toBeGreaterThan(0);
  });
});
