/**
 * A real etcd cluster (Debian's etcd-server, etcd 3.4) of one or three members on 127.0.0.1, for
 * tests: TLS on the client and peer ports (the test PKI's server certificate, client
 * certificates required), free ports picked at start (other tests may run etcd at the same
 * time), temporary data dirs; `destroy()` in `finally`. Members can be stopped and started again
 * with their data, as an operator would. Optionally inside a network namespace (its own
 * 127.0.0.1). `ctl` is etcdctl with the client certificate, against the members that are up.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { freePort } from "./etcd-server.js";
import type { TestPki } from "./etcd-certs.js";

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly running: boolean;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Every member's client URL, comma-separated (what the agent is given). */
  readonly endpoints: string;
  /** etcdctl (with the client certificate) against the running members; returns stdout. */
  ctl(args: readonly string[], opts?: { endpoints?: string; user?: string }): Promise<string>;
  /** The index of the member that is leader now (asks the running members). */
  leader(): Promise<number>;
  stop(i: number): Promise<void>;
  start(i: number): Promise<void>;
  destroy(): Promise<void>;
}

export async function startEtcdCluster(pki: TestPki, options: { size?: 1 | 3; netns?: string; serverCert?: "server" | "server-expired" | "server-wrong-host" } = {}): Promise<EtcdCluster> {
  const size = options.size ?? 3;
  const serverCert = options.serverCert ?? "server";
  const wrap = (argv: string[]): string[] => (options.netns ? ["ip", "netns", "exec", options.netns, ...argv] : argv);
  const base = await mkdtemp(join(tmpdir(), "pc-etcd-cluster-"));
  const ports = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
  const names = Array.from({ length: size }, (_, i) => `m${i}`);
  const clientUrl = (i: number) => `https://127.0.0.1:${ports[2 * i]}`;
  const peerUrl = (i: number) => `https://127.0.0.1:${ports[2 * i + 1]}`;
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(",");
  const children: (ChildProcess | null)[] = names.map(() => null);
  const logs: string[] = names.map(() => "");
  const token = `pc-${process.pid}-${Date.now()}`;

  const ctl = async (args: readonly string[], opts: { endpoints?: string; user?: string } = {}): Promise<string> => {
    const endpoints = opts.endpoints ?? names.map((_, i) => clientUrl(i)).filter((_, i) => children[i] !== null).join(",");
    const [cmd, ...rest] = wrap([
      "etcdctl", "--endpoints", endpoints, "--dial-timeout", "3s", "--command-timeout", "10s",
      "--cacert", pki.crt("ca"), "--cert", pki.crt("client"), "--key", pki.key("client"),
      ...(opts.user ? ["--user", opts.user] : []),
      ...args,
    ]);
    const r = await execa(cmd as string, rest, { env: { ETCDCTL_API: "3" }, reject: false });
    if (r.exitCode !== 0) throw new Error(`etcdctl ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  };

  const start = async (i: number, state: "new" | "existing"): Promise<void> => {
    const argv = wrap([
      "etcd",
      "--name", names[i] as string,
      "--data-dir", join(base, names[i] as string),
      "--listen-client-urls", clientUrl(i),
      "--advertise-client-urls", clientUrl(i),
      "--listen-peer-urls", peerUrl(i),
      "--initial-advertise-peer-urls", peerUrl(i),
      "--initial-cluster", initialCluster,
      "--initial-cluster-state", state,
      "--initial-cluster-token", token,
      "--cert-file", pki.crt(serverCert), "--key-file", pki.key(serverCert), "--trusted-ca-file", pki.crt("ca"), "--client-cert-auth",
      "--peer-cert-file", pki.crt("server"), "--peer-key-file", pki.key("server"), "--peer-trusted-ca-file", pki.crt("ca"), "--peer-client-cert-auth",
      // Elections within a second or two, as a real cluster of three on one host would.
      "--heartbeat-interval", "100", "--election-timeout", "1000",
    ]);
    const [cmd, ...rest] = argv;
    const c = spawn(cmd as string, rest, { stdio: ["ignore", "pipe", "pipe"] });
    children[i] = c;
    c.stdout?.on("data", (d: Buffer) => (logs[i] += d.toString()));
    c.stderr?.on("data", (d: Buffer) => (logs[i] = (logs[i] + d.toString()).slice(-20_000)));
  };

  const waitHealthy = async (indices: readonly number[], ms = 20_000): Promise<void> => {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        // endpoint health runs a quorum read: healthy means the cluster has a leader.
        await ctl(["endpoint", "health"], { endpoints: indices.map(clientUrl).join(",") });
        return;
      } catch (e) {
        const dead = indices.find((i) => children[i]?.exitCode !== null);
        if (Date.now() > deadline || dead !== undefined) {
          throw new Error(`etcd cluster not healthy: ${String(e)}\n${indices.map((i) => `--- ${names[i]}\n${(logs[i] as string).slice(-1500)}`).join("\n")}`);
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  };

  const stop = async (i: number): Promise<void> => {
    const c = children[i];
    children[i] = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill("SIGTERM");
    const t = setTimeout(() => c.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };

  try {
    const all = names.map((_, i) => i);
    for (const i of all) await start(i, "new");
    await waitHealthy(all);
  } catch (e) {
    await Promise.all(names.map((_, i) => stop(i)));
    await rm(base, { recursive: true, force: true });
    throw e;
  }

  return {
    get members() {
      return names.map((name, i) => ({ name, clientUrl: clientUrl(i), running: children[i] !== null }));
    },
    endpoints: names.map((_, i) => clientUrl(i)).join(","),
    ctl,
    async leader() {
      // Member ids are 64-bit: read them as strings, not as doubles.
      const text = (await ctl(["endpoint", "status", "-w", "json"])).replace(/"(member_id|leader|cluster_id)":(\d+)/g, '"$1":"$2"');
      const out = JSON.parse(text) as { Endpoint: string; Status: { header: { member_id: number | string }; leader: number | string } }[];
      const lead = out.find((s) => String(s.Status.leader) === String(s.Status.header.member_id));
      if (!lead) throw new Error(`no leader among ${JSON.stringify(out)}`);
      return names.findIndex((_, i) => clientUrl(i) === lead.Endpoint);
    },
    stop,
    async start(i: number) {
      await start(i, "existing");
    },
    async destroy() {
      await Promise.all(names.map((_, i) => stop(i)));
      await rm(base, { recursive: true, force: true });
    },
  };
}
