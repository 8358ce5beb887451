import type { Command } from "commander";
import type { Io } from "./io.js";

/** Shared by every command of one CLI run: where to write, and the exit code to return. */
export interface CliContext {
  readonly io: Io;
  exitCode: number;
}

/** Each command file exports one of these; it adds its subcommand to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;
