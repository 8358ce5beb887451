/**
 * Network namespaces for the dataplane's kernel tests. Every command that reads or writes
 * iptables/ipset runs under `ip netns exec <ours>`; the host's own network state is never
 * touched. Namespaces are named `pcd-<pid>-<tag>` and deleted in `finally`.
 */
import { execa } from "execa";
import type { CommandRunner } from "../../../src/dataplane/runner.js";
import { execaRunner } from "../../../src/dataplane/runner.js";

import { prerequisitesMet } from "../../ci.js";

let counter = 0;

export interface Netns {
  readonly name: string;
  /** A CommandRunner that runs every program inside this namespace. */
  readonly runner: CommandRunner;
  /** Runs a program in the namespace; throws with its stderr on a non-zero exit. */
  exec(file: string, args: readonly string[], input?: string): Promise<string>;
  destroy(): Promise<void>;
}

export async function createNetns(tag: string): Promise<Netns> {
  const name = `pcd-${process.pid}-${tag}-${counter++}`;
  await execa("ip", ["netns", "add", name]);
  const runner: CommandRunner = (file, args, input) => execaRunner("ip", ["netns", "exec", name, file, ...args], input);
  return {
    name,
    runner,
    async exec(file, args, input) {
      const r = await runner(file, args, input);
      if (r.exitCode !== 0) throw new Error(`${file} ${args.join(" ")} failed in ${name} (exit ${r.exitCode}): ${r.stderr}`);
      return r.stdout;
    },
    async destroy() {
      await execa("ip", ["netns", "del", name], { reject: false });
    },
  };
}

/** Why kernel tests cannot run here (empty when they can). */
export async function kernelProblems(): Promise<string[]> {
  const problems: string[] = [];
  if (process.platform !== "linux") problems.push(`platform is ${process.platform}`);
  if (typeof process.getuid === "function" && process.getuid() !== 0) problems.push("not running as root");
  for (const tool of ["ip", "ipset", "iptables-legacy-restore", "iptables-nft-restore", "flock"]) {
    const r = await execa("sh", ["-c", `command -v ${tool}`], { reject: false });
    if (r.exitCode !== 0) problems.push(`${tool} not found on PATH`);
  }
  return problems;
}

/** Skips loudly outside CI; in CI a missing prerequisite fails the suite. */
export function announceSkip(suite: string, problems: readonly string[]): void {
  prerequisitesMet(`real-kernel ${suite}`, problems);
}
