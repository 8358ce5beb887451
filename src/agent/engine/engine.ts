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
 * resource (store.ts); the node's chains and ipsets per piece (node.ts), host endpoints and the
 * mangle/raw tables included. Tier, Profile, ServiceAccount and HostEndpoint changes are
 * incremental too.
 *
 * Both IP families: the IPv4 state always, the IPv6 state (a second NodeState fed the same
 * deltas) from the first batch whose model uses IPv6 (compile.ts usesIpv6: an IPv6 address, net
 * or rule anywhere), built once from the model then and kept from then on, so the IPv6 rules of
 * a cluster that drops its last IPv6 address are still cleaned up. `desired6` is always
 * compile(model, { ipVersion: 6 }), byte for byte.
 */
import type { Diagnostic } from "../../diagnostics/types.js";
import type { AnyCollected } from "../../model/collect.js";
import type { Model } from "../../model/types.js";
import { ruleUsesIpv6, type CompileOptions } from "../../render/compile.js";
import type { DataplaneState } from "../../render/types.js";
import { isIpv6 } from "../../resolve/nets.js";
import { dirtyBetween } from "./dirty.js";
import { NodeState } from "./node.js";
import { buildModel } from "../../model/build.js";
import { nodesNamed } from "../../model/nodes.js";
import { allCollected, applyBatch, applyFirstBatch, revertBatch, type SourceEntry } from "./sources.js";
import { ModelStore, type Delta } from "./store.js";
import type { Dirty, EngineOptions, EngineUpdate, SourceChange } from "./types.js";

const diagnosticKey = (d: Diagnostic): string => `${d.code} ${d.span?.file ?? ""} ${d.span?.start ?? ""} ${d.message}`;

const EMPTY_DIRTY: Dirty = { chains: [], ipsets: [], hooks: false };

/** A model delta that changes nothing (the node's interfaces changed, not the model). */
const noChange = (): Delta => ({ full: false, endpoints: new Map(), policies: new Map(), networkSets: new Map(), hostEndpoints: new Map(), profiles: new Set(), tiers: false });

/**
 * Whether a source holds only pods and workload endpoints scheduled elsewhere (or nowhere): such
 * endpoints are members of this node's ipsets and nothing more (no chain names them).
 */
function remoteOnly(collected: readonly AnyCollected[] | undefined, node: string): boolean {
  for (const c of collected ?? []) {
    const spec = (c.input as { readonly spec?: { readonly node?: unknown; readonly nodeName?: unknown } }).spec;
    if (c.kind === "k8s/Pod") {
      if (spec?.nodeName === node) return false;
    } else if (c.kind === "calico/WorkloadEndpoint") {
      if (spec?.node === node) return false;
    } else return false;
  }
  return true;
}

const isEmpty = (d: Dirty): boolean => d.chains.length === 0 && d.ipsets.length === 0 && !d.hooks;

/** Whether what a delta brings in uses IPv6 (compile.ts usesIpv6, over the changed entities only). */
function deltaUsesIpv6(delta: Delta, store: ModelStore): boolean {
  for (const c of delta.endpoints.values()) if (c.after?.ipNetworks.some(isIpv6)) return true;
  for (const c of delta.hostEndpoints.values()) if (c.after?.expectedIPs.some(isIpv6)) return true;
  for (const c of delta.networkSets.values()) if (c.after?.nets.some(isIpv6)) return true;
  for (const c of delta.policies.values()) if (c.after && (c.after.ingress.some(ruleUsesIpv6) || c.after.egress.some(ruleUsesIpv6))) return true;
  for (const name of delta.profiles) {
    const p = store.profile(name);
    if (p && (p.ingress.some(ruleUsesIpv6) || p.egress.some(ruleUsesIpv6))) return true;
  }
  return false;
}

