#!/usr/bin/env node
import { run } from "./run.js";

// A reader that stops early (`matrix ... | head`) closes the pipe: stop writing, without a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

const code = await run(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stdoutReady: () => (process.stdout.writableNeedDrain ? new Promise((r) => process.stdout.once("drain", () => r())) : Promise.resolve()),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
  ...(process.stderr.isTTY && { stderrTty: process.stderr }),
});
process.exitCode = code;
