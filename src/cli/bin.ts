#!/usr/bin/env node
import { run } from "./run.js";

const code = await run(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stdoutReady: () => (process.stdout.writableNeedDrain ? new Promise((r) => process.stdout.once("drain", () => r())) : Promise.resolve()),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
