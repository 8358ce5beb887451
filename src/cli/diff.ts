import type { RegisterCommand } from "./context.js";
import { UsageError } from "./io.js";

// Placeholder until the diff command lands.
export const registerDiff: RegisterCommand = (program) => {
  program
    .command("diff")
    .description("(diff: not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("policy-compile diff: not implemented yet");
    });
};