export class AgentEngine {
  private readonly sources = new Map<string, SourceEntry>();
  private readonly node: string;
  private readonly endpointToHostAction;
  private readonly failsafe: NonNullable<CompileOptions["failsafe"]>;
  /** The node's interfaces (the agent reads and follows them): they place expectedIPs-only host endpoints. */
  private hostInterfaces: CompileOptions["hostInterfaces"];
  private store = new ModelStore();
  private nodeState: NodeState;
  private state: DataplaneState;
  /** The IPv6 family, once IPv6 was in play. */
  private nodeState6: NodeState | undefined;
  private state6: DataplaneState | undefined;

  constructor(options: EngineOptions) {
    this.node = options.node;
    this.endpointToHostAction = options.compile?.endpointToHostAction ?? "ACCEPT";
    this.failsafe = options.compile?.failsafe ?? {};
    this.hostInterfaces = options.compile?.hostInterfaces;
    const { node, delta } = this.rebuild();
    this.nodeState = node;
    this.state = node.state();
    if (deltaUsesIpv6(delta, this.store)) this.startIpv6();
  }

  /** The IPv4 state: compile(model, { ipVersion: 4 }). */
  current(): DataplaneState {
    return this.state;
  }

  /** The IPv6 state (compile(model, { ipVersion: 6 })) once IPv6 was in play; undefined before. */
  current6(): DataplaneState | undefined {
    return this.state6;
  }

  /** The nodes the endpoints in force are on (model/nodes.ts), sorted: the agent checks its own is among them before its first write. */
  nodes(): string[] {
    return nodesNamed(this.store.endpoints.values(), this.store.hostEndpoints.values());
  }

  /** The model of the sources in force (rebuilt from the parsed sources, no re-parse). */
  model(): Model {
    return buildModel(allCollected(this.sources), []);
  }

  private result(dirty: Dirty, dirty6: Dirty | undefined, diagnostics: Diagnostic[], rejected: readonly string[], membersOnly: readonly string[] = []): EngineUpdate {
    const v6 = this.state6 === undefined ? {} : { desired6: this.state6, dirty6: dirty6 ?? EMPTY_DIRTY };
    return { kind: "EngineUpdate", desired: this.state, dirty, ...v6, diagnostics, rejected, ...(membersOnly.length > 0 && { membersOnly }) };
  }

