/**
 * Can this machine run real-kernel tests? Outside CI a missing prerequisite makes the kernel
 * suites skip with a loud message; with CI=true the suites fail instead (a silently skipped
 * conformance suite is worse than none).
 */
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { BACKENDS, EMPTY_FILTER_TABLE, type Backend } from "./backend.js";
import { inNetns, ipIn, run } from "./exec.js";

export interface KernelSupport {
  /** Empty when every prerequisite is there. */
  readonly problems: readonly string[];
  /** Backends whose restore tool loaded a table inside a scratch namespace. */
  readonly backends: readonly Backend[];
  /** Whether the kernel has SCTP (the harness has no SCTP prober either way). */
  readonly sctp: boolean;
  /** Whether `nft` loaded a table inside a scratch namespace (native nftables suites). */
  readonly nftables: boolean;
}

function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

let cached: Promise<KernelSupport> | undefined;

export function detectKernelSupport(): Promise<KernelSupport> {
  cached ??= detect();
  return cached;
}

async function detect(): Promise<KernelSupport> {
  const problems: string[] = [];
  if (process.platform !== "linux") problems.push(`platform is ${process.platform}, network namespaces need Linux`);
  if (typeof process.getuid === "function" && process.getuid() !== 0) problems.push("not running as root");
  // ping (iputils-ping): the ICMP echo prober (Node has no raw sockets).
  const needed = ["ip", "ipset", "sysctl", "ping", "nft", ...BACKENDS.flatMap((b) => [b.restore, b.save, b.restore6, b.save6])];
  for (const program of needed) if (!onPath(program)) problems.push(`${program} not found on PATH`);
  const backends: Backend[] = [];
  let nftables = false;
  if (problems.length === 0) {
    const scratch = `pck-${process.pid}-preflight`;
    try {
      await run(["ip", "netns", "add", scratch]);
      for (const backend of BACKENDS) {
        try {
          await inNetns(scratch, [backend.restore, "-w", "5"], EMPTY_FILTER_TABLE);
          backends.push(backend);
        } catch (err) {
          problems.push(`${backend.restore} does not work in a network namespace: ${(err as Error).message}`);
        }
      }
      try {
        await inNetns(scratch, ["nft", "-f", "-"], "add table ip calico\nadd chain ip calico filter-FORWARD { type filter hook forward priority 0 ; }\n");
        nftables = true;
      } catch (err) {
        problems.push(`nft does not work in a network namespace: ${(err as Error).message}`);
      }
      try {
        await inNetns(scratch, ["ipset", "list", "-n"]);
      } catch (err) {
        problems.push(`ipset does not work in a network namespace: ${(err as Error).message}`);
      }
      try {
        // The way probes use it (ping.ts): one echo, explicit identifier, here to our own lo.
        await ipIn(scratch, ["link", "set", "lo", "up"]);
        await inNetns(scratch, ["ping", "-c", "1", "-W", "1", "-n", "-e", "4242", "127.0.0.1"]);
      } catch (err) {
        problems.push(`ping does not work in a network namespace: ${(err as Error).message}`);
      }
    } catch (err) {
      problems.push(`cannot create a network namespace: ${(err as Error).message}`);
    } finally {
      await run(["ip", "netns", "del", scratch]).catch(() => undefined);
    }
  }
  return { problems, backends, sctp: existsSync("/proc/net/sctp"), nftables };
}

/** The banner printed when the suite skips (outside CI). */
export function skipBanner(suite: string, problems: readonly string[]): string {
  const bar = "!".repeat(78);
  return [bar, `!! SKIPPING real-kernel suite "${suite}":`, ...problems.map((p) => `!!   - ${p}`),
    "!! Run as root with ip, ipset, ping, nft, iptables-legacy and iptables-nft installed (CI=true makes this a failure).",
    bar].join("\n");
}
