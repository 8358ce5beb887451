import { describe, expect, it } from "vitest";
import { Dataplane } from "../../src/dataplane/dataplane.js";
import { DataplaneError } from "../../src/dataplane/errors.js";
import { diff } from "../../src/diff/diff.js";
import { isEmptyTransaction } from "../../src/diff/transaction.js";
import { ModelKernel } from "../diff/model-kernel.js";
import { chain, hooks, ipset, state } from "../diff/harness.js";
import { LOCKED, modelRunner, type Intercept } from "./model-runner.js";

const DESIRED = state({
  chains: [chain("cali-FORWARD", [{ match: "-m set --match-set cali40s:aaa src", action: "--jump ACCEPT" }, { action: "--jump DROP" }])],
  hooks: [hooks("FORWARD", [{ action: "--jump cali-FORWARD" }])],
  ipsets: [ipset("cali40s:aaa", ["10.0.0.1/32", "10.0.0.2/32"])],
});

function setup(backend: "legacy" | "nft", intercept?: Intercept) {
  const kernel = new ModelKernel(backend);
  const { runner, calls } = modelRunner(kernel, intercept);
  const sleeps: number[] = [];
  let clock = 0;
  const dp = new Dataplane({
    backend,
    runner,
    sleep: async (ms) => void sleeps.push(ms),
    now: () => (clock += 5),
    exists: (name) => name.includes(`-${backend}-`),
  });
  return { kernel, dp, calls, sleeps };
}

describe.each(["legacy", "nft"] as const)("Dataplane.apply (%s, on the model kernel)", (backend) => {
  it("programs the desired state, then finds nothing to do", async () => {
    const { kernel, dp, calls } = setup(backend);
    const first = await dp.apply(DESIRED);
    expect(first).toMatchObject({ kind: "ApplyResult", backend, changed: true, attempts: 1, lines: { ipset: 3, iptables: 6 }, recovered: [] });
    expect(isEmptyTransaction(diff(kernel.state(), DESIRED, { backend }))).toBe(true);
    expect(calls.map((c) => `${c.file} ${c.args.join(" ")}`)).toEqual([
      `iptables-${backend}-save -t filter`,
      `iptables-${backend}-save -t mangle`,
      `iptables-${backend}-save -t raw`,
      "ipset save",
      "ipset restore",
      `iptables-${backend}-restore --noflush --wait 10`,
      `iptables-${backend}-save -t filter`,
      `iptables-${backend}-save -t mangle`,
      `iptables-${backend}-save -t raw`,
      "ipset save",
    ]);
    const again = await dp.apply(DESIRED);
    expect(again).toMatchObject({ changed: false, attempts: 0, transactions: [], lines: { ipset: 0, iptables: 0 } });
  });

  it("waits out lock contention with backoff and a fresh read each time", async () => {
    const { dp, calls, sleeps } = setup(backend, (call, all) =>
      call.file.endsWith("-restore") && all.filter((c) => c.file.endsWith("-restore")).length <= 2 ? LOCKED : undefined,
    );
    const result = await dp.apply(DESIRED);
    expect(result.attempts).toBe(3);
    expect(result.recovered.map((f) => [f.step, f.exitCode])).toEqual([["iptables", 4], ["iptables", 4]]);
    expect(sleeps).toEqual([1, 2]);
    // Second and third attempt: the ipsets were already created, so only iptables is rewritten.
    expect(calls.filter((c) => c.file === "ipset" && c.args[0] === "restore")).toHaveLength(1);
  });

  it("a persistent failure ends with the tool's error and the failing line, after 10 retries", async () => {
    const { dp, sleeps } = setup(backend, (call) =>
      call.file.endsWith("-restore")
        ? { exitCode: 2, stdout: "", stderr: "iptables-restore v1.8.9: Couldn't load target `cali-FORWARD':No such file or directory\n\nError occurred at line: 3\n" }
        : undefined,
    );
    const err = await dp.apply(DESIRED).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataplaneError);
    const e = err as DataplaneError;
    expect(e.attempts).toBe(11);
    expect(sleeps).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    expect(e.message).toBe(
      `iptables-${backend}-restore --noflush failed (iptables, exit 2) after 11 attempt(s):\n` +
        "iptables-restore v1.8.9: Couldn't load target `cali-FORWARD':No such file or directory\n\nError occurred at line: 3\n" +
        'failing line 3: -A cali-FORWARD -m comment --comment "cali:' +
        `${DESIRED.chains[0]!.rules[0]!.hash}" -m set --match-set cali40s:aaa src --jump ACCEPT`,
    );
  });

  it("a writer racing us is detected by the verifying read and repaired", async () => {
    const { kernel, dp } = setup(backend);
    let raced = false;
    const racing = new Dataplane({
      backend,
      exists: (name) => name.includes(`-${backend}-`),
      sleep: async () => undefined,
      runner: async (file, args, input) => {
        const r = await modelRunner(kernel).runner(file, args, input);
        if (file.endsWith("-restore") && !raced) {
          raced = true;
          kernel.iptablesRestore("*filter\n-D cali-FORWARD 2\nCOMMIT\n");
        }
        return r;
      },
    });
    const result = await racing.apply(DESIRED);
    expect(result.attempts).toBe(2);
    expect(result.recovered.map((f) => f.step)).toEqual(["verify"]);
    const [r1, r2] = DESIRED.chains[0]!.rules;
    const drop = `-A cali-FORWARD -m comment --comment "cali:${r2!.hash}" --jump DROP`;
    const accept = `-A cali-FORWARD -m comment --comment "cali:${r1!.hash}" -m set --match-set cali40s:aaa src --jump ACCEPT`;
    // legacy appends the missing rule; nft rewrites the changed chain whole.
    expect(result.transactions[1]?.iptables).toEqual(
      backend === "legacy" ? ["*filter", drop, "COMMIT"] : ["*filter", ":cali-FORWARD - -", accept, drop, "COMMIT"],
    );
    expect(isEmptyTransaction(await dp.plan(DESIRED))).toBe(true);
  });

  it("repairs a kernel corrupted by hand: a deleted rule and a flushed set", async () => {
    const { kernel, dp } = setup(backend);
    await dp.apply(DESIRED);
    kernel.iptablesRestore("*filter\n-D FORWARD 1\nCOMMIT\n");
    kernel.ipsetRestore("flush cali40s:aaa\n");
    const result = await dp.apply(DESIRED);
    expect(result.transactions).toHaveLength(1);
    expect(result.transactions[0]?.ipsetsBefore).toEqual(["add cali40s:aaa 10.0.0.1/32", "add cali40s:aaa 10.0.0.2/32"]);
    expect(result.transactions[0]?.iptables).toEqual(["*filter", `-I FORWARD 1 -m comment --comment "cali:${DESIRED.hooks[0]!.inserts[0]!.hash}" --jump cali-FORWARD`, "COMMIT"]);
  });

  it("read() fails after its retries with the save tool's error", async () => {
    const { dp, sleeps } = setup(backend, (call) => (call.file.endsWith("-save") ? { exitCode: 1, stdout: "", stderr: "iptables-save: cannot open table\n" } : undefined));
    await expect(dp.read()).rejects.toThrow(`iptables-${backend}-save failed (read, exit 1) after 4 attempt(s):\niptables-save: cannot open table`);
    expect(sleeps).toEqual([100, 200, 400]);
  });
});
