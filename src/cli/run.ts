/**
 * Entry point of the CLI: `run(argv, io)` parses the command line with commander, dispatches to
 * one file per command, and maps failures to exit codes (DESIGN.md: 0 ok, 1 invalid input,
 * 2 usage, 3 dataplane). Nothing here prints a stack trace: unexpected exceptions are reported
 * as an internal error in one line.
 */
import { Command, CommanderError } from "commander";
import { createRequire } from "node:module";
import { ExitCode, isCliError, type Io } from "./io.js";
import type { CliContext } from "./context.js";
import { registerSelector } from "./selector.js";
import { registerValidate } from "./validate.js";
import { registerCompile } from "./compile.js";
import { registerDiff } from "./diff.js";
import { registerApply } from "./apply.js";
import { registerAgent } from "./agent.js";
import { registerExplain } from "./explain.js";
import { registerMatrix } from "./matrix.js";
import { registerReview } from "./review.js";
import { registerLint } from "./lint.js";
import { registerConvert } from "./convert.js";
import { registerDatastore } from "./datastore.js";
import { registerDescribe } from "./describe.js";

const packageJson = createRequire(import.meta.url)("../../package.json") as { version: string };

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const ctx: CliContext = { io, exitCode: ExitCode.ok };
  const program = new Command("policy-compile")
    .description(
      "Compile Calico and Kubernetes network policy into the iptables chains and ipsets that enforce it on one node.",
    )
    .version(packageJson.version, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    })
    .exitOverride();
  program.configureHelp({ sortSubcommands: false });

  for (const register of [registerSelector, registerValidate, registerLint, registerConvert, registerCompile, registerDiff, registerApply, registerExplain, registerMatrix, registerReview, registerDescribe, registerAgent, registerDatastore]) {
    register(program, ctx);
  }
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
    cmd.showHelpAfterError("(run with --help for usage)");
  }

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.usage;
    }
    await program.parseAsync([...argv], { from: "user" });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with exit code 0; everything else is a usage error.
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (isCliError(e)) {
      if (e.message) io.stderr(e.message.endsWith("\n") ? e.message : `${e.message}\n`);
      return e.exitCode;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`policy-compile: internal error: ${message}\n`);
    return ExitCode.invalidInput;
  }
}