  update(changes: readonly SourceChange[]): EngineUpdate {
    // An empty engine's first batch (start, restart) is one build, as compile's (sources.ts).
    const first = this.sources.size === 0 ? applyFirstBatch(this.sources, changes) : null;
    const batch = first ?? applyBatch(this.sources, changes);
    const diagnostics: Diagnostic[] = [...batch.diagnostics];
    if (batch.changed.size === 0) return this.result(EMPTY_DIRTY, undefined, diagnostics, batch.rejected);
    const removed: AnyCollected[] = [];
    const added: AnyCollected[] = [];
    for (const [name, before] of batch.changed) {
      if (before !== undefined) removed.push(...before.collected);
      const now = this.sources.get(name);
      if (now !== undefined) added.push(...now.collected);
    }
    const previous = this.state;
    const delta = this.store.apply(removed, added, false, first === null ? undefined : { model: first.model, diagnostics: first.modelDiagnostics });
    const dirty = this.advance(delta, previous);
    const errors = this.nodeState.errors();
    if (errors.length > 0) {
      // Undo the batch the same way it was done, so the state is the last good one again.
      revertBatch(this.sources, batch.changed);
      this.advance(this.store.apply(added, removed), previous);
      this.nodeState.forgetSleep();
      diagnostics.push(...errors);
      const rejected = [...new Set([...batch.rejected, ...batch.changed.keys()])].sort();
      this.state = this.nodeState.state();
      return this.result(EMPTY_DIRTY, undefined, diagnostics, rejected);
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
    const tablesChanged = this.nodeState.takeTablesChanged();
    if (!isEmpty(dirty) || tablesChanged || delta.full) this.state = this.nodeState.state();
    const dirty6 = this.advance6(delta);
    const membersOnly = [...batch.changed].flatMap(([name, before]) => (remoteOnly(before?.collected, this.node) && remoteOnly(this.sources.get(name)?.collected, this.node) ? [name] : [])).sort();
    return this.result(dirty, dirty6, diagnostics, batch.rejected, membersOnly);
  }

  /** The IPv6 family follows an accepted delta (or starts, when the delta brings IPv6 in). */
  private advance6(delta: Delta): Dirty | undefined {
    const node6 = this.nodeState6;
    if (node6 === undefined || delta.full) {
      if (node6 === undefined && !deltaUsesIpv6(delta.full ? this.store.everything() : delta, this.store)) return undefined;
      const previous = this.state6 ?? { kind: "DataplaneState", ipVersion: 6, chains: [], hooks: [], ipsets: [] };
      this.startIpv6();
      return dirtyBetween(previous, this.state6 as DataplaneState);
    }
    const dirty6 = node6.apply(delta);
    const tablesChanged = node6.takeTablesChanged();
    if (!isEmpty(dirty6) || tablesChanged) this.state6 = node6.state();
    return dirty6;
  }

  /** Apply a model delta to the IPv4 node state, or rebuild when the store asks for it. */
  private advance(delta: Delta, previous: DataplaneState): Dirty {
    if (!delta.full) return this.nodeState.apply(delta);
    this.nodeState = this.rebuild().node;
    return dirtyBetween(previous, this.nodeState.state());
  }

  private newNode(ipVersion: 4 | 6): NodeState {
    const node = new NodeState(this.node, ipVersion, this.endpointToHostAction, this.failsafe, this.store.tierList(), this.store);
    node.setHostInterfaces(this.hostInterfaces);
    return node;
  }

  /**
   * The node's interfaces changed (an address added, moved or removed): host endpoints that give
   * only expectedIPs are placed again and follow their addresses; only the host endpoints whose
   * placement changed are recomputed. Should the new list make the state uncompilable, the
   * previous list and state stay.
   */
  setHostInterfaces(list: NonNullable<CompileOptions["hostInterfaces"]>): EngineUpdate {
    const previous = this.state;
    const before = this.hostInterfaces;
    const place = (interfaces: CompileOptions["hostInterfaces"]): { dirty: Dirty; dirty6: Dirty | undefined } => {
      this.hostInterfaces = interfaces;
      const dirty6 = (() => {
        const node6 = this.nodeState6;
        if (node6 === undefined) return undefined;
        node6.setHostInterfaces(interfaces);
        const d = node6.apply(noChange(), true);
        if (!isEmpty(d) || node6.takeTablesChanged()) this.state6 = node6.state();
        return d;
      })();
      this.nodeState.setHostInterfaces(interfaces);
      const dirty = this.nodeState.apply(noChange(), true);
      if (!isEmpty(dirty) || this.nodeState.takeTablesChanged()) this.state = this.nodeState.state();
      return { dirty, dirty6 };
    };
    const { dirty, dirty6 } = place(list);
    const errors = this.nodeState.errors();
    if (errors.length > 0) {
      place(before);
      this.nodeState.forgetSleep();
      this.state = previous;
      return this.result(EMPTY_DIRTY, undefined, [...errors], []);
    }
    return this.result(dirty, dirty6, [], []);
  }


  /** Model and IPv4 node state from every parsed source (start-up, and changes not followed incrementally). */
  private rebuild(): { node: NodeState; delta: Delta } {
    this.store = new ModelStore();
    const delta = this.store.apply([], allCollected(this.sources), true);
    const node = this.newNode(4);
    node.apply(delta);
    node.takeTablesChanged();
    return { node, delta };
  }

  /** The IPv6 node state from the model in force (the store holds it), built once. */
  private startIpv6(): void {
    const node6 = this.newNode(6);
    node6.apply(this.store.everything());
    node6.takeTablesChanged();
    this.nodeState6 = node6;
    this.state6 = node6.state();
  }
}
