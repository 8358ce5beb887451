/**
 * The one listing of an input directory (`-f DIR` and `--watch DIR`) and the one safe reader of
 * an input file, on real trees: what is listed, what is refused with which code, and that
 * nothing blocks or follows a link out of the tree.
 */
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readInputFile } from "../../src/agent/sources/input-file.js";
import { listInputTree, nodeInputFs, type InputFs } from "../../src/agent/sources/input-tree.js";
import { makeTree, type Node, type Tree } from "./tree.js";

let tree: Tree | null = null;
afterEach(async () => {
  await tree?.remove();
  tree = null;
});

/** Lists `pol` of a tree: the files (relative to pol, with their text) and the problems by code. */
async function listed(nodes: Readonly<Record<string, Node>>, fs: InputFs = nodeInputFs) {
  tree = await makeTree(nodes);
  const root = join(tree.dir, "pol");
  const t = await listInputTree(root, "pol", fs);
  const files: Record<string, string> = {};
  for (const f of t.files) files[relative(root, f.path)] = await readFile(f.path, "utf8");
  return {
    files,
    problems: t.problems.map((p) => `${relative(root, p.path) || "."} ${p.code.code}${p.errno ? ` ${p.errno}` : ""}`).sort(),
    unlisted: t.unlisted.map((d) => relative(root, d) || "."),
  };
}

const failing = (match: (path: string) => boolean, errno: string, call: "readdir" | "open"): InputFs => ({
  ...nodeInputFs,
  [call]: (path: string, flags: number) => {
    if (match(path)) return Promise.reject(Object.assign(new Error(`${errno}: ${path}`), { code: errno }));
    return call === "readdir" ? nodeInputFs.readdir(path) : nodeInputFs.open(path, flags);
  },
});

describe("listInputTree", () => {
  const cases: [string, Record<string, Node>, Record<string, string>, string[]][] = [
    ["yaml, yml and json at any depth; other names and dot-names skipped", { "pol/a.yaml": "a", "pol/s/b.YML": "b", "pol/s/t/c.json": "c", "pol/n.txt": "n", "pol/.h.yaml": "h", "pol/.git/x.yaml": "x" }, { "a.yaml": "a", "s/b.YML": "b", "s/t/c.json": "c" }, []],
    ["a FIFO is refused, never opened", { "pol/a.yaml": "a", "pol/p.yaml": { fifo: true } }, { "a.yaml": "a" }, ["p.yaml PC1010"]],
    ["a link to a FIFO inside the tree is refused", { "pol/d/f": { fifo: true }, "pol/p.yaml": { link: "d/f" } }, {}, ["p.yaml PC1010"]],
    ["a socket is refused", { "pol/s.json": { socket: true } }, {}, ["s.json PC1010"]],
    ["a FIFO not named like an input is ignored", { "pol/fifo": { fifo: true } }, {}, []],
    ["a link to /dev/null leaves the tree", { "pol/null.yaml": { link: "/dev/null" } }, {}, ["null.yaml PC1011"]],
    ["a link to /etc/shadow leaves the tree", { "pol/shadow.yaml": { link: "/etc/shadow" } }, {}, ["shadow.yaml PC1011"]],
    ["a link to a directory outside leaves the tree", { "out/x.yaml": "x", "pol/ext": { link: "../out" } }, {}, ["ext PC1011"]],
    ["a link outside with another name (a LICENSE) is ignored", { "LICENSE": "l", "pol/LICENSE": { link: "../LICENSE" } }, {}, []],
    ["a loop of links is refused", { "pol/l1.yaml": { link: "l2.yaml" }, "pol/l2.yaml": { link: "l1.yaml" } }, {}, ["l1.yaml PC1012 ELOOP", "l2.yaml PC1012 ELOOP"]],
    ["a link to nothing named like an input is missing (ENOENT); otherwise ignored", { "pol/gone.yaml": { link: "nowhere.yaml" }, "pol/gone": { link: "nowhere" } }, {}, ["gone.yaml PC1013 ENOENT"]],
    ["a linked directory inside the tree is followed", { "pol/shared/x.yaml": "x", "pol/team/common": { link: "../shared" } }, { "shared/x.yaml": "x" }, []],
    ["a linked directory reached only through the link is listed under it", { "pol/.store/x.yaml": "x", "pol/current": { link: ".store" } }, { "current/x.yaml": "x" }, []],
    ["a directory linking to its ancestor is listed once", { "pol/a.yaml": "a", "pol/sub/b.yaml": "b", "pol/sub/up": { link: ".." }, "pol/sub/self": { link: "." } }, { "a.yaml": "a", "sub/b.yaml": "b" }, []],
    ["a link to a file inside the tree is read under its own name too", { "pol/real.yaml": "r", "pol/alias.yaml": { link: "real.yaml" } }, { "alias.yaml": "r", "real.yaml": "r" }, []],
    [
      "a ConfigMap volume: the visible links into ..data, nothing twice",
      { "pol/..2026_12_07_10_00_00.1/a.yaml": "A", "pol/..2026_12_07_10_00_00.1/b.json": "B", "pol/..data": { link: "..2026_12_07_10_00_00.1" }, "pol/a.yaml": { link: "..data/a.yaml" }, "pol/b.json": { link: "..data/b.json" } },
      { "a.yaml": "A", "b.json": "B" },
      [],
    ],
  ];
  it.each(cases)("%s", async (_name, nodes, files, problems) => {
    const r = await listed(nodes);
    expect(r.files).toEqual(files);
    expect(r.problems).toEqual(problems);
  });

  it("a directory that cannot be listed (EACCES) is a problem and unlisted: its files are unknown, not gone", async () => {
    const r = await listed({ "pol/a.yaml": "a", "pol/locked/b.yaml": "b" }, failing((p) => p.endsWith("locked"), "EACCES", "readdir"));
    expect(r).toEqual({ files: { "a.yaml": "a" }, problems: ["locked PC1013 EACCES"], unlisted: ["locked"] });
  });

  it("a missing directory is a problem, and unlisted", async () => {
    const r = await listed({ "other/a.yaml": "a" });
    expect(r).toEqual({ files: {}, problems: [". PC1013 ENOENT"], unlisted: ["."] });
  });
});

