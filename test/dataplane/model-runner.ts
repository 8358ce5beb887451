/**
 * A CommandRunner that answers iptables-save / iptables-restore / ipset like a kernel would,
 * backed by the model kernel, with hooks to inject failures (lock contention, racing writers).
 */
import type { CommandResult, CommandRunner } from "../../src/dataplane/runner.js";
import { printIptablesSave } from "../../src/diff/parse-iptables-save.js";
import { printIpsetSave } from "../../src/diff/parse-ipset-save.js";
import type { KernelIpSet } from "../../src/diff/kernel-state.js";
import { ModelKernel, ModelKernelError } from "../diff/model-kernel.js";

export interface Call {
  readonly file: string;
  readonly args: readonly string[];
  readonly input: string;
}

/** Return a result to short-circuit a call (e.g. a failure), or undefined to run it. */
export type Intercept = (call: Call, calls: readonly Call[]) => CommandResult | undefined;

export function modelRunner(kernel: ModelKernel, intercept: Intercept = () => undefined): { runner: CommandRunner; calls: Call[] } {
  const calls: Call[] = [];
  const runner: CommandRunner = async (file, args, input = "") => {
    const call = { file, args, input };
    calls.push(call);
    const injected = intercept(call, calls);
    if (injected) return injected;
    const ok = (stdout = ""): CommandResult => ({ exitCode: 0, stdout, stderr: "" });
    try {
      if (/iptables(-\w+)?-save$/.test(file)) return ok(printIptablesSave(kernel.state().chains));
      if (/iptables(-\w+)?-restore$/.test(file)) {
        kernel.iptablesRestore(input);
        return ok();
      }
      if (file === "ipset" && args[0] === "save") {
        const sets = kernel.state().ipsets.filter((s) => args[1] === undefined || s.name === args[1]);
        if (args[1] !== undefined && sets.length === 0) return { exitCode: 1, stdout: "", stderr: "ipset v7.17: The set with the given name does not exist\n" };
        return ok(printIpsetSave(sets));
      }
      if (file === "ipset" && args[0] === "list" && args[1] === "-t") return ok(printIpsetListTerse(kernel.state().ipsets));
      if (file === "ipset" && args[0] === "restore") {
        kernel.ipsetRestore(input);
        return ok();
      }
      if (file === "iptables" && args[0] === "--version") return ok("iptables v1.8.9 (nf_tables)\n");
    } catch (e) {
      if (e instanceof ModelKernelError) return { exitCode: e.program === "ipset" ? 1 : 2, stdout: "", stderr: `${e.message}\n` };
      throw e;
    }
    return { exitCode: 127, stdout: "", stderr: `${file}: command not found\n` };
  };
  return { runner, calls };
}

/** `ipset list -t` as ipset 7 prints it: one block per set, no members. */
function printIpsetListTerse(sets: readonly KernelIpSet[]): string {
  return sets
    .map((s) => {
      const header = [...(s.family ? ["family", s.family] : []), ...(s.maxelem !== null ? ["maxelem", String(s.maxelem)] : []), ...s.options].join(" ");
      return `Name: ${s.name}\nType: ${s.type}\nRevision: 7\nHeader: ${header}\nSize in memory: 1234\nReferences: 0\nNumber of entries: ${s.members.length}\n`;
    })
    .join("\n");
}

export const LOCKED: CommandResult = {
  exitCode: 4,
  stdout: "",
  stderr: "Another app is currently holding the xtables lock. Stopped waiting after 10s.\n",
};
