/**
 * Progress of long runs (`review`, `matrix`) on stderr, drawn only when stderr is a terminal and
 * the run is not in CI (`CI` set, as every CI service sets it): piped or redirected output, logs
 * and tests stay byte-for-byte what they were. Drawn by cli-progress, a maintained bar library
 * that redraws one line in place, throttles redraws (fps) and clears itself at the end, so a
 * fast run never flickers and a slow one shows what it is doing.
 */
import { SingleBar } from "cli-progress";
import type { Io } from "./io.js";

export interface Progress {
  /** Start or advance a phase: `label` done of total. */
  update(label: string, done: number, total: number): void;
  /** Remove the bar (before the result is printed). */
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

export function progressFor(io: Io): Progress {
  const tty = io.stderrTty;
  if (!tty || (io.env.CI !== undefined && io.env.CI !== "" && io.env.CI !== "false")) return SILENT;
  let bar: SingleBar | undefined;
  let current = "";
  return {
    update(label, done, total) {
      if (!bar) {
        bar = new SingleBar({ stream: tty, format: "{label} [{bar}] {value}/{total}", clearOnComplete: true, hideCursor: true, fps: 10 });
        bar.start(total, done, { label });
        current = label;
        return;
      }
      if (label !== current) {
        current = label;
        bar.setTotal(total);
      }
      bar.update(done, { label });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
