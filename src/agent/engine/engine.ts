/**
 * AgentEngine: source changes in, desired state and what changed out. Synchronous and pure (no
 * I/O, no clock): the agent owns watching, batching and applying.
 *
 * Rules:
 * - a put whose text fails validation on its own (parse, schema, the checks normalization
 *   makes on one resource) is rejected: the source keeps its last good version, and the
 *   diagnostics say why;
 * - problems between resources (a duplicate, an unknown tier) leave those resources out, as the
 *   CLI's loader does;
 * - a batch whose result compile() would refuse (CompileError: a host endpoint on this node, an
 *   unsupported policy feature, two endpoints on one interface) is rejected whole: every source
 *   it changed keeps its previous version.
 * So `desired` is always compile(model of the sources in force), byte for byte.
 *
 * Incremental: sources are parsed once per new text (sources.ts); the model is kept per
 * resource (store.ts); the node's chains and ipsets per piece (node.ts). Tier, Profile and
 * ServiceAccount changes are incremental too; HostEndpoint changes rebuild the model and node
 * state from the parsed sources (no re-parse).
 */
import type { Diagnostic } from "../../diagnostics/types.js";
import type { AnyCollected } from "../../model/collect.js";
import type { Model } from "../../model/types.js";
import { compile, type CompileOptions } from "../../render/compile.js";
import type { DataplaneState } from "../../render/types.js";
import { CompileError } from "../../render/errors.js";
import { dirtyBetween } from "./dirty.js";
import { NodeState } from "./node.js";
import { buildModel } from "../../model/build.js";
import { allCollected, applyBatch, revertBatch, type SourceEntry } from "./sources.js";
import { ModelStore, type Delta } from "./store.js";
import type { Dirty, EngineOptions, EngineUpdate, SourceChange } from "./types.js";

const diagnosticKey = (d: Diagnostic): string => `${d.code} ${d.span?.file ?? ""} ${d.span?.start ?? ""} ${d.message}`;

const EMPTY_DIRTY: Dirty = { chains: [], ipsets: [], hooks: false };

export class AgentEngine {
  private readonly sources = new Map<string, SourceEntry>();
  private readonly node: string;
  private readonly endpointToHostAction;
  private readonly failsafe: { readonly failsafe?: CompileOptions["failsafe"] };
  /** The node's interfaces (the agent reads and follows them): they place expectedIPs-only host endpoints. */
  private hostInterfaces: CompileOptions["hostInterfaces"];
  private store = new ModelStore();
  private nodeState: NodeState;
  private state: DataplaneState;

  constructor(options: EngineOptions) {
    this.node = options.node;
    this.endpointToHostAction = options.compile?.endpointToHostAction ?? "ACCEPT";
    this.failsafe = options.compile?.failsafe ? { failsafe: options.compile.failsafe } : {};
    this.hostInterfaces = options.compile?.hostInterfaces;
    this.nodeState = this.rebuild();
    this.state = this.withHosts().state ?? this.nodeState.state();
  }

  /**
   * With host endpoints on the node, the desired state is compile()'s, computed whole (a full
   * rebuild path: host endpoint chains and the mangle/raw tables are not kept incrementally).
   */
  private withHosts(): { state?: DataplaneState; errors: readonly Diagnostic[] } {
    if (!this.nodeState.hasHostEndpoints()) return { errors: [] };
    try {
      return { state: compile(this.model(), { node: this.node, endpointToHostAction: this.endpointToHostAction, ...this.failsafe, ...(this.hostInterfaces && { hostInterfaces: this.hostInterfaces }) }), errors: [] };
    } catch (e) {
      if (e instanceof CompileError) return { errors: e.diagnostics };
      throw e;
    }
  }

