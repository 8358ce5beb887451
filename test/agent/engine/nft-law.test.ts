/**
 * The engine's law on native nftables: after any sequence of batches, the engine's state
 * projected to the `calico` table (NftProjection) is compileNft of the sources in force, byte
 * for byte (renderNftScript); nftDirtyBetween names exactly what a full comparison finds, with
 * exact element deltas; and the agent's nftables path on the nft model kernel (planNftDirty
 * against its view, the view advanced) leaves the table in the desired state and the view equal
 * to the table, handles included: every handle the view knows is the kernel's, so a delete by
 * handle deletes the rule it means. No transaction uses `replace rule`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AgentEngine } from "../../../src/agent/engine/index.js";
import { NftProjection } from "../../../src/agent/engine/nft-projection.js";
import { nftDirtyBetween, planNftDirty, type NftDirty } from "../../../src/diff/nftables/dirty.js";
import type { NftKernelState } from "../../../src/diff/nftables/kernel-state.js";
import { diffNft } from "../../../src/diff/nftables/plan.js";
import { nftTransactionInput } from "../../../src/diff/nftables/transaction.js";
import { loadSources } from "../../../src/model/load.js";
import { compileNft } from "../../../src/render/compile.js";
import { renderNftScript } from "../../../src/render/nftables/script.js";
import type { NftDataplaneState } from "../../../src/render/nftables/types.js";
import type { DataplaneState } from "../../../src/render/types.js";
import type { Dirty } from "../../../src/agent/engine/types.js";
import { NftModel } from "../../diff/nftables/model.js";
import { SECURITY_TIER, change, groupBurst, groupChange } from "./changes.js";
import { Oracle, source } from "./oracle.js";

/** The view as the kernel would list it: elements sorted, appended rules' unknown handles taken from the kernel. */
function comparable(view: NftKernelState, kernel: NftKernelState): NftKernelState {
  const chains = new Map(kernel.chains.map((c) => [c.name, c]));
  return {
    ...view,
    chains: [...view.chains]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((c) => ({ ...c, rules: c.rules.map((r, i) => (r.handle === null ? { ...r, handle: chains.get(c.name)?.rules[i]?.handle ?? -1 } : r)) })),
    sets: [...view.sets].sort((a, b) => (a.name < b.name ? -1 : 1)).map((s) => ({ ...s, elements: [...s.elements].sort() })),
    maps: [...view.maps].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

class NftAgentPath {
  private readonly projection = new NftProjection();
  private readonly kernel: NftModel;
  private view: { kernel: NftKernelState; desired: NftDataplaneState };
  /** Element deltas taken from the projection (the cheap path), over all steps. */
  patched = 0;
  handleDeletes = 0;

  constructor(ipVersion: 4 | 6, initial: DataplaneState) {
    this.kernel = new NftModel(ipVersion === 4 ? "ip" : "ip6");
    const desired = this.projection.project(initial);
    this.kernel.run(nftTransactionInput(diffNft(this.kernel.state(), desired)));
    this.view = { kernel: this.kernel.state(), desired };
  }

  step(desired: DataplaneState, dirty: Dirty, expected: NftDataplaneState): void {
    const nft = this.projection.project(desired, dirty.members);
    expect(renderNftScript([nft])).toBe(renderNftScript([expected]));
    const nd = nftDirtyBetween(this.view.desired, nft, (s) => this.projection.patched.get(s));
    checkDirty(this.view.desired, nft, nd);
    this.patched += nd.elements.size;
    const { tx, after } = planNftDirty(this.view.kernel, nft, nd);
    expect(tx.lines.filter((l) => l.startsWith("replace "))).toEqual([]);
    this.handleDeletes += tx.lines.filter((l) => / handle \d+$/.test(l)).length;
    this.kernel.run(nftTransactionInput(tx));
    const read = this.kernel.state();
    expect(comparable(after, read)).toEqual(read);
    expect(diffNft(read, nft).lines).toEqual([]);
    // Every third step a resync reads the table (handles of appended rules become known).
    this.steps++;
    this.view = { kernel: this.steps % 3 === 0 ? read : after, desired: nft };
  }

  private steps = 0;
}

/** The dirty names are what a comparison by content finds; element deltas are the exact differences. */
function checkDirty(before: NftDataplaneState, after: NftDataplaneState, nd: NftDirty): void {
  const full = nftDirtyBetween(before, after);
  expect({ chains: nd.chains, sets: nd.sets, maps: nd.maps }).toEqual({ chains: full.chains, sets: full.sets, maps: full.maps });
  for (const [name, delta] of nd.elements) {
    const was = new Set(before.sets.find((s) => s.name === name)?.elements);
    const now = new Set(after.sets.find((s) => s.name === name)?.elements);
    expect(delta).toEqual({ added: [...now].filter((e) => !was.has(e)).sort(), removed: [...was].filter((e) => !now.has(e)).sort() });
  }
}

const compiledNft = (oracle: Oracle, ipVersion: 4 | 6): NftDataplaneState =>
  compileNft(loadSources([...oracle.inForce].map(([f, t]) => source(f, t))).model, { node: "n1", ipVersion });

describe("engine law on nftables", () => {
  it("after any sequence of batches, the projected table is compileNft's and the agent's path keeps the kernel and its view equal", () => {
    let patched = 0;
    let handleDeletes = 0;
    fc.assert(
      fc.property(fc.array(fc.array(change, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 20 }), (batches) => {
        const engine = new AgentEngine({ node: "n1" });
        const oracle = new Oracle("n1");
        const path = new NftAgentPath(4, engine.current());
        let path6: NftAgentPath | undefined;
        for (const batch of batches) {
          const before6 = engine.current6();
          const u = engine.update(batch);
          expect(u.rejected).toEqual(oracle.apply(batch));
          path.step(u.desired, u.dirty, compiledNft(oracle, 4));
          if (u.desired6 !== undefined && u.dirty6 !== undefined) {
            // The IPv6 family starts from the state before it came into play (empty), as the daemon's.
            path6 ??= new NftAgentPath(6, before6 ?? { kind: "DataplaneState", ipVersion: 6, chains: [], hooks: [], ipsets: [] });
            path6.step(u.desired6, u.dirty6, compiledNft(oracle, 6));
          }
        }
        patched += path.patched;
        handleDeletes += path.handleDeletes;
      }),
      { numRuns: 100 },
    );
    // The cheap paths must really be taken: element deltas of plain sets, deletes by handle.
    console.log(`[nft law] element deltas ${patched}, deletes by handle ${handleDeletes}`);
    expect(patched).toBeGreaterThan(20);
    expect(handleDeletes).toBeGreaterThan(20);
  }, 240_000);

  it("holds while policy groups form, split and break, host endpoints (mangle, raw) included", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: fc.array(groupChange, { minLength: 1, maxLength: 6 }) }, { weight: 1, arbitrary: groupBurst }), { minLength: 1, maxLength: 10 }), (batches) => {
        const engine = new AgentEngine({ node: "n1" });
        const oracle = new Oracle("n1");
        const path = new NftAgentPath(4, engine.current());
        for (const batch of [[SECURITY_TIER], ...batches]) {
          const u = engine.update(batch);
          expect(u.rejected).toEqual(oracle.apply(batch));
          path.step(u.desired, u.dirty, compiledNft(oracle, 4));
        }
      }),
      { numRuns: 60 },
    );
  }, 240_000);
});
