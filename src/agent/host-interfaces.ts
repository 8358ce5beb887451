/**
 * The agent's edge to the node's interfaces: read them (`ip -j addr show`, dataplane/interfaces.ts)
 * and hear when an address changes (`ip -o monitor address`, one line per change; the line is
 * only a trigger: the list is read again in full, so a missed or garbled line costs nothing).
 * The daemon also re-reads at every resync, which repairs a monitor that died meanwhile.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { readHostInterfaces } from "../dataplane/interfaces.js";
import type { HostInterface } from "../resolve/host-interfaces.js";

/** What the daemon needs (a fake in unit tests). */
export interface HostInterfaceWatch {
  read(): Promise<HostInterface[]>;
  /** Calls `changed` after each address change until the returned function is called. */
  watch(changed: () => void, problem: (message: string) => void): () => void;
}

const RESTART_MS = 1000;

export const kernelInterfaceWatch: HostInterfaceWatch = {
  read: () => readHostInterfaces(),
  watch(changed, problem) {
    let child: ChildProcess | null = null;
    let stopped = false;
    let timer: NodeJS.Timeout | null = null;
    const start = (): void => {
      child = spawn("ip", ["-o", "monitor", "address"], { stdio: ["ignore", "pipe", "pipe"] });
      createInterface({ input: child.stdout! }).on("line", () => changed());
      child.on("error", (e) => problem(`ip monitor address: ${e.message}`));
      child.on("exit", (code) => {
        if (stopped) return;
        problem(`ip monitor address exited (${String(code)}); restarting in ${RESTART_MS} ms`);
        timer = setTimeout(() => {
          start();
          changed(); // changes while it was down
        }, RESTART_MS);
      });
    };
    start();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      child?.kill("SIGTERM");
    };
  },
};
