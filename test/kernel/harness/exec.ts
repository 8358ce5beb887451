/**
 * Running programs for the kernel harness. Every command that reads or changes network state
 * goes through `inNetns`, so it can only ever act inside a namespace the harness created; the
 * only commands run in the host namespace are `ip netns add|del` of our own names and
 * `ip -n <ours> ...`, which also act inside our namespaces.
 */
import { spawn } from "node:child_process";

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly input?: string,
  ) {
    super(`command failed (exit ${code}): ${argv.join(" ")}\n${stderr.trim() || stdout.trim()}`);
    this.name = "CommandError";
  }
}

/** Runs `argv` to completion; rejects with CommandError on a non-zero exit. */
export function run(argv: readonly string[], input?: string): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error("run: empty argv");
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err) => reject(new CommandError(argv, null, stdout, String(err), input)));
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(argv, code, stdout, stderr, input));
    });
    child.stdin.on("error", () => {
      // The program may exit before reading all input; its exit code tells what happened.
    });
    child.stdin.end(input ?? "");
  });
}

/** Runs a program inside network namespace `netns`. */
export function inNetns(netns: string, argv: readonly string[], input?: string): Promise<ExecResult> {
  return run(["ip", "netns", "exec", netns, ...argv], input);
}

/** Runs `ip <args>` with `-n netns`, i.e. against that namespace only. */
export function ipIn(netns: string, args: readonly string[]): Promise<ExecResult> {
  return run(["ip", "-n", netns, ...args]);
}

/** Sets sysctls inside `netns` (never in the host namespace). */
export function sysctlIn(netns: string, settings: Readonly<Record<string, string | number>>): Promise<ExecResult> {
  const args = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
  return inNetns(netns, ["sysctl", "-q", "-w", ...args]);
}
