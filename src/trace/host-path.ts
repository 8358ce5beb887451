/**
 * A packet's whole path through one node's netfilter hooks, as the kernel runs them for each
 * way a packet meets the host, for either dataplane:
 *
 * - `input` (to a local address):   PREROUTING → INPUT
 * - `forward` (routed through):     PREROUTING → FORWARD → POSTROUTING
 * - `output` (sent by the host):    OUTPUT → POSTROUTING
 *
 * On each hook the program's stages run in priority order (iptables: raw, mangle, filter;
 * nftables: the `ip calico` base chains of that hook, raw -300, mangle -150, nat, filter 0).
 * An ACCEPT ends only the stage it is in; a DROP ends the packet. The packet's mark and
 * conntrack state carry from one stage to the next, which is how Felix passes a raw-table
 * (doNotTrack) or mangle-table (preDNAT) verdict on: the accept mark set there is accepted by
 * the later stages' first rules, and a NOTRACK makes the packet UNTRACKED. A stage the state
 * programs nothing into is not walked (its policy, ACCEPT on a Calico node, lets the packet
 * through); which stages those are is the program's (engine.ts).
 */
import type { RuleOrigins } from "../render/origins.js";
import type { DataplaneState, KernelChainName } from "../render/types.js";
import { walkStage, type HostPath, type Locality, type TraceProgram } from "./engine.js";
import type { Packet, PacketTrace, TraceTable, Verdict } from "./types.js";
import { tracerFor } from "./walk.js";

export type { HostPath } from "./engine.js";

/** One stage's part of the path. */
export interface TableTrace {
  readonly table: TraceTable;
  readonly hook: KernelChainName;
  readonly trace: PacketTrace;
  /** Whether the packet left this table untracked (a NOTRACK ran here or in an earlier table). */
  readonly untracked: boolean;
}

export interface HostPathTrace {
  readonly kind: "HostPathTrace";
  readonly path: HostPath;
  readonly verdict: Verdict;
  /** The stages walked, in kernel order, up to and including the one that dropped. */
  readonly tables: readonly TableTrace[];
}

const LOCAL: Readonly<Record<HostPath, Locality>> = {
  input: { src: false, dst: true },
  forward: { src: false, dst: false },
  output: { src: true, dst: false },
};

/** Walk a packet along one path of a program. Pure. */
export function traceProgramPath(program: TraceProgram, packet: Packet, path: HostPath): HostPathTrace {
  const tables: TableTrace[] = [];
  let mark = 0;
  let ctState: "NEW" | "UNTRACKED" = "NEW";
  for (const stage of program.stages(path)) {
    const w = walkStage(program, packet, stage, { mark, ctState, local: LOCAL[path] });
    mark = w.mark;
    ctState = w.ctState;
    tables.push({ table: stage.table, hook: stage.hook, trace: w.trace, untracked: ctState === "UNTRACKED" });
    if (w.trace.verdict === "deny") return { kind: "HostPathTrace", path, verdict: "deny", tables };
  }
  return { kind: "HostPathTrace", path, verdict: "allow", tables };
}

/**
 * Walk a packet along one path of an iptables state. The filter hook of the path is always
 * walked (so a state without host tables gives exactly the filter-only trace); raw and mangle
 * hooks only when the state programs them.
 */
export function traceHostPath(state: DataplaneState, packet: Packet, path: HostPath, origins?: RuleOrigins): HostPathTrace {
  return traceProgramPath(tracerFor(state, origins), packet, path);
}
