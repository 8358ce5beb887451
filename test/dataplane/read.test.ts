/**
 * How Dataplane.apply reads the kernel (src/dataplane/read.ts), on the model kernel: which
 * programs run, and that the cheaper reads still end in exactly the desired state.
 */
import { describe, expect, it } from "vitest";
import { Dataplane } from "../../src/dataplane/dataplane.js";
import { diff } from "../../src/diff/diff.js";
import { isEmptyTransaction } from "../../src/diff/transaction.js";
import type { DataplaneState } from "../../src/render/types.js";
import { ModelKernel } from "../diff/model-kernel.js";
import { chain, hooks, ipset, state } from "../diff/harness.js";
import { modelRunner, type Call } from "./model-runner.js";

const BIG = "cali40s:big";
const SMALL = "cali40s:small";
/** 10,000 pod addresses: enough that reading the big set back costs more than a few calls. */
const PODS = Array.from({ length: 10_000 }, (_, i) => `10.1.${i >> 8}.${i & 255}/32`);

function desired(small: readonly string[]): DataplaneState {
  return state({
    chains: [chain("cali-FORWARD", [{ match: `-m set --match-set ${BIG} src -m set --match-set ${SMALL} dst`, action: "--jump ACCEPT" }])],
    hooks: [hooks("FORWARD", [{ action: "--jump cali-FORWARD" }])],
    ipsets: [ipset(BIG, PODS), ipset(SMALL, small)],
  });
}

function setup(ipsetRefreshMs?: number) {
  const kernel = new ModelKernel("legacy");
  const { runner, calls } = modelRunner(kernel);
  let clock = 0;
  const dp = new Dataplane({
    backend: "legacy",
    runner,
    sleep: async () => undefined,
    now: () => clock,
    exists: (name) => name.includes("-legacy-"),
    ...(ipsetRefreshMs === undefined ? {} : { ipsetRefreshMs }),
  });
  const commands = (from: number): string[] => calls.slice(from).map((c: Call) => `${c.file} ${c.args.join(" ")}`);
  return { kernel, dp, calls, commands, advance: (ms: number) => void (clock += ms) };
}

const settled = (kernel: ModelKernel, want: DataplaneState) => isEmptyTransaction(diff(kernel.state(), want, { backend: "legacy" }));

describe("verifying a write", () => {
  it("reads the whole filter table but only the ipsets the transaction wrote", async () => {
    const { kernel, dp, calls, commands } = setup();
    await dp.apply(desired(["10.0.0.1/32"]));
    const from = calls.length;
    const result = await dp.apply(desired(["10.0.0.1/32", "10.0.0.2/32"]));
    expect(result.lines).toEqual({ ipset: 1, iptables: 0 });
    expect(commands(from)).toEqual([
      "iptables-legacy-save -t filter",
      "iptables-legacy-save -t mangle",
      "iptables-legacy-save -t raw",
      "ipset save",
      "ipset restore",
      "iptables-legacy-save -t filter",
      "iptables-legacy-save -t mangle",
      "iptables-legacy-save -t raw",
      `ipset save ${SMALL}`,
    ]);
    expect(settled(kernel, desired(["10.0.0.1/32", "10.0.0.2/32"]))).toBe(true);
  });

  it("a first apply, which writes nearly every member, verifies with one full ipset save", async () => {
    const { dp, commands } = setup();
    await dp.apply(desired(["10.0.0.1/32"]));
    expect(commands(0).slice(-4)).toEqual(["iptables-legacy-save -t filter", "iptables-legacy-save -t mangle", "iptables-legacy-save -t raw", "ipset save"]);
  });

  it("a racer changing a written set during the apply is caught and repaired from a full read", async () => {
    const { kernel, dp } = setup();
    await dp.apply(desired(["10.0.0.1/32"]));
    let raced = false;
    const racing = new Dataplane({
      backend: "legacy",
      exists: (name) => name.includes("-legacy-"),
      sleep: async () => undefined,
      runner: async (file, args, input) => {
        const r = await modelRunner(kernel).runner(file, args, input);
        if (file === "ipset" && args[0] === "restore" && !raced) {
          raced = true;
          kernel.ipsetRestore(`del ${SMALL} 10.0.0.1/32\n`);
        }
        return r;
      },
    });
    const result = await racing.apply(desired(["10.0.0.1/32", "10.0.0.2/32"]));
    expect(result.recovered.map((f) => f.step)).toEqual(["verify"]);
    expect(result.transactions[1]?.ipsetsBefore).toEqual([`add ${SMALL} 10.0.0.1/32`]);
    expect(settled(kernel, desired(["10.0.0.1/32", "10.0.0.2/32"]))).toBe(true);
  });
});

