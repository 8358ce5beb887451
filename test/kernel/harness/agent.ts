/**
 * Controller side of pod-agent.mjs: one child process per pod namespace, probe commands as JSON
 * lines on its stdin, results as JSON lines on its stdout.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export type ProbeProtocol = "tcp" | "udp";

export interface ProbeRequest {
  readonly proto: ProbeProtocol;
  readonly host: string;
  readonly port: number;
  readonly srcPort: number;
  readonly timeoutMs: number;
}

export interface ProbeResult {
  readonly ok: boolean;
  /** The identity the server answered with ("<ns>/<pod>"). */
  readonly reply?: string;
  readonly error?: string;
}

export interface PodAgent {
  probe(req: ProbeRequest): Promise<ProbeResult>;
  stop(): Promise<void>;
}

const AGENT_SCRIPT = fileURLToPath(new URL("./pod-agent.mjs", import.meta.url));
const READY_TIMEOUT_MS = 10_000;

/** `ipv6`: the pod is dual-stack, so it also serves on `::` (additive; default IPv4 only). */
export function startAgent(netns: string, identity: string, ports: readonly number[], ipv6 = false): Promise<PodAgent> {
  const child: ChildProcessWithoutNullStreams = spawn(
    "ip",
    ["netns", "exec", netns, process.execPath, AGENT_SCRIPT, JSON.stringify({ identity, ports, ...(ipv6 && { ipv6 }) })],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.on("error", () => undefined);
  const pending = new Map<number, (r: ProbeResult) => void>();
  let nextId = 1;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.on("close", () => resolve()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`pod agent in ${netns} did not become ready within ${READY_TIMEOUT_MS} ms\n${stderr}`));
    }, READY_TIMEOUT_MS);
    child.on("close", (code) => {
      exited = true;
      clearTimeout(timer);
      for (const done of pending.values()) done({ ok: false, error: `agent exited (${code}): ${stderr.trim()}` });
      pending.clear();
      reject(new Error(`pod agent in ${netns} exited with ${code}\n${stderr}`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      let msg: { ready?: boolean; error?: string; id?: number } & ProbeResult;
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        stderr += `unexpected output: ${line}\n`;
        return;
      }
      if (msg.ready === true) {
        clearTimeout(timer);
        resolve(agent);
      } else if (msg.ready === false) {
        clearTimeout(timer);
        reject(new Error(`pod agent in ${netns} failed to start: ${msg.error ?? ""}`));
      } else if (typeof msg.id === "number") {
        const done = pending.get(msg.id);
        pending.delete(msg.id);
        done?.({ ok: msg.ok, ...(msg.reply !== undefined ? { reply: msg.reply } : {}), ...(msg.error !== undefined ? { error: msg.error } : {}) });
      }
    });
    const agent: PodAgent = {
      probe(req) {
        if (exited) return Promise.resolve({ ok: false, error: `agent exited: ${stderr.trim()}` });
        const id = nextId++;
        return new Promise((done) => {
          pending.set(id, done);
          child.stdin.write(JSON.stringify({ id, ...req }) + "\n");
        });
      },
      async stop() {
        if (!exited) {
          child.stdin.end();
          const killTimer = setTimeout(() => child.kill("SIGKILL"), 2000);
          await exitPromise;
          clearTimeout(killTimer);
        }
      },
    };
  });
}
