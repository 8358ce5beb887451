/**
 * ICMP echo probes. Node has no raw sockets, so an echo probe is the system's `ping`, run inside
 * the source pod's namespace: `ip netns exec <pod> ping -c 1 -W <s> -n -e <ident> <dst>`.
 *
 * Conntrack keys an ICMP echo by (src, dst, identifier), so the identifier plays the role the
 * source port plays for TCP and UDP: the caller passes one never used before in the topology,
 * and no probe can ride on the ESTABLISHED entry of an earlier one. (As root, in a namespace
 * whose ping_group_range is the default "1 0", ping uses a raw socket, which honours `-e`.)
 *
 * ping's exit code is the verdict: 0 a reply came, 1 no reply. Anything else (2: ping itself
 * failed, or ping/ip missing) means the probe did not happen, and it throws: a broken prober
 * must never read as "blocked".
 */
import { CommandError, inNetns } from "./exec.js";

/** Pings in flight at once, over every step and case of this worker (each is two processes). */
export const PING_CONCURRENCY = 48;

export interface PingResult {
  /** The source address of the echo reply, when one came. */
  readonly replyFrom?: string;
  /** Why there was no reply, as ping reported it (e.g. "no reply", "Destination Host Unreachable"). */
  readonly error?: string;
}

let active = 0;
const waiting: (() => void)[] = [];

async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (active >= PING_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  else active++;
  try {
    return await task();
  } finally {
    // Hand the slot straight to the next waiter, or give it back.
    const next = waiting.shift();
    if (next !== undefined) next();
    else active--;
  }
}

export function echoProbe(netns: string, host: string, ident: number, timeoutMs: number): Promise<PingResult> {
  if (!Number.isInteger(ident) || ident < 0 || ident > 0xffff) throw new Error(`ICMP identifier out of range: ${ident}`);
  const argv = ["ping", "-c", "1", "-W", String(timeoutMs / 1000), "-n", "-e", String(ident), host];
  return limited(async () => {
    try {
      const { stdout } = await inNetns(netns, argv);
      const from = /bytes from ([0-9a-f.:]+?):? icmp_seq/.exec(stdout)?.[1];
      if (from === undefined) throw new Error(`ping exited 0 without a reply line (${argv.join(" ")}):\n${stdout}`);
      return { replyFrom: from };
    } catch (err) {
      if (err instanceof CommandError && err.code === 1) {
        // e.g. "From 10.65.0.1 icmp_seq=1 Destination Host Unreachable", or nothing at all.
        const said = /^From .*$/m.exec(err.stdout)?.[0];
        return { error: said ?? "no reply" };
      }
      throw err;
    }
  });
}
