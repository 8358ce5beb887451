/**
 * Lingering sets (src/agent/linger.ts) on the model kernel: a set no rule needs any more stays in
 * the kernel and in the agent's view; when it is wanted again the transaction is its member delta,
 * not a create and a refill; the next full diff (a converge) destroys what still lingers; at most
 * MAX_LINGERING sets wait.
 */
import { describe, expect, it } from "vitest";
import { advanceKernelView, diffDirty, dirtyBetween } from "../../src/agent/engine/index.js";
import { MAX_LINGERING, keepUnwantedSets, withKept } from "../../src/agent/linger.js";
import { diff } from "../../src/diff/diff.js";
import type { KernelState } from "../../src/diff/kernel-state.js";
import { isEmptyTransaction } from "../../src/diff/transaction.js";
import type { DataplaneState } from "../../src/render/types.js";
import { applyTo, chain, ipset, state } from "../diff/harness.js";
import { ModelKernel } from "../diff/model-kernel.js";

const members = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `10.1.${(from + i) >> 8}.${(from + i) & 255}/32`);
const using = (...names: string[]): DataplaneState =>
  state({ chains: [chain("cali-pi-x", names.map((n) => ({ match: `-m set --match-set ${n} src`, action: "--jump ACCEPT" })))], ipsets: names.map((n, i) => ipset(n, members(50, i * 50))) });
const withoutOptions = (k: KernelState) => k.ipsets.map((s) => ({ ...s, options: [] }));

/** One agent step on the model kernel: plan against the view, keep unwanted sets, advance the view. */
function step(kernel: ModelKernel, view: KernelState, before: DataplaneState, after: DataplaneState) {
  const dirty = dirtyBetween(before, after);
  const { tx, kept } = keepUnwantedSets(diffDirty(view, after, dirty), view, after);
  applyTo(kernel, tx);
  return { tx, view: withKept(advanceKernelView(view, after, dirty), kept) };
}

describe("lingering sets", () => {
  it("stay when unwanted, come back as a delta, and go at the next converge", () => {
    const kernel = new ModelKernel("legacy");
    const a = using("cali40s:big");
    applyTo(kernel, diff(kernel.state(), a));
    const b = state({ chains: [chain("cali-pi-x", [])] });
    const off = step(kernel, kernel.state(), a, b);
    expect(off.tx.ipsetsAfter).toEqual([]);
    expect(kernel.state().ipsets.map((s) => s.name)).toEqual(["cali40s:big"]);
    expect(withoutOptions(off.view)).toEqual(withoutOptions(kernel.state()));

    // Wanted again with one member changed: a two-line delta, no create, no 50 adds.
    const c = { ...a, ipsets: [ipset("cali40s:big", [...members(49), "10.9.9.9/32"])] };
    const on = step(kernel, off.view, b, c);
    expect(on.tx.ipsetsBefore).toEqual(["del cali40s:big 10.1.0.49/32 --exist", "add cali40s:big 10.9.9.9/32"]);
    expect(isEmptyTransaction(diff(kernel.state(), c))).toBe(true);
    expect(withoutOptions(on.view)).toEqual(withoutOptions(kernel.state()));

    // Unwanted again, then a converge (a full diff): destroyed.
    const again = step(kernel, on.view, c, b);
    expect(kernel.state().ipsets).toHaveLength(1);
    const converge = diff(kernel.state(), b);
    expect(converge.ipsetsAfter).toEqual(["destroy cali40s:big"]);
    applyTo(kernel, converge);
    expect(kernel.state().ipsets).toEqual([]);
    void again;
  });

  it(`keeps at most ${MAX_LINGERING} sets waiting`, () => {
    const names = Array.from({ length: MAX_LINGERING + 3 }, (_, i) => `cali40s:s${String(i).padStart(2, "0")}`);
    const kernel = new ModelKernel("legacy");
    const a = using(...names);
    applyTo(kernel, diff(kernel.state(), a));
    const b = state({ chains: [chain("cali-pi-x", [])] });
    const off = step(kernel, kernel.state(), a, b);
    expect(off.tx.ipsetsAfter).toEqual(names.slice(MAX_LINGERING).map((n) => `destroy ${n}`));
    expect(kernel.state().ipsets.map((s) => s.name)).toEqual(names.slice(0, MAX_LINGERING));
    expect(withoutOptions(off.view)).toEqual(withoutOptions(kernel.state()));
  });
});
