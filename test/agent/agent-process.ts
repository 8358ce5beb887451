/**
 * The real agent CLI as a child process inside a node namespace (`ip netns exec <node> node
 * src/cli/bin.ts agent …`, through tsx), its JSON-lines log collected for assertions.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { LogEntry } from "../../src/agent/log.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/esm/index.mjs", import.meta.url));
const BIN = fileURLToPath(new URL("../../src/cli/bin.ts", import.meta.url));

export interface AgentProcess {
  readonly logs: LogEntry[];
  readonly stderr: () => string;
  /** Waits for a log entry matching `pred` after index `from`. */
  until(pred: (e: LogEntry) => boolean, from?: number, ms?: number): Promise<LogEntry>;
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** `env`: added to this process's environment (e.g. a PATH that puts a fault-injecting tool first). */
export function startAgentProcess(netns: string, args: readonly string[], cwd: string = ROOT, env: Readonly<Record<string, string>> = {}): AgentProcess {
  const child: ChildProcess = spawn("ip", ["netns", "exec", netns, process.execPath, "--import", TSX, BIN, "agent", ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogEntry[] = [];
  let err = "";
  const waiters = new Set<() => void>();
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      logs.push(JSON.parse(line) as LogEntry);
    } catch {
      err += `not JSON: ${line}\n`;
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    logs,
    stderr: () => err,
    signal: (sig) => child.kill(sig),
    exited,
    async until(pred, from = 0, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = logs.slice(from).find(pred);
        if (hit) return hit;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`agent log has no matching entry (exit ${child.exitCode}):\n${logs.map((l) => JSON.stringify(l)).join("\n").slice(-4000)}\n${err.slice(-2000)}`);
        }
        await new Promise<void>((r) => {
          const w = () => (waiters.delete(w), r());
          waiters.add(w);
          setTimeout(w, 200);
        });
      }
    },
  };
}

/**
 * The agent's --status-file once `pred` holds. The file is written (atomically, by rename) just
 * after the step's log line, so right after the first converge it may not exist for a moment,
 * and after a later step it may still say the step before.
 */
export async function statusFileUntil<S>(path: string, pred: (s: S) => boolean = () => true, ms = 5000): Promise<S> {
  const deadline = Date.now() + ms;
  for (;;) {
    let s: S | undefined;
    try {
      s = JSON.parse(await readFile(path, "utf8")) as S;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (s !== undefined && (pred(s) || Date.now() > deadline)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}
