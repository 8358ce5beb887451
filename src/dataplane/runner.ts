/**
 * The one place policy-compile starts programs. A CommandRunner is injectable so the Dataplane
 * can be tested against the model kernel; the default runs the real binary with execa.
 */
import { execa } from "execa";

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args` with `input` on stdin. Never throws for a failing program: see exitCode. */
export type CommandRunner = (file: string, args: readonly string[], input?: string) => Promise<CommandResult>;

export const execaRunner: CommandRunner = async (file, args, input) => {
  const result = await execa(file, [...args], { input: input ?? "", reject: false, stripFinalNewline: false, timeout: 120_000 });
  if (result.exitCode === undefined) {
    // The program could not be started (ENOENT, EACCES) or was killed.
    const why = result.code === "ENOENT" ? "command not found" : (result.shortMessage ?? "could not run");
    return { exitCode: 127, stdout: "", stderr: `${file}: ${why}\n` };
  }
  return { exitCode: result.exitCode, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
};
