/**
 * The diff engine against real kernels: random sequences of desired states (the same generator
 * as the model-kernel properties) applied with Dataplane in a fresh network namespace per
 * backend, next to foreign rules, chains and sets. After each apply, iptables-save/ipset save
 * must show exactly the desired state (an empty re-diff), and the foreign content byte for byte.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataplane } from "../../../src/dataplane/dataplane.js";
import { isEmptyTransaction } from "../../../src/diff/transaction.js";
import { dataplaneState } from "../../diff/generators.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
if (problems.length) announceSkip("dataplane real-diff", problems);

const FOREIGN_IPSET = "create KUBE-SET hash:net family inet hashsize 64 maxelem 100\nadd KUBE-SET 1.1.1.1\n";
const FOREIGN_RULES = [
  "*filter",
  ":KUBE-FORWARD - -",
  "-A KUBE-FORWARD -m set --match-set KUBE-SET dst -j ACCEPT",
  "-A FORWARD -p udp -m udp --dport 53 -j ACCEPT",
  "-A FORWARD -j KUBE-FORWARD",
  "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT",
  "COMMIT",
  "",
].join("\n");

/** Everything in iptables-save that is not ours, without counters and comments. */
function foreignLines(save: string): string[] {
  return save
    .split("\n")
    .filter((l) => (l.startsWith("-A ") || l.startsWith(":")) && !/^(-A |:)cali-/.test(l) && !l.includes('--comment "cali:'))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ""));
}

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("real kernel: random state sequences (%s)", (backend) => {
  let ns: Netns;
  beforeAll(async () => {
    ns = await createNetns(`rd-${backend}`);
    await ns.exec("ipset", ["restore"], FOREIGN_IPSET);
    await ns.exec(`iptables-${backend}-restore`, ["--noflush"], FOREIGN_RULES);
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  it("every apply reaches its state exactly and leaves foreign content alone", async () => {
    const save = () => ns.exec(`iptables-${backend}-save`, ["-t", "filter"]);
    const foreignBefore = foreignLines(await save());
    const setBefore = await ns.exec("ipset", ["save", "KUBE-SET"]);
    const dp = new Dataplane({ backend, runner: ns.runner, retries: 0 });
    const states = fc.sample(dataplaneState, { numRuns: 12, seed: 42 });
    for (const desired of [...states, states[0]!]) {
      const result = await dp.apply(desired);
      expect(result.attempts).toBeLessThanOrEqual(1);
      expect(isEmptyTransaction(await dp.plan(desired))).toBe(true);
      expect(foreignLines(await save())).toEqual(foreignBefore);
      expect(await ns.exec("ipset", ["save", "KUBE-SET"])).toBe(setBefore);
    }
  });
});
