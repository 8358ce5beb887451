/**
 * mergeDirty's law: the Dirty of two updates in a row, merged, plans against the state before
 * the first exactly what a full diff plans to the state after the second, and advances the
 * agent's view to that state; its member deltas are the net ones.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { advanceKernelView, diffDirty, dirtyBetween } from "../../src/agent/engine/index.js";
import { memberDelta } from "../../src/agent/engine/dirty.js";
import { composeDelta, mergeDirty } from "../../src/agent/merge-dirty.js";
import { diff } from "../../src/diff/diff.js";
import { kernelStateOf } from "../../src/diff/kernel-state.js";
import { dataplaneState } from "../diff/generators.js";

describe("mergeDirty", () => {
  it("two updates merged plan exactly the full diff from the first state to the last, and advance the view to it", () => {
    fc.assert(
      fc.property(dataplaneState, dataplaneState, dataplaneState, (a, b, c) => {
        const merged = mergeDirty(dirtyBetween(a, b), dirtyBetween(b, c));
        for (const backend of ["legacy", "nft"] as const) {
          expect(diffDirty(kernelStateOf(a), c, merged, { backend })).toEqual(diff(kernelStateOf(a), c, { backend }));
        }
        expect(advanceKernelView(kernelStateOf(a), c, merged)).toEqual(kernelStateOf(c));
        const setsA = new Map(a.ipsets.map((s) => [s.name, s]));
        const setsC = new Map(c.ipsets.map((s) => [s.name, s]));
        for (const [name, d] of merged.members ?? []) {
          const before = setsA.get(name);
          const after = setsC.get(name);
          expect(before && after).toBeTruthy();
          if (before && after) expect(d).toEqual(memberDelta(before, after));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("composes deltas: a member added then removed is no change; removed then added again is none either", () => {
    expect(composeDelta({ added: ["10.0.0.1/32", "10.0.0.2/32"], removed: ["10.0.0.9/32"] }, { added: ["10.0.0.9/32", "10.0.0.3/32"], removed: ["10.0.0.1/32"] })).toEqual({
      added: ["10.0.0.2/32", "10.0.0.3/32"],
      removed: [],
    });
    // A set created or retyped in either update (dirty without a delta) is compared whole.
    const d = { added: ["10.0.0.1/32"], removed: [] };
    expect(mergeDirty({ chains: [], ipsets: ["s"], hooks: false }, { chains: [], ipsets: ["s"], hooks: false, members: new Map([["s", d]]) }).members).toBeUndefined();
    expect(mergeDirty({ chains: ["b"], ipsets: ["s"], hooks: false, members: new Map([["s", d]]) }, { chains: ["a"], ipsets: [], hooks: true })).toEqual({ chains: ["a", "b"], ipsets: ["s"], hooks: true, members: new Map([["s", d]]) });
  });
});
