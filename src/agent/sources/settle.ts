/**
 * Reading a watched file only once it is whole: a writer that saves in place (truncate, write,
 * write ...) leaves the file half-written for a moment, and the agent must not apply that half.
 * A file is read once its last write is `settleMs` old — so a writer that pauses for less than
 * that is never caught in between — and read again if it changed during the read. The safe way
 * to update remains an atomic rename (see directory.ts).
 */
import { readInputFile, signature } from "./input-file.js";
import { unreadable, type InputProblem } from "./input-problems.js";
import type { InputFs } from "./input-tree.js";

export type Settled =
  | { readonly kind: "text"; readonly text: string; readonly signature: string }
  /** The version already held (same signature): nothing read. */
  | { readonly kind: "same" }
  | { readonly kind: "problem"; readonly problem: InputProblem }
  /** Still being written after `settleLimitMs`: try again later. */
  | { readonly kind: "unsettled" };

export interface SettleOptions {
  readonly fs: InputFs;
  readonly settleMs: number;
  readonly settleLimitMs: number;
  /** The real directory the file must be inside. */
  readonly within: string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the file's last write is `settleMs` old (or, when its mtime is in the future —
 * another clock — until it stays the same for `settleMs`), then reads it; again if it changed
 * during the read; gives up after `settleLimitMs`. `held`: the signature of the version held.
 */
export async function settleAndRead(path: string, held: string | undefined, options: SettleOptions): Promise<Settled> {
  const { fs, settleMs, within } = options;
  const deadline = Date.now() + options.settleLimitMs;
  for (;;) {
    let stats;
    try {
      stats = await fs.stat(path);
    } catch (e) {
      return { kind: "problem", problem: unreadable(path, e) };
    }
    if (held !== undefined && signature(stats) === held) return { kind: "same" };
    const age = Date.now() - stats.mtimeMs;
    if (age < settleMs) {
      if (Date.now() >= deadline) return { kind: "unsettled" };
      await sleep(age >= 0 ? settleMs - age : settleMs);
      if (age >= 0) continue;
      const again = await fs.stat(path).catch(() => null);
      if (again === null || signature(again) !== signature(stats)) continue;
    }
    const read = await readInputFile(path, { fs, ...(within !== undefined && { within }) });
    if (read.kind !== "changed") return read;
    if (Date.now() >= deadline) return { kind: "unsettled" };
    await sleep(settleMs);
  }
}
