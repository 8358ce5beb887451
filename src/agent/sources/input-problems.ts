/**
 * Why an input file was not read, as data that becomes a diagnostic (PC1010–PC1015). The
 * diagnostic names the path and has no source text: nothing of a file that was refused is ever
 * quoted (a link to /etc/shadow must not have its lines printed under a caret).
 */
import type { Stats } from "node:fs";
import { Codes, type CodeInfo } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/types.js";

/** The limit for one input file. See MAX_INPUT_BYTES's comment in input-file.ts. */
export const MAX_INPUT_MIB = 64;

export interface InputProblem {
  /** The path as walked (absolute), not the link's target. */
  readonly path: string;
  readonly code: CodeInfo;
  readonly message: string;
  /** The errno behind a read error: `ENOENT` means the file is really gone. */
  readonly errno?: string;
}

const reasons: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EMFILE: "too many open files in this process",
  ENFILE: "too many open files in the system",
  EISDIR: "is a directory",
  ENOTDIR: "a component of the path is not a directory",
  ENXIO: "no such device or address",
  EIO: "input/output error",
  ELOOP: "too many levels of symbolic links",
};

export function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** What a non-regular file is, in words. */
export function fileKind(stats: Pick<Stats, "isFIFO" | "isSocket" | "isCharacterDevice" | "isBlockDevice" | "isDirectory">): string {
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isDirectory()) return "a directory";
  return "not a regular file";
}

export function notRegular(path: string, kind: string): InputProblem {
  return { path, code: Codes.notRegularFile, message: `${kind}, not a regular file: not read (only regular files are inputs)` };
}

export function unreadable(path: string, e: unknown, what = "cannot read"): InputProblem {
  const errno = errnoOf(e);
  if (errno === "ELOOP") return { path, code: Codes.linkLoop, errno, message: "symbolic link loop (ELOOP): the link cannot be resolved, nothing is read through it" };
  const reason = (errno !== undefined ? reasons[errno] : undefined) ?? (e instanceof Error ? e.message : String(e));
  return { path, code: Codes.unreadableInput, message: `${what}: ${reason}${errno !== undefined && reasons[errno] !== undefined ? ` (${errno})` : ""}`, ...(errno !== undefined && { errno }) };
}

export function danglingLink(path: string): InputProblem {
  return { path, code: Codes.unreadableInput, errno: "ENOENT", message: "cannot read: a symbolic link to nothing (its target does not exist) (ENOENT)" };
}

/** `dir` is the input directory as the user named it. */
export function leavesTree(path: string, target: string, dir: string): InputProblem {
  return { path, code: Codes.linkLeavesTree, message: `symbolic link leads outside ${dir} (to ${target}): not read; links inside an input directory must stay inside it` };
}

export function tooLarge(path: string, bytes: number): InputProblem {
  return { path, code: Codes.inputTooLarge, message: `${(bytes / 2 ** 20).toFixed(1)} MiB, larger than the ${MAX_INPUT_MIB} MiB limit for one input file: not read; split it into several files` };
}

export function keptChanging(path: string): InputProblem {
  return {
    path,
    code: Codes.inputKeptChanging,
    message: "kept changing while it was read: not read; write the new version under a temporary name and rename it into place",
  };
}

/** The problem as a diagnostic pointing at `name` (the path as shown to the user), without a line. */
export function problemDiagnostic(problem: InputProblem, name: string): Diagnostic {
  return { code: problem.code.code, severity: problem.code.severity, message: problem.message, span: { file: name, start: 0, end: 0 } };
}
