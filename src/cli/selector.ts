import type { RegisterCommand } from "./context.js";
import { UsageError } from "./io.js";

// Placeholder until the selector command lands.
export const registerSelector: RegisterCommand = (program) => {
  program
    .command("selector")
    .description("(selector: not implemented yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UsageError("policy-compile selector: not implemented yet");
    });
};
