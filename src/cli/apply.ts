import type { RegisterCommand } from "./context.js";
import { UsageError } from "./io.js";

// Placeholder until the apply command lands.
export const registerApply: RegisterCommand = (program) => {
  program
    .command("apply")
    .description("(apply: not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("policy-compile apply: not implemented yet");
    });
};
