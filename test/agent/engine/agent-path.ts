/**
 * The daemon's path for one IP family, on a model kernel, for the engine laws: each update is
 * checked (dirty names what a full comparison finds; member deltas are exact, and a set back from
 * dormancy carries its delta from the members it had when last desired), planned with planStep
 * against the view (lingering sets kept), applied to the model kernel; then the view must be the
 * kernel and the kernel must hold the desired state.
 */
import { expect } from "vitest";
import { dirtyBetween, diffDirty, type Dirty } from "../../../src/agent/engine/index.js";
import { planStep } from "../../../src/agent/plan.js";
import { diff } from "../../../src/diff/diff.js";
import { kernelStateOf, type KernelState } from "../../../src/diff/kernel-state.js";
import type { DataplaneState, IpSet } from "../../../src/render/types.js";
import { applyTo } from "../../diff/harness.js";
import { ModelKernel } from "../../diff/model-kernel.js";

/** A kernel state without the mangle/raw chains that hold nothing (an empty table reads as no table). */
export function comparable(k: KernelState): KernelState {
  const tables = (k.tables ?? []).map((t) => ({ ...t, chains: t.chains.filter((c) => c.rules.length > 0 || c.name.startsWith("cali-")) })).filter((t) => t.chains.length > 0);
  return { ...k, tables };
}

export class AgentPath {
  private readonly kernel = new ModelKernel("legacy");
  private view: KernelState;
  private readonly lastDesired = new Map<string, IpSet>();

  constructor(
    private readonly ipVersion: 4 | 6,
    initial: DataplaneState,
  ) {
    applyTo(this.kernel, diff(this.kernel.state(ipVersion), initial));
    // A real read returns every table (filter, mangle, raw); an empty mangle/raw reads as none of ours.
    this.view = kernelStateOf({ ...initial, tables: [{ table: "mangle", chains: [], hooks: [] }, { table: "raw", chains: [], hooks: [] }] });
    expect(comparable(this.view)).toEqual(comparable(this.kernel.state(ipVersion)));
    for (const x of initial.ipsets) this.lastDesired.set(x.name, x);
  }

  step(before: DataplaneState, desired: DataplaneState, dirty: Dirty): void {
    const { members, ...names } = dirty;
    const { members: expected, ...expectedNames } = dirtyBetween(before, desired);
    expect(names).toEqual(expectedNames);
    for (const [name, delta] of members ?? []) {
      const now = desired.ipsets.find((x) => x.name === name);
      const last = before.ipsets.some((x) => x.name === name) ? undefined : this.lastDesired.get(name);
      if (last === undefined || now === undefined) expect(delta).toEqual(expected?.get(name));
      else expect(delta).toEqual(dirtyBetween({ ...before, chains: [], ipsets: [last] }, { ...before, chains: [], ipsets: [now] }).members?.get(name) ?? { added: [], removed: [] });
    }
    for (const [name, delta] of expected ?? []) expect(members?.get(name)).toEqual(delta);
    for (const x of desired.ipsets) this.lastDesired.set(x.name, x);
    const { tx, after } = planStep(this.view, desired, dirty, diffDirty, { hookMode: "insert" });
    applyTo(this.kernel, tx);
    expect(after).toBeDefined();
    this.view = after ?? this.view;
    // The view is the kernel; the kernel holds the desired state (and at most lingering sets).
    const kernel = this.kernel.state(this.ipVersion);
    expect(comparable(this.view)).toEqual(comparable(kernel));
    const rest = diff(kernel, desired);
    expect(rest.iptables).toEqual([]);
    expect(rest.ipsetsBefore).toEqual([]);
  }
}
