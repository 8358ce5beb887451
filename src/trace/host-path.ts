/**
 * A packet's whole path through one node's netfilter tables, as the kernel runs them for each
 * way a packet meets the host:
 *
 * - `input` (to a local address):   raw PREROUTING → mangle PREROUTING → filter INPUT
 * - `forward` (routed through):     raw PREROUTING → mangle PREROUTING → filter FORWARD → mangle POSTROUTING
 * - `output` (sent by the host):    raw OUTPUT → mangle OUTPUT → filter OUTPUT → mangle POSTROUTING
 *
 * (nat is not programmed by policy-compile, so its hooks are skipped.) An ACCEPT ends only the
 * table it is in; a DROP ends the packet. The packet's mark and conntrack state carry from one
 * table to the next, which is how Felix passes a raw-table (doNotTrack) or mangle-table
 * (preDNAT) verdict on: the accept mark set there is accepted by the later tables' first rules,
 * and a NOTRACK makes the packet UNTRACKED. A hook the state programs nothing into is not
 * walked (its default policy, ACCEPT on a Calico node, lets the packet through).
 */
import type { RuleOrigins } from "../render/origins.js";
import type { DataplaneState, KernelChainName, TableName } from "../render/types.js";
import type { Packet, PacketTrace, Verdict } from "./types.js";
import { tracerFor } from "./walk.js";

export type HostPath = "input" | "forward" | "output";

/** One table's part of the path. */
export interface TableTrace {
  readonly table: TableName;
  readonly hook: KernelChainName;
  readonly trace: PacketTrace;
  /** Whether the packet left this table untracked (a NOTRACK ran here or in an earlier table). */
  readonly untracked: boolean;
}

export interface HostPathTrace {
  readonly kind: "HostPathTrace";
  readonly path: HostPath;
  readonly verdict: Verdict;
  /** The tables walked, in kernel order, up to and including the one that dropped. */
  readonly tables: readonly TableTrace[];
}

const STAGES: Readonly<Record<HostPath, readonly (readonly [TableName, KernelChainName])[]>> = {
  input: [
    ["raw", "PREROUTING"],
    ["mangle", "PREROUTING"],
    ["filter", "INPUT"],
  ],
  forward: [
    ["raw", "PREROUTING"],
    ["mangle", "PREROUTING"],
    ["filter", "FORWARD"],
    ["mangle", "POSTROUTING"],
  ],
  output: [
    ["raw", "OUTPUT"],
    ["mangle", "OUTPUT"],
    ["filter", "OUTPUT"],
    ["mangle", "POSTROUTING"],
  ],
};

/**
 * Walk a packet along one path. Pure. The filter hook of the path is always walked (so a state
 * without host tables gives exactly the filter-only trace); raw and mangle hooks only when the
 * state programs them.
 */
export function traceHostPath(state: DataplaneState, packet: Packet, path: HostPath, origins?: RuleOrigins): HostPathTrace {
  const tracer = tracerFor(state, origins);
  const tables: TableTrace[] = [];
  let mark = 0;
  let ctState: "NEW" | "UNTRACKED" = "NEW";
  for (const [table, hook] of STAGES[path]) {
    if (table !== "filter" && !tracer.hasHook(table, hook)) continue;
    const w = tracer.walk(packet, { table, hook, mark, ctState });
    mark = w.mark;
    ctState = w.ctState;
    tables.push({ table, hook, trace: w.trace, untracked: ctState === "UNTRACKED" });
    if (w.trace.verdict === "deny") return { kind: "HostPathTrace", path, verdict: "deny", tables };
  }
  return { kind: "HostPathTrace", path, verdict: "allow", tables };
}
