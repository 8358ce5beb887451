import type { RegisterCommand } from "./context.js";
import { UsageError } from "./io.js";

// Placeholder until the compile command lands.
export const registerCompile: RegisterCommand = (program) => {
  program
    .command("compile")
    .description("(compile: not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("policy-compile compile: not implemented yet");
    });
};