  /**
   * The node's interfaces changed (an address added, moved or removed): host endpoints that give
   * only expectedIPs move with their addresses. Only the host endpoint path depends on them.
   * Should the new list make compile() refuse the model (it cannot: resolution with a list only
   * warns), the previous list and state stay.
   */
  setHostInterfaces(list: NonNullable<CompileOptions["hostInterfaces"]>): EngineUpdate {
    const previous = this.state;
    const before = this.hostInterfaces;
    this.hostInterfaces = list;
    const hosts = this.withHosts();
    if (hosts.errors.length > 0) {
      this.hostInterfaces = before;
      return { kind: "EngineUpdate", desired: previous, dirty: EMPTY_DIRTY, diagnostics: hosts.errors, rejected: [] };
    }
    this.state = hosts.state ?? this.nodeState.state();
    return { kind: "EngineUpdate", desired: this.state, dirty: hosts.state ? dirtyBetween(previous, this.state) : EMPTY_DIRTY, diagnostics: [], rejected: [] };
  }

  /** The interfaces last given (the agent's IPv6 family compiles with them too). */
  currentHostInterfaces(): CompileOptions["hostInterfaces"] {
    return this.hostInterfaces;
  }

  current(): DataplaneState {
    return this.state;
  }

  /**
   * The model of the sources in force (rebuilt from the parsed sources, no re-parse): the agent
   * compiles the IPv6 state from it, which the incremental path does not follow.
   */
  model(): Model {
    return buildModel(allCollected(this.sources), []);
  }

  update(changes: readonly SourceChange[]): EngineUpdate {
    const batch = applyBatch(this.sources, changes);
    const diagnostics: Diagnostic[] = [...batch.diagnostics];
    if (batch.changed.size === 0) return { kind: "EngineUpdate", desired: this.state, dirty: EMPTY_DIRTY, diagnostics, rejected: batch.rejected };
    const removed: AnyCollected[] = [];
    const added: AnyCollected[] = [];
    for (const [name, before] of batch.changed) {
      if (before !== undefined) removed.push(...before.collected);
      const now = this.sources.get(name);
      if (now !== undefined) added.push(...now.collected);
    }
    const previous = this.state;
    let dirty = this.advance(this.store.apply(removed, added), previous);
    const hosts = this.withHosts();
    const errors = [...this.nodeState.errors(), ...hosts.errors];
    if (errors.length > 0) {
      // Undo the batch the same way it was done, so the state is the last good one again.
      revertBatch(this.sources, batch.changed);
      this.advance(this.store.apply(added, removed), previous);
      diagnostics.push(...errors);
      const rejected = [...new Set([...batch.rejected, ...batch.changed.keys()])].sort();
      this.state = this.withHosts().state ?? this.nodeState.state();
      dirty = EMPTY_DIRTY;
      return { kind: "EngineUpdate", desired: this.state, dirty, diagnostics, rejected };
    }
    const seen = new Set(diagnostics.map(diagnosticKey));
    for (const d of this.store.diagnostics) {
      // About this batch: located in a changed source, or pointing at one (a duplicate's first copy).
      const here = (d.span !== undefined && batch.changed.has(d.span.file)) || (d.notes ?? []).some((n) => n.span !== undefined && batch.changed.has(n.span.file));
      if (here && !seen.has(diagnosticKey(d))) {
        seen.add(diagnosticKey(d));
        diagnostics.push(d);
      }
    }
    this.state = hosts.state ?? this.nodeState.state();
    if (hosts.state) dirty = dirtyBetween(previous, this.state);
    return { kind: "EngineUpdate", desired: this.state, dirty, diagnostics, rejected: batch.rejected };
  }

  /** Apply a model delta to the node state, or rebuild both when the store asks for it. */
  private advance(delta: Delta, previous: DataplaneState): Dirty {
    if (!delta.full) return this.nodeState.apply(delta);
    this.nodeState = this.rebuild();
    return dirtyBetween(previous, this.nodeState.state());
  }

  /** Model and node state from every parsed source (start-up, and changes not followed incrementally). */
  private rebuild(): NodeState {
    this.store = new ModelStore();
    const delta = this.store.apply([], allCollected(this.sources), true);
    const node = new NodeState(this.node, this.endpointToHostAction, this.store.tierList(), this.store.hostEndpointList(), this.store);
    node.apply(delta);
    return node;
  }
}
