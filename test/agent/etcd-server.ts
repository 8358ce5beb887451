/**
 * A real etcd (Debian's etcd-server, `etcd` 3.4) for tests: on 127.0.0.1 (of the host, or of a
 * network namespace the test made), random free ports, a temporary --data-dir; stopped and
 * removed by `destroy()` in `finally`. Never systemd. `etcdctl` (etcd-client) drives it the
 * way a user would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export interface EtcdServer {
  readonly url: string;
  readonly dataDir: string;
  /** etcdctl against this server (inside the namespace if there is one); returns stdout. */
  ctl(args: readonly string[], endpoint?: string): Promise<string>;
  /** The current revision of the store. */
  revision(): Promise<number>;
  /** SIGTERM, then wait for exit. */
  stop(): Promise<void>;
  /** Starts again with the same data dir, on the same client port unless another is given. */
  start(clientPort?: number): Promise<void>;
  readonly clientPort: number;
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function etcdProblems(): Promise<string[]> {
  const problems: string[] = [];
  for (const tool of ["etcd", "etcdctl"]) {
    const r = await execa("sh", ["-c", `command -v ${tool}`], { reject: false });
    if (r.exitCode !== 0) problems.push(`${tool} not found on PATH (apt-get install etcd-server etcd-client)`);
  }
  return problems;
}

/** `netns`: run etcd (and etcdctl) inside that namespace; its 127.0.0.1 is the namespace's own. */
export async function startEtcd(netns?: string): Promise<EtcdServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "pc-etcd-"));
  // Ports are picked in the host namespace; inside a fresh namespace every port is free anyway.
  const peerPort = await freePort();
  let clientPort = await freePort();
  let child: ChildProcess | null = null;
  let log = "";
  const wrap = (argv: string[]): string[] => (netns ? ["ip", "netns", "exec", netns, ...argv] : argv);
  const url = (port: number) => `http://127.0.0.1:${port}`;

  const ctl = async (args: readonly string[], endpoint = url(clientPort)): Promise<string> => {
    const [cmd, ...rest] = wrap(["etcdctl", "--endpoints", endpoint, "--dial-timeout", "2s", ...args]);
    const r = await execa(cmd as string, rest, { env: { ETCDCTL_API: "3" }, reject: false });
    if (r.exitCode !== 0) throw new Error(`etcdctl ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  };

  const start = async (port = clientPort): Promise<void> => {
    const argv = wrap([
      "etcd",
      "--name", "pc-test",
      "--data-dir", dataDir,
      "--listen-client-urls", url(port),
      "--advertise-client-urls", url(port),
      "--listen-peer-urls", url(peerPort),
      "--initial-advertise-peer-urls", url(peerPort),
      "--initial-cluster", `pc-test=${url(peerPort)}`,
    ]);
    const [cmd, ...rest] = argv;
    const c = spawn(cmd as string, rest, { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    c.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    c.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await ctl(["endpoint", "health"], url(port));
        return;
      } catch (e) {
        if (c.exitCode !== null || Date.now() > deadline) throw new Error(`etcd did not start: ${String(e)}\n${log.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill("SIGTERM");
    const t = setTimeout(() => c.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };

  await start();
  return {
    get url() {
      return url(clientPort);
    },
    dataDir,
    get clientPort() {
      return clientPort;
    },
    ctl,
    async revision() {
      const out = JSON.parse(await ctl(["endpoint", "status", "-w", "json"])) as { Status: { header: { revision: number } } }[];
      return out[0]?.Status.header.revision ?? 0;
    },
    stop,
    async start(port?: number) {
      if (port !== undefined) clientPort = port;
      await start(clientPort);
    },
    async destroy() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