describe("the opt-in ipset cache (ipsetRefreshMs)", () => {
  it("is off by default: every apply starts with a full ipset save", async () => {
    const { dp, calls, commands } = setup();
    await dp.apply(desired(["10.0.0.1/32"]));
    const from = calls.length;
    await dp.apply(desired(["10.0.0.1/32"]));
    expect(commands(from)).toEqual(["iptables-legacy-save -t filter", "iptables-legacy-save -t mangle", "iptables-legacy-save -t raw", "ipset save"]);
  });

  it("starts an apply from ipset list -t while the last full read is recent", async () => {
    const { kernel, dp, calls, commands } = setup(90_000);
    await dp.apply(desired(["10.0.0.1/32"]));
    const from = calls.length;
    const result = await dp.apply(desired(["10.0.0.1/32", "10.0.0.2/32"]));
    expect(result.transactions.map((t) => t.ipsetsBefore)).toEqual([[`add ${SMALL} 10.0.0.2/32`]]);
    expect(commands(from)).toEqual([
      "iptables-legacy-save -t filter",
      "iptables-legacy-save -t mangle",
      "iptables-legacy-save -t raw",
      "ipset list -t",
      "ipset restore",
      "iptables-legacy-save -t filter",
      "iptables-legacy-save -t mangle",
      "iptables-legacy-save -t raw",
      `ipset save ${SMALL}`,
    ]);
    expect(settled(kernel, desired(["10.0.0.1/32", "10.0.0.2/32"]))).toBe(true);
  });

  it.each([
    ["a small set", `del ${SMALL} 10.0.0.1/32\n`, [`ipset save ${SMALL}`], [`add ${SMALL} 10.0.0.1/32`]],
    // Reading the big set alone would cost about as much as reading everything.
    ["the big set", `del ${BIG} 10.1.0.7/32\n`, ["ipset save"], [`add ${BIG} 10.1.0.7/32`]],
  ])("reads %s whose entry count changed behind its back, and repairs it", async (_, change, reads, repair) => {
    const { kernel, dp, calls, commands } = setup(90_000);
    const want = desired(["10.0.0.1/32", "10.0.0.2/32"]);
    await dp.apply(want);
    kernel.ipsetRestore(change);
    const from = calls.length;
    const result = await dp.apply(want);
    expect(result.transactions.map((t) => t.ipsetsBefore)).toEqual([repair]);
    expect(commands(from).slice(0, 5 + reads.length)).toEqual(["iptables-legacy-save -t filter", "iptables-legacy-save -t mangle", "iptables-legacy-save -t raw", "ipset list -t", ...reads, "ipset restore"]);
    expect(settled(kernel, want)).toBe(true);
  });

  it("a stale cache makes ipset restore fail on add; the retry starts from a full read", async () => {
    const { kernel, dp } = setup(90_000);
    await dp.apply(desired(["10.0.0.1/32"]));
    // Another program swaps a member: same entry count, so the cache cannot see it.
    kernel.ipsetRestore(`del ${SMALL} 10.0.0.1/32\nadd ${SMALL} 10.0.0.9/32\n`);
    const result = await dp.apply(desired(["10.0.0.1/32", "10.0.0.9/32"]));
    expect(result.recovered.map((f) => f.step)).toEqual(["ipsets-before"]);
    expect(settled(kernel, desired(["10.0.0.1/32", "10.0.0.9/32"]))).toBe(true);
  });

  it("the trade-off: a same-count swap in a set the apply does not write is seen at the next full read", async () => {
    const { kernel, dp, advance } = setup(90_000);
    const want = desired(["10.0.0.1/32"]);
    await dp.apply(want);
    kernel.ipsetRestore(`del ${SMALL} 10.0.0.1/32\nadd ${SMALL} 10.0.0.9/32\n`);
    expect((await dp.apply(want)).changed).toBe(false);
    advance(90_000);
    const repaired = await dp.apply(want);
    expect(repaired.transactions[0]?.ipsetsBefore).toEqual([`del ${SMALL} 10.0.0.9/32 --exist`, `add ${SMALL} 10.0.0.1/32`]);
    expect(settled(kernel, want)).toBe(true);
  });
});

describe("reading legacy tables writes nothing", () => {
  it("reads only the legacy tables /proc/net/ip_tables_names lists (iptables-legacy-save -t raw would create raw)", async () => {
    const kernel = new ModelKernel("legacy");
    const { runner, calls } = modelRunner(kernel, (c) => (c.file === "cat" ? { exitCode: 0, stdout: "filter\nmangle\n", stderr: "" } : undefined));
    const dp = new Dataplane({ backend: "legacy", runner, sleep: async () => undefined, exists: (name) => name.includes("-legacy-"), onlyExistingTables: true });
    const tx = await dp.plan(desired(["10.0.0.1/32"]));
    expect(tx.iptables.length).toBeGreaterThan(0);
    expect(calls.map((c: Call) => `${c.file} ${c.args.join(" ")}`).filter((c) => !c.startsWith("ipset"))).toEqual([
      "cat /proc/net/ip_tables_names",
      "iptables-legacy-save -t filter",
      "iptables-legacy-save -t mangle",
    ]);
  });
});
