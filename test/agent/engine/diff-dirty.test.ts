/**
 * diffDirty's law: when the current kernel agrees with the desired state outside the dirty
 * names (foreign content anywhere), diffDirty gives exactly what diff gives. The dirty list may
 * name more than what changed (an engine may over-approximate), never less.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { advanceKernelView, diffDirty, dirtyBetween } from "../../../src/agent/engine/index.js";
import { diff } from "../../../src/diff/diff.js";
import { kernelStateOf } from "../../../src/diff/kernel-state.js";
import { ModelKernel } from "../../diff/model-kernel.js";
import { applyTo } from "../../diff/harness.js";
import { dataplaneState, foreign } from "../../diff/generators.js";

const BACKENDS = ["legacy", "nft"] as const;
const EXTRA_CHAINS = ["cali-pi-a", "cali-tw-cali1", "cali-zzz"];
const EXTRA_SETS = ["cali40s:aaa", "cali40n:ppp", "cali40s:zzz"];

describe.each(BACKENDS)("diffDirty (%s)", (backend) => {
  it("equals diff when the kernel holds the previous desired state", () => {
    fc.assert(
      fc.property(dataplaneState, dataplaneState, fc.subarray(EXTRA_CHAINS), fc.subarray(EXTRA_SETS), (a, b, xc, xs) => {
        const exact = dirtyBetween(a, b);
        const dirty = { chains: [...exact.chains, ...xc], ipsets: [...exact.ipsets, ...xs], hooks: exact.hooks };
        expect(diffDirty(kernelStateOf(a), b, dirty, { backend })).toEqual(diff(kernelStateOf(a), b, { backend }));
      }),
      { numRuns: 400 },
    );
  });

  it("equals diff with foreign rules, chains and sets in the kernel", () => {
    fc.assert(
      fc.property(foreign, dataplaneState, dataplaneState, (f, a, b) => {
        const kernel = new ModelKernel(backend);
        kernel.ipsetRestore(f.ipsets);
        kernel.iptablesRestore(f.iptables);
        applyTo(kernel, diff(kernel.state(), a, { backend }));
        const current = kernel.state();
        expect(diffDirty(current, b, dirtyBetween(a, b), { backend })).toEqual(diff(current, b, { backend }));
      }),
      { numRuns: 300 },
    );
  });

  it("is empty when nothing is dirty, and misses what is not named", () => {
    fc.assert(
      fc.property(dataplaneState, (a) => {
        const tx = diffDirty(kernelStateOf(a), a, { chains: [], ipsets: [], hooks: false }, { backend });
        expect([...tx.ipsetsBefore, ...tx.iptables, ...tx.ipsetsAfter]).toEqual([]);
      }),
      { numRuns: 100 },
    );
    // Restricted means restricted: a changed chain that is not named is not written.
    const a = { kind: "DataplaneState" as const, ipVersion: 4 as const, chains: [{ name: "cali-x", rules: [] }], hooks: [], ipsets: [] };
    const b = { ...a, chains: [{ name: "cali-x", rules: [{ hash: "abcdefghijklmnop", comments: [], match: "", action: "--jump ACCEPT" }] }] };
    expect(diffDirty(kernelStateOf(a), b, { chains: [], ipsets: [], hooks: false }, { backend }).iptables).toEqual([]);
    expect(diffDirty(kernelStateOf(a), b, { chains: ["cali-x"], ipsets: [], hooks: false }, { backend }).iptables).toEqual(diff(kernelStateOf(a), b, { backend }).iptables);
  });
});

describe("advanceKernelView", () => {
  it("after diffDirty, the view advanced over dirty is the kernel's owned state", () => {
    fc.assert(
      fc.property(dataplaneState, dataplaneState, (a, b) => {
        const kernel = new ModelKernel("legacy");
        applyTo(kernel, diff(kernel.state(), a));
        const dirty = dirtyBetween(a, b);
        applyTo(kernel, diffDirty(kernel.state(), b, dirty));
        const view = advanceKernelView(kernelStateOf(a), b, dirty);
        expect(view).toEqual(kernelStateOf(b));
        expect(diff(view, b)).toEqual(diff(kernel.state(), b));
      }),
      { numRuns: 200 },
    );
  });

  it.each(["insert", "append"] as const)("with foreign rules and sets, in %s hook mode, is what the kernel holds after diffDirty", (hookMode) => {
    fc.assert(
      fc.property(foreign, dataplaneState, dataplaneState, (f, a, b) => {
        const kernel = new ModelKernel("legacy");
        kernel.ipsetRestore(f.ipsets);
        kernel.iptablesRestore(f.iptables);
        applyTo(kernel, diff(kernel.state(), a, { hookMode }));
        const before = kernel.state();
        const dirty = dirtyBetween(a, b);
        applyTo(kernel, diffDirty(before, b, dirty, { hookMode }));
        const view = advanceKernelView(before, b, dirty, hookMode);
        const truth = kernel.state();
        // Same chains and rules, same sets with the same members (create options are the kernel's business).
        expect(view.chains).toEqual(truth.chains);
        expect(view.ipsets.map((s) => ({ ...s, options: [] }))).toEqual(truth.ipsets.map((s) => ({ ...s, options: [] })));
        expect(diff(view, b, { hookMode })).toEqual(diff(truth, b, { hookMode }));
      }),
      { numRuns: 200 },
    );
  });

  it("patches a set from its member delta without looking at the desired members", () => {
    const a = { kind: "DataplaneState" as const, ipVersion: 4 as const, chains: [], hooks: [], ipsets: [{ name: "cali40s:x", type: "hash:net" as const, family: "inet" as const, maxelem: 1048576, members: ["10.0.0.1/32", "10.0.0.2/32"] }] };
    const b = { ...a, ipsets: [{ ...a.ipsets[0]!, members: ["10.0.0.1/32", "10.0.0.3/32"] }] };
    const dirty = dirtyBetween(a, b);
    expect(dirty.members).toEqual(new Map([["cali40s:x", { added: ["10.0.0.3/32"], removed: ["10.0.0.2/32"] }]]));
    expect(diffDirty(kernelStateOf(a), b, dirty).ipsetsBefore).toEqual(["del cali40s:x 10.0.0.2/32 --exist", "add cali40s:x 10.0.0.3/32"]);
    // The delta is trusted: a lie in it shows (this is why it must be exact).
    const lie = { ...dirty, members: new Map([["cali40s:x", { added: ["10.0.0.9/32"], removed: [] }]]) };
    expect(diffDirty(kernelStateOf(a), b, lie).ipsetsBefore).toEqual(["add cali40s:x 10.0.0.9/32"]);
    expect(advanceKernelView(kernelStateOf(a), b, lie).ipsets[0]?.members).toEqual(["10.0.0.1/32", "10.0.0.2/32", "10.0.0.9/32"]);
  });
});