describe("readInputFile", () => {
  const read = async (nodes: Record<string, Node>, name: string, options: Parameters<typeof readInputFile>[1] = {}) => {
    tree = await makeTree(nodes);
    const r = await readInputFile(join(tree.dir, name), options);
    return r.kind === "problem" ? `${r.problem.code.code}: ${r.problem.message}` : r.kind === "text" ? r.text : r.kind;
  };

  it.each<[string, Record<string, Node>, string, string]>([
    ["a regular file, its byte order mark dropped", { "a.yaml": "\ufeffa: 1\n" }, "a.yaml", "a: 1\n"],
    ["a FIFO, at once, unopened", { "p.yaml": { fifo: true } }, "p.yaml", "PC1010: a FIFO (named pipe), not a regular file: not read (only regular files are inputs)"],
    ["a link to /dev/null (named explicitly)", { "n.yaml": { link: "/dev/null" } }, "n.yaml", "PC1010: a character device, not a regular file: not read (only regular files are inputs)"],
    ["a socket", { "s.yaml": { socket: true } }, "s.yaml", "PC1010: a socket, not a regular file: not read (only regular files are inputs)"],
    ["a directory", { "d.yaml": { dir: true } }, "d.yaml", "PC1010: a directory, not a regular file: not read (only regular files are inputs)"],
    ["a missing file", {}, "m.yaml", "PC1013: cannot read: no such file or directory (ENOENT)"],
    ["a file over 64 MiB, without reading it", { "big.yaml": { sparseBytes: 64 * 2 ** 20 + 1 } }, "big.yaml", "PC1014: 64.0 MiB, larger than the 64 MiB limit for one input file: not read; split it into several files"],
  ])("%s", async (_name, nodes, name, expected) => {
    expect(await read(nodes, name)).toBe(expected);
  });

  it("a file of exactly the limit is read", async () => {
    expect(await read({ "a.yaml": "12345" }, "a.yaml", { maxBytes: 5 })).toBe("12345");
    expect(await read({ "a.yaml": "123456" }, "a.yaml", { maxBytes: 5 })).toBe("PC1014: 0.0 MiB, larger than the 64 MiB limit for one input file: not read; split it into several files");
  });

  it("EMFILE at the open is a read error naming the cause", async () => {
    const fs = failing(() => true, "EMFILE", "open");
    expect(await read({ "a.yaml": "a" }, "a.yaml", { fs })).toBe("PC1013: cannot read: too many open files in this process (EMFILE)");
  });

  it("a file replaced between the look and the open is `changed`, not read", async () => {
    tree = await makeTree({ "a.yaml": "a", "b.yaml": "b" });
    const dir = tree.dir;
    // The look finds b's inode; the open finds a's: what a rename in between does.
    const fs: InputFs = { ...nodeInputFs, stat: (p) => nodeInputFs.stat(p.endsWith("a.yaml") ? join(dir, "b.yaml") : p) };
    expect((await readInputFile(join(dir, "a.yaml"), { fs })).kind).toBe("changed");
  });

  it("a file whose real path is outside `within` when opened is `changed`, not read", async () => {
    tree = await makeTree({ "pol/x": "x", "secret.yaml": "s" });
    expect((await readInputFile(join(tree.dir, "secret.yaml"), { within: join(tree.dir, "pol") })).kind).toBe("changed");
    expect(await readInputFile(join(tree.dir, "pol", "x"), { within: join(tree.dir, "pol") })).toMatchObject({ kind: "text", text: "x" });
  });
});
