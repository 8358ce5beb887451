/**
 * The engine's contract with the agent (api-contracts.md "Agent engine"): source changes in,
 * the full desired state plus what changed out.
 */
import type { Diagnostic } from "../../diagnostics/types.js";
import type { CompileOptions } from "../../render/compile.js";
import type { DataplaneState } from "../../render/types.js";

/** name: a file path or an etcd key; text: YAML or JSON, one or more resources. */
export type SourceChange =
  | { readonly kind: "put"; readonly name: string; readonly text: string }
  | { readonly kind: "delete"; readonly name: string };

export interface EngineOptions {
  readonly node: string;
  /** `node` here wins over `compile.node`. */
  readonly compile?: CompileOptions;
}

/**
 * The exact member change of one ipset that exists, with the same type, family and maxelem,
 * before and after an update: members in the kernel's canonical form (as `ipset save` prints
 * them, diff/members.ts), sorted, the two lists disjoint.
 */
export interface MemberDelta {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** The chains, ipsets and hooks whose desired content may differ from the previous update's. */
export interface Dirty {
  readonly chains: readonly string[];
  readonly ipsets: readonly string[];
  readonly hooks: boolean;
  /**
   * For dirty sets whose change is known exactly (a 100k-member set that gained one pod): the
   * delta, so the transaction and the agent's kernel view are built from it instead of comparing
   * both sets whole. Present only when some set has one. Valid against a kernel that holds the
   * previous update's desired state for those sets (the agent's view does); for a set that comes
   * back (desired earlier, not in the previous update), against the members it had when it was
   * last desired, which is what a kernel that kept it unreferenced (the agent's lingering sets)
   * holds; a kernel without it gets it whole, and the delta is not used.
   */
  readonly members?: ReadonlyMap<string, MemberDelta>;
}

export interface EngineUpdate {
  readonly kind: "EngineUpdate";
  /** The full desired state: identical to compile(model of all sources in force). */
  readonly desired: DataplaneState;
  readonly dirty: Dirty;
  /**
   * The IPv6 family, present once IPv6 is in play (AgentEngine.current6): the full desired state,
   * identical to compile(model, { ipVersion: 6 }), and what changed in it (member deltas exact, as
   * for IPv4; the first IPv6 update names everything).
   */
  readonly desired6?: DataplaneState;
  readonly dirty6?: Dirty;
  /** Diagnostics about this update's sources, located at file:line:col (the etcd key is the file). */
  readonly diagnostics: readonly Diagnostic[];
  /** Sources whose new text was refused: their last good version (or their absence) stays in force. */
  readonly rejected: readonly string[];
  /**
   * Sources of this update that hold, before and after, only pods and workload endpoints of other
   * nodes: they reach the kernel through ipset members alone, so they are enforced once the
   * members are written (the first ipset step), before the iptables step. Sorted.
   */
  readonly membersOnly?: readonly string[];
}
