/**
 * The engine's state in Felix's nftables mode. The engine keeps one family's node as printed
 * iptables chains (node.ts); each printed chain and hook list remembers the IR it came from
 * (render/iptables/print.ts irChainOf), so this renders the same NodeIr through the nftables
 * renderer (renderNft): Felix's `rules → generictables → iptables|nftables`, one engine, two
 * printers. The result is compileNft(model) byte for byte (test/agent/engine/nft-law.test.ts).
 *
 * Incremental by identity: a chain whose IR object did not change is printed once, a set whose
 * IpSet object did not change is converted once, so an unchanged part of the table is the same
 * object in the next state and `nftDirtyBetween` (diff/nftables/dirty.ts) finds what changed by
 * comparing references. A set with an exact member delta from the engine (Dirty.members) that
 * was a plain (non-interval) set is patched from its previous value instead of converted whole
 * (a 100k-element set gaining one pod); the element delta is remembered for the transaction.
 */
import { irChainOf, irHooksOf } from "../../render/iptables/print.js";
import type { IrChain } from "../../render/ir.js";
import type { NodeIr } from "../../render/node-view.js";
import { nftChain, type Layer, type NftSetNames } from "../../render/nftables/print.js";
import { nftSet, renderNft } from "../../render/nftables/render.js";
import type { NftChain, NftDataplaneState, NftSet } from "../../render/nftables/types.js";
import type { Chain, DataplaneState, IpSet, KernelChainHooks } from "../../render/types.js";
import type { NftElementDelta } from "../../diff/nftables/dirty.js";
import type { MemberDelta } from "./types.js";

/** Workload endpoint ingress chains (`cali-tw-<interface>`) name the dispatch map's keys. */
const WORKLOAD_INGRESS = "cali-tw-";

function irOf(c: Chain): IrChain {
  const ir = irChainOf(c);
  if (ir === undefined) throw new Error(`chain ${c.name} was not printed from the rule IR`);
  return ir;
}

function irHooks(h: KernelChainHooks): NonNullable<ReturnType<typeof irHooksOf>> {
  const ir = irHooksOf(h);
  if (ir === undefined) throw new Error(`hook rules of ${h.chain} were not printed from the rule IR`);
  return ir;
}

/** A set patched from its previous value: where from, and what changed (elements as written). */
export interface PatchedSet {
  readonly from: NftSet;
  readonly delta: NftElementDelta;
}

export class NftProjection {
  /** Per layer and IR chain: the printed chain, and the nft names of the sets it uses then. */
  private readonly chains = new Map<Layer, WeakMap<IrChain, { readonly out: NftChain; readonly sets: string }>>();
  /** The ipsets each IR chain's rules match (their nft names follow the sets' layout). */
  private readonly uses = new WeakMap<IrChain, readonly string[]>();
  private readonly sets = new WeakMap<IpSet, NftSet>();
  /** The last conversion of each set name (the base a member delta applies to). */
  private readonly lastSet = new Map<string, { readonly ipset: IpSet; readonly nft: NftSet }>();
  /** Sets made by patching, with their element delta. */
  readonly patched = new WeakMap<NftSet, PatchedSet>();

  /** The nftables table of `state`; `members`: the engine's exact member deltas since the previous state projected. */
  project(state: DataplaneState, members?: ReadonlyMap<string, MemberDelta>): NftDataplaneState {
    const chains = state.chains.map(irOf);
    const workloadInterfaces = chains.flatMap((c) => (c.name.startsWith(WORKLOAD_INGRESS) ? [c.name.slice(WORKLOAD_INGRESS.length)] : [])).sort();
    const ir: NodeIr = {
      ipVersion: state.ipVersion,
      chains,
      hooks: state.hooks.map(irHooks),
      ipsets: state.ipsets,
      ...(state.tables !== undefined && { tables: state.tables.map((t) => ({ table: t.table, chains: t.chains.map(irOf), hooks: t.hooks.map(irHooks) })) }),
      workloadInterfaces,
    };
    // References are checked for what changed, as the step is planned (planNftDirty).
    const out = renderNft(ir, { chain: (c, family, layer, sets) => this.chain(c, family, layer, sets), set: (s) => this.set(s, members?.get(s.name)), checkReferences: false });
    for (const s of state.ipsets) this.lastSet.set(s.name, { ipset: s, nft: this.sets.get(s) as NftSet });
    return out;
  }

  private chain(c: IrChain, family: "ip" | "ip6", layer: Layer, setNames: NftSetNames): NftChain {
    let memo = this.chains.get(layer);
    if (memo === undefined) this.chains.set(layer, (memo = new WeakMap()));
    let uses = this.uses.get(c);
    if (uses === undefined) this.uses.set(c, (uses = [...new Set(c.rules.flatMap((r) => r.match.flatMap((m) => (m.kind === "ipSet" || m.kind === "ipPortSet" ? [m.set] : []))))]));
    // A set that changed layout changed its name, and with it the text of the rules that use it.
    const sets = uses.map((n) => setNames.get(n) ?? "").join(" ");
    const hit = memo.get(c);
    if (hit !== undefined && hit.sets === sets) return hit.out;
    const out = nftChain(c, family, layer, setNames);
    memo.set(c, { out, sets });
    return out;
  }

  private set(s: IpSet, delta: MemberDelta | undefined): NftSet {
    const hit = this.sets.get(s);
    if (hit !== undefined) return hit;
    const last = this.lastSet.get(s.name);
    const out = (delta !== undefined && last !== undefined && this.patch(last.nft, s, delta)) || nftSet(s);
    this.sets.set(s, out);
    return out;
  }

  /**
   * A plain set after a member delta: the previous elements without the removed members'
   * elements, merged with the added ones (both sorted, as nftSet sorts). False when the delta
   * cannot be applied element by element: an interval set (it coalesces); an added member that
   * would not keep the set's layout (a CIDR joining a host-address set makes it a new, interval
   * set); a removed element that is not there; a count that does not add up.
   */
  private patch(prev: NftSet, s: IpSet, delta: MemberDelta): NftSet | false {
    if (prev.interval) return false;
    // Each member as a set of its own: its element, and the layout it alone would give.
    const alone = (m: string): NftSet => nftSet({ ...s, members: [m] });
    const keeps = (one: NftSet): boolean => one.name === prev.name && one.type === prev.type && !one.interval;
    const added: string[] = [];
    for (const m of delta.added) {
      const one = alone(m);
      if (!keeps(one)) return false;
      added.push(...one.elements);
    }
    if (delta.added.length === 0 && !keeps(nftSet({ ...s, members: [] }))) return false;
    const removed = new Set(delta.removed.flatMap((m) => alone(m).elements));
    added.sort();
    const elements: string[] = [];
    let gone = 0;
    let j = 0;
    for (const e of prev.elements) {
      if (removed.has(e)) {
        gone++;
        continue;
      }
      while (j < added.length && (added[j] as string) < e) elements.push(added[j++] as string);
      if (j < added.length && added[j] === e) return false;
      elements.push(e);
    }
    while (j < added.length) elements.push(added[j++] as string);
    if (gone !== removed.size || elements.length !== s.members.length) return false;
    const out: NftSet = { ...prev, elements };
    this.patched.set(out, { from: prev, delta: { added: [...added], removed: [...removed].sort() } });
    return out;
  }
}
