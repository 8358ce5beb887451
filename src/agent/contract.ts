/**
 * What the daemon needs from the incremental engine (engine/), as narrow structural types, so
 * the daemon's unit tests can hand it a fake engine and the CLI the real AgentEngine.
 */
import type { DiffOptions } from "../diff/diff.js";
import type { KernelState } from "../diff/kernel-state.js";
import type { Transaction } from "../diff/transaction.js";
import type { DataplaneState } from "../render/types.js";
import type { HostInterface } from "../resolve/host-interfaces.js";
import type { Dirty, EngineUpdate, SourceChange } from "./engine/index.js";

export type { SourceChange };

export interface Engine {
  update(changes: readonly SourceChange[]): Pick<EngineUpdate, "desired" | "dirty" | "desired6" | "dirty6" | "diagnostics" | "rejected" | "membersOnly">;
  current(): DataplaneState;
  /** The IPv6 state, once IPv6 is in play (AgentEngine.current6); absent on IPv4-only fakes. */
  current6?(): DataplaneState | undefined;
  /** The node's interfaces changed (AgentEngine.setHostInterfaces); absent in engines without host endpoints. */
  setHostInterfaces?(list: readonly HostInterface[]): ReturnType<Engine["update"]>;
  /** The nodes the endpoints in force are on (AgentEngine.nodes); absent: the daemon does not check its node. */
  nodes?(): readonly string[];
}

export type DiffDirty = (current: KernelState, desired: DataplaneState, dirty: Dirty, options?: DiffOptions) => Transaction;
