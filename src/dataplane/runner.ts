/**
 * The one place policy-compile starts programs. A CommandRunner is injectable so the Dataplane
 * can be tested against the model kernel; the default runs the real binary with execa.
 */
import { closeSync, openSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args` with `input` on stdin. Never throws for a failing program: see exitCode. */
export type CommandRunner = (file: string, args: readonly string[], input?: string) => Promise<CommandResult>;

/**
 * Above this size, stdin is a file the program reads by itself. Through a pipe, we feed the
 * input as the pipe drains, from the event loop: a process that computes meanwhile (the agent
 * plans its next batch while the kernel applies this one) would stall the program mid-input.
 */
const FILE_INPUT_BYTES = 64 * 1024;
let inputs = 0;

export const execaRunner: CommandRunner = async (file, args, input) => {
  const text = input ?? "";
  let fd: number | null = null;
  if (text.length > FILE_INPUT_BYTES) {
    const path = join(tmpdir(), `policy-compile-${process.pid}-${inputs++}.in`);
    writeFileSync(path, text, { mode: 0o600 });
    fd = openSync(path, "r");
    unlinkSync(path); // the open descriptor keeps it readable; nothing is left behind
  }
  const result = await execa(file, [...args], { ...(fd === null ? { input: text } : { stdin: fd as 0 }), reject: false, stripFinalNewline: false, timeout: 120_000 }).finally(() => {
    if (fd !== null) closeSync(fd);
  });
  if (result.exitCode === undefined) {
    // The program could not be started (ENOENT, EACCES) or was killed.
    const why = result.code === "ENOENT" ? "command not found" : (result.shortMessage ?? "could not run");
    return { exitCode: 127, stdout: "", stderr: `${file}: ${why}\n` };
  }
  return { exitCode: result.exitCode, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
};
