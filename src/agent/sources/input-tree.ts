/**
 * The one listing of an input directory: `-f DIR` on the command line and the agent's
 * `--watch DIR` (each of its events and each resync) all call `listInputTree`, so they cannot
 * disagree about what a directory holds.
 *
 * - Inputs are files named `*.yaml`, `*.yml` or `*.json` (any case), at any depth. Names starting
 *   with `.` are skipped, files and directories: editors' swap files, `.git`, and the `..data`
 *   and `..2026_12_07_…` entries of a Kubernetes ConfigMap volume, whose visible files are links
 *   into them (`a.yaml -> ..data/a.yaml`, `..data -> ..2026_12_07_…`).
 * - Symbolic links are followed, to files and to directories, as long as their target (every link
 *   resolved) stays inside the directory; that is what a ConfigMap volume needs, and what users of
 *   `kubectl -f` expect. A link leading outside is refused (PC1011) and its target never opened.
 * - Each real directory is listed once: under its own path when the walk without links reaches
 *   it (links are followed after that walk), else under the first link that does (names sorted,
 *   links in the order the walk met them). A link to an ancestor (a cycle) or a second link to
 *   one directory adds nothing. A link to a file is listed under the link's name.
 * - Only regular files are returned. A FIFO, socket or device named like an input is a problem
 *   (PC1010) and is never opened (opening a FIFO waits for a writer, for ever). A link loop is a
 *   problem (PC1012), as is a directory that cannot be listed (PC1013, and listed in `unlisted`
 *   so a caller does not mistake its files for deleted ones). A link to nothing named like an input
 *   is a problem with errno ENOENT: the file is not there.
 *
 * Nothing here opens a file; input-file.ts reads one.
 */
import type { Dirent, Stats } from "node:fs";
import { open, readdir, realpath, stat, type FileHandle } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { danglingLink, errnoOf, fileKind, leavesTree, notRegular, unreadable, type InputProblem } from "./input-problems.js";

export const INPUT_NAME = /\.(ya?ml|json)$/i;

/** The file system calls the listing and the reader make: a seam for tests (EACCES as root, EMFILE). */
export interface InputFs {
  readdir(dir: string): Promise<Dirent[]>;
  stat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  open(path: string, flags: number): Promise<FileHandle>;
}

export const nodeInputFs: InputFs = {
  readdir: (dir) => readdir(dir, { withFileTypes: true }),
  stat: (path) => stat(path),
  realpath: (path) => realpath(path),
  open: (path, flags) => open(path, flags),
};

export interface ListedFile {
  /** The path as walked: under the listed directory, through links, as the user sees it. */
  readonly path: string;
  /** The real path (every link resolved); inside the real listed directory. */
  readonly real: string;
}

export interface InputTree {
  /** The real path of the listed directory (undefined when even that failed). */
  readonly rootReal: string | undefined;
  /** In walk order (names sorted per directory, depth first); callers sort by what they show. */
  readonly files: readonly ListedFile[];
  readonly problems: readonly InputProblem[];
  /** Directories (as walked) that could not be listed: what they held is unknown, not gone. */
  readonly unlisted: readonly string[];
}

/** `real` is `root` or below it; a name such as `..data` is below, `..` is not. */
export function isInside(rootReal: string, real: string): boolean {
  const rel = relative(rootReal, real);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Lists the inputs under `root` (absolute). `shown` names the directory in messages. */
export async function listInputTree(root: string, shown: string, fs: InputFs = nodeInputFs): Promise<InputTree> {
  const files: ListedFile[] = [];
  const problems: InputProblem[] = [];
  const unlisted: string[] = [];
  let rootReal: string;
  try {
    rootReal = await fs.realpath(root);
  } catch (e) {
    return { rootReal: undefined, files, problems: [unreadable(root, e, "cannot list the directory")], unlisted: [root] };
  }
  const visited = new Set<string>();
  /** Links wait until the tree is walked without them: a directory is listed under its own name first. */
  const links: { readonly path: string; readonly name: string }[] = [];

  const walk = async (dir: string, dirReal: string): Promise<void> => {
    if (visited.has(dirReal)) return;
    visited.add(dirReal);
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir);
    } catch (e) {
      problems.push(unreadable(dir, e, "cannot list the directory"));
      unlisted.push(dir);
      return;
    }
    for (const entry of [...entries].sort(byName)) {
      const name = entry.name;
      if (name.startsWith(".")) continue;
      const path = join(dir, name);
      if (entry.isDirectory()) await walk(path, join(dirReal, name));
      else if (entry.isFile()) {
        if (INPUT_NAME.test(name)) files.push({ path, real: join(dirReal, name) });
      } else if (entry.isSymbolicLink()) links.push({ path, name });
      else if (INPUT_NAME.test(name)) problems.push(notRegular(path, fileKind(entry)));
    }
  };

  const followLink = async (path: string, name: string): Promise<void> => {
    const isInput = INPUT_NAME.test(name);
    let real: string;
    let target: Stats;
    try {
      real = await fs.realpath(path);
      target = await fs.stat(real);
    } catch (e) {
      const errno = errnoOf(e);
      // A link to nothing that is not named like an input is not an input either.
      if (errno === "ENOENT") {
        if (isInput) problems.push(danglingLink(path));
      } else problems.push(unreadable(path, e));
      return;
    }
    if (!isInside(rootReal, real)) {
      if (isInput || target.isDirectory()) problems.push(leavesTree(path, real, shown));
      return;
    }
    if (target.isDirectory()) await walk(path, real);
    else if (!isInput) return;
    else if (target.isFile()) files.push({ path, real });
    else problems.push(notRegular(path, fileKind(target)));
  };

  await walk(root, rootReal);
  // Walking a linked directory can find more links; they join the end of the queue.
  for (let i = 0; i < links.length; i++) {
    const link = links[i] as { readonly path: string; readonly name: string };
    await followLink(link.path, link.name);
  }
  return { rootReal, files, problems, unlisted };
}
