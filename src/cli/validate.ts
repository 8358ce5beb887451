import type { RegisterCommand } from "./context.js";
import { UsageError } from "./io.js";

// Placeholder until the validate command lands.
export const registerValidate: RegisterCommand = (program) => {
  program
    .command("validate")
    .description("(validate: not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("policy-compile validate: not implemented yet");
    });
};
