/**
 * Reading one input file safely, for the CLI and the agent alike:
 * - only a regular file is opened: `stat` first (a FIFO, socket or device is refused unopened),
 *   then `open` with O_NONBLOCK and `fstat` of the handle, so a file swapped for a FIFO between
 *   the two cannot make the open or the read wait for ever;
 * - `within`: the opened file must really be inside that directory (its real path, read back
 *   from the open handle), so a link retargeted outside between the listing and the open is not
 *   read either;
 * - at most MAX_INPUT_BYTES;
 * - a file that changed while it was read (size, mtime, ctime or inode differ before and after)
 *   is reported as `changed`, not returned half-old, half-new.
 */
import { constants, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { fileKind, MAX_INPUT_MIB, notRegular, tooLarge, unreadable, type InputProblem } from "./input-problems.js";
import { isInside, nodeInputFs, type InputFs } from "./input-tree.js";

/**
 * 64 MiB for one file. The largest input this project measures, the synthetic 100,000-pod
 * cluster of the benchmarks, is 45.6 MB of YAML (notes/yaml-at-scale.md), so it fits with room
 * to spare; loading YAML takes about 13 times its size in memory (the same notes: 570–670 MB for
 * those 45.6 MB), so 64 MiB stays near 0.85 GB, well inside Node's default heap, where a file
 * many times larger would end the process with an out-of-memory crash instead of a message.
 * Bigger inputs can be split into several files: the limit is per file.
 */
export const MAX_INPUT_BYTES = MAX_INPUT_MIB * 2 ** 20;

export type InputRead =
  | { readonly kind: "text"; readonly text: string; readonly signature: string }
  | { readonly kind: "problem"; readonly problem: InputProblem }
  /** It changed while being read: read it again later. */
  | { readonly kind: "changed" };

export interface ReadOptions {
  readonly fs?: InputFs;
  /** The real path of the input directory the file must be inside (a file found by listing it). */
  readonly within?: string;
  readonly maxBytes?: number;
}

/** What identifies one version of a file: any write, truncation or replacement changes it. */
export function signature(s: Stats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export async function readInputFile(path: string, options: ReadOptions = {}): Promise<InputRead> {
  const fs = options.fs ?? nodeInputFs;
  const max = options.maxBytes ?? MAX_INPUT_BYTES;
  let before: Stats;
  try {
    before = await fs.stat(path);
  } catch (e) {
    return { kind: "problem", problem: unreadable(path, e) };
  }
  if (!before.isFile()) return { kind: "problem", problem: notRegular(path, fileKind(before)) };
  if (before.size > max) return { kind: "problem", problem: tooLarge(path, before.size) };
  let handle: FileHandle;
  try {
    handle = await fs.open(path, OPEN_FLAGS);
  } catch (e) {
    return { kind: "problem", problem: unreadable(path, e) };
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return { kind: "problem", problem: notRegular(path, fileKind(opened)) };
    if (options.within !== undefined && !isInside(options.within, await openedPath(handle, path, opened, fs))) return { kind: "changed" };
    if (opened.size > max) return { kind: "problem", problem: tooLarge(path, opened.size) };
    // One byte more than the size: a file that grew meanwhile shows as changed below.
    const buffer = Buffer.allocUnsafe(opened.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) return { kind: "changed" };
    }
    const after = await handle.stat();
    if (length !== opened.size || signature(after) !== signature(opened) || after.ino !== before.ino) return { kind: "changed" };
    const text = buffer.toString("utf8", 0, length);
    return { kind: "text", text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, signature: signature(after) };
  } catch (e) {
    return { kind: "problem", problem: unreadable(path, e) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The real path of the file behind an open handle: Linux's /proc/self/fd link; elsewhere the
 * path resolved again, trusted only if it still leads to the opened inode.
 */
async function openedPath(handle: FileHandle, path: string, opened: Stats, fs: InputFs): Promise<string> {
  try {
    return await fs.realpath(`/proc/self/fd/${handle.fd}`);
  } catch {
    const real = await fs.realpath(path);
    const now = await fs.stat(real);
    return now.dev === opened.dev && now.ino === opened.ino ? real : "\0moved";
  }
}

