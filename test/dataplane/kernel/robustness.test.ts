/**
 * Dataplane.apply on real kernels, under the conditions a node agent meets: other programs'
 * rules, packet counters that must keep counting, the xtables lock held by someone else, and
 * state corrupted by hand. Every iptables/ipset command runs inside a fresh network namespace.
 */
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dataplane } from "../../../src/dataplane/dataplane.js";
import { isEmptyTransaction } from "../../../src/diff/transaction.js";
import type { DataplaneState } from "../../../src/render/types.js";
import { chain, hooks, ipset, state } from "../../diff/harness.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
if (problems.length) announceSkip("dataplane robustness", problems);

const SET = "cali40s:clients";
function desired(members: string[], extraRule = false): DataplaneState {
  return state({
    chains: [
      chain("cali-OUTPUT", [{ match: "-p udp", action: "--jump cali-count" }, { match: `-m set --match-set ${SET} dst`, action: "--jump ACCEPT" }]),
      chain("cali-count", extraRule ? [{ action: "--jump RETURN" }, { match: "-p tcp", action: "--jump DROP" }] : [{ action: "--jump RETURN" }]),
    ],
    hooks: [hooks("OUTPUT", [{ action: "--jump cali-OUTPUT" }])],
    ipsets: [ipset(SET, members)],
  });
}

/** Sends `n` UDP datagrams to 127.0.0.1:9 from inside the namespace (through OUTPUT). */
async function sendUdp(ns: Netns, n: number): Promise<void> {
  const script = `const s=require("dgram").createSocket("udp4");let i=0;const f=()=>i++<${n}?s.send("x",9,"127.0.0.1",f):s.close();f();`;
  await ns.exec(process.execPath, ["-e", script]);
}

/** `[packets:bytes] -A chain …` → packets, for our rules, keyed by "<chain> <hash>". */
async function counters(ns: Netns, backend: string): Promise<Map<string, number>> {
  const save = await ns.exec(`iptables-${backend}-save`, ["-c", "-t", "filter"]);
  const out = new Map<string, number>();
  for (const m of save.matchAll(/^\[(\d+):\d+\] -A (\S+) .*?cali:([\w-]+)/gm)) out.set(`${m[2]} ${m[3]}`, Number(m[1]));
  return out;
}

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("real kernel: robustness (%s)", (backend) => {
  let ns: Netns;
  let dp: Dataplane;
  beforeEach(async () => {
    ns = await createNetns(`rb-${backend}`);
    await ns.exec("ip", ["link", "set", "lo", "up"]);
    dp = new Dataplane({ backend, runner: ns.runner });
  });
  afterEach(async () => {
    await ns?.destroy();
  });

  it("counters of rules the transaction does not touch keep counting", async () => {
    await dp.apply(desired(["10.0.0.1/32"]));
    await sendUdp(ns, 3);
    const before = await counters(ns, backend);
    const hookKey = [...before.keys()].find((k) => k.startsWith("OUTPUT "))!;
    const firstKey = [...before.keys()].find((k) => k.startsWith("cali-OUTPUT "))!;
    expect(before.get(hookKey)).toBeGreaterThanOrEqual(3);
    expect(before.get(firstKey)).toBe(3);

    // A remote pod appears (one ipset line), then a rule is appended to another chain.
    const r1 = await dp.apply(desired(["10.0.0.1/32", "10.0.0.2/32"]));
    expect(r1.transactions.map((t) => [t.ipsetsBefore, t.iptables])).toEqual([[[`add ${SET} 10.0.0.2/32`], []]]);
    const r2 = await dp.apply(desired(["10.0.0.1/32", "10.0.0.2/32"], true));
    expect(r2.lines.iptables).toBe(backend === "legacy" ? 3 : 5);
    await sendUdp(ns, 2);
    const after = await counters(ns, backend);
    expect(after.get(hookKey)).toBeGreaterThanOrEqual((before.get(hookKey) ?? 0) + 2);
    expect(after.get(firstKey)).toBe(5);
  });

  it("repairs a corrupted kernel: hook deleted, owned rule deleted, set flushed by hand", async () => {
    const want = desired(["10.0.0.1/32", "10.0.0.2/32"], true);
    await dp.apply(want);
    await ns.exec(`iptables-${backend}`, ["-D", "OUTPUT", "1"]);
    await ns.exec(`iptables-${backend}`, ["-D", "cali-count", "2"]);
    await ns.exec("ipset", ["flush", SET]);
    expect(isEmptyTransaction(await dp.plan(want))).toBe(false);
    const result = await dp.apply(want);
    expect(result.attempts).toBe(1);
    expect(result.transactions[0]?.ipsetsBefore).toEqual([`add ${SET} 10.0.0.1/32`, `add ${SET} 10.0.0.2/32`]);
    expect(isEmptyTransaction(await dp.plan(want))).toBe(true);
  });

  // Only iptables-legacy serialises writers with the xtables lock; iptables-nft commits through
  // nftables netlink transactions and never takes it, so there is nothing to test there.
  if (backend === "legacy") it("a concurrent holder of the xtables lock delays the apply but does not break it", async () => {
    await dp.apply(desired(["10.0.0.1/32"]));
    for (const [lockWaitSeconds, expectRetry] of [[10, false], [1, true]] as const) {
      const next = desired(["10.0.0.1/32"], lockWaitSeconds === 10);
      const waiting = new Dataplane({ backend, runner: ns.runner, lockWaitSeconds });
      // The lock file is global to the machine, so hold it only ~1.5 s.
      const holder = execa("flock", ["-x", "/run/xtables.lock", "-c", "echo locked; sleep 1.5"]);
      await new Promise<void>((resolve) => holder.stdout?.once("data", () => resolve()));
      const started = Date.now();
      const result = await waiting.apply(next);
      const waited = Date.now() - started;
      await holder;
      expect(waited).toBeGreaterThanOrEqual(1000);
      expect(result.changed).toBe(true);
      expect(result.recovered.length > 0).toBe(expectRetry);
      if (expectRetry) expect(result.recovered[0]?.stderr).toMatch(/xtables lock/);
      expect(isEmptyTransaction(await waiting.plan(next))).toBe(true);
    }
  });
});
