/**
 * diff() as a specification: hand-built states in, exact transaction out. Hashes in the expected
 * text are the verified Felix vectors from felix-dataplane.md §6.1 where they exist.
 */
import { describe, expect, it } from "vitest";
import { diff } from "../../src/diff/diff.js";
import { DiffError } from "../../src/diff/errors.js";
import { emptyKernelState, kernelStateOf, type KernelState } from "../../src/diff/kernel-state.js";
import { formatTransaction, isEmptyTransaction } from "../../src/diff/transaction.js";
import type { DataplaneState } from "../../src/render/types.js";
import { ModelKernel } from "./model-kernel.js";
import { applyTo, chain, EMPTY, hashed, hooks, ipset, state } from "./harness.js";

const ADR = [{ action: "--jump ACCEPT" }, { action: "--jump DROP" }, { action: "--jump RETURN" }];
const foobar = (n: number) => state({ chains: [chain("cali-foobar", ADR.slice(0, n))] });
const A = '-m comment --comment "cali:42h7Q64_2XDzpwKe" --jump ACCEPT';
const D = '-m comment --comment "cali:0sUFHicPNNqNyNx8" --jump DROP';
const R = '-m comment --comment "cali:yilSOZ62PxMhMnS9" --jump RETURN';

/** Current kernel: `desired` programmed, with `edit` applied to the chains (another writer). */
function kernel(desired: DataplaneState, edit: (k: KernelState) => KernelState = (k) => k): KernelState {
  return edit(kernelStateOf(desired));
}
const withForward = (rules: { hash: string | null; text: string }[]) => (k: KernelState): KernelState => ({
  ...k,
  chains: k.chains.map((c) => (c.name === "FORWARD" ? { ...c, rules } : c)),
});

describe("owned chains", () => {
  it.each([
    ["a new chain is forward-referenced, then appended", EMPTY, foobar(3), "legacy", ["*filter", ":cali-foobar - -", `-A cali-foobar ${A}`, `-A cali-foobar ${D}`, `-A cali-foobar ${R}`, "COMMIT"]],
    ["a shorter chain loses its tail by index (legacy)", foobar(3), foobar(1), "legacy", ["*filter", "-D cali-foobar 2", "-D cali-foobar 2", "COMMIT"]],
    ["a shorter chain is flushed and re-appended (nft)", foobar(3), foobar(1), "nft", ["*filter", ":cali-foobar - -", `-A cali-foobar ${A}`, "COMMIT"]],
    ["a longer chain only gets its new rules appended", foobar(1), foobar(3), "legacy", ["*filter", `-A cali-foobar ${D}`, `-A cali-foobar ${R}`, "COMMIT"]],
    ["a deleted chain is flushed first and deleted last (legacy)", foobar(2), EMPTY, "legacy", ["*filter", ":cali-foobar - -", "--delete-chain cali-foobar", "COMMIT"]],
    ["a deleted chain is deleted in a second block (nft)", foobar(2), EMPTY, "nft", ["*filter", ":cali-foobar - -", "COMMIT", "*filter", "--delete-chain cali-foobar", "COMMIT"]],
  ] as const)("%s", (_name, from, to, backend, expected) => {
    expect(diff(from, to, { backend }).iptables).toEqual(expected);
  });

  it("a changed rule is replaced from its position on; the unchanged prefix is not mentioned (legacy)", () => {
    const to = state({ chains: [chain("cali-foobar", [ADR[0]!, { action: "--jump REJECT" }, ADR[2]!])] });
    const [, r2, r3] = to.chains[0]!.rules;
    expect(diff(foobar(3), to).iptables).toEqual([
      "*filter",
      `-R cali-foobar 2 -m comment --comment "cali:${r2!.hash}" --jump REJECT`,
      `-R cali-foobar 3 -m comment --comment "cali:${r3!.hash}" --jump RETURN`,
      "COMMIT",
    ]);
    expect(r3!.hash).not.toBe("yilSOZ62PxMhMnS9"); // hash chaining: the rule after the change differs too
  });

  it("a foreign rule inside an owned chain is overwritten", () => {
    const cur = kernel(foobar(2), (k) => ({
      ...k,
      chains: k.chains.map((c) => (c.name === "cali-foobar" ? { ...c, rules: [c.rules[0]!, { hash: null, text: "-j LOG" }] } : c)),
    }));
    expect(diff(cur, foobar(2)).iptables).toEqual(["*filter", `-R cali-foobar 2 ${D}`, "COMMIT"]);
  });

  it("an owned chain a foreign rule still jumps to is left in place, with a note", () => {
    const cur: KernelState = {
      ...kernelStateOf(state({ chains: [chain("cali-old", ADR), chain("cali-leaf", ADR)] })),
    };
    const old = cur.chains.find((c) => c.name === "cali-old")!;
    const patched: KernelState = {
      ...cur,
      chains: [
        ...cur.chains.filter((c) => c.name !== "cali-old"),
        { ...old, rules: [...old.rules, { hash: "x", text: "-j cali-leaf" }] },
        { name: "KUBE-X", policy: null, rules: [{ hash: null, text: "-j cali-old" }] },
      ],
    };
    const tx = diff(patched, EMPTY);
    expect(tx.iptables).toEqual([]);
    expect(tx.notes).toEqual([
      "chain cali-leaf is not desired but a rule policy-compile does not own jumps to it; left in place",
      "chain cali-old is not desired but a rule policy-compile does not own jumps to it; left in place",
    ]);
  });
});

describe("hooks in kernel chains", () => {
  // Verified vectors: FORWARD inserts DROP, ACCEPT; FORWARD*appends* RETURN, DROP.
  const want = state({ hooks: [hooks("FORWARD", [{ action: "--jump DROP" }, { action: "--jump ACCEPT" }], [{ action: "--jump RETURN" }, { action: "--jump DROP" }])] });
  const i1 = { hash: "hecdSCslEjdBPBPo", text: '-m comment --comment "cali:hecdSCslEjdBPBPo" -j DROP' };
  const i2 = { hash: "plvr29-ZiKUwbzDV", text: '-m comment --comment "cali:plvr29-ZiKUwbzDV" -j ACCEPT' };
  const a1 = { hash: "TQaqIrW2HQal-sdp", text: '-m comment --comment "cali:TQaqIrW2HQal-sdp" -j RETURN' };
  const a2 = { hash: "EDon0sGIntr1CQga", text: '-m comment --comment "cali:EDon0sGIntr1CQga" -j DROP' };
  const f = { hash: null, text: "-j KUBE-FORWARD" };
  const INS = ['-I FORWARD 1 -m comment --comment "cali:hecdSCslEjdBPBPo" --jump DROP', '-I FORWARD 2 -m comment --comment "cali:plvr29-ZiKUwbzDV" --jump ACCEPT'];
  const APP = ['-A FORWARD -m comment --comment "cali:TQaqIrW2HQal-sdp" --jump RETURN', '-A FORWARD -m comment --comment "cali:EDon0sGIntr1CQga" --jump DROP'];

  it.each([
    ["inserted at the top, appends at the end", [f], "insert", [...INS, ...APP]],
    ["append mode: all after the foreign rules", [f], "append", ['-A FORWARD -m comment --comment "cali:hecdSCslEjdBPBPo" --jump DROP', '-A FORWARD -m comment --comment "cali:plvr29-ZiKUwbzDV" --jump ACCEPT', ...APP]],
    ["already in place: nothing", [i1, i2, f, a1, a2], "insert", []],
    ["append mode, already in place: nothing", [f, i1, i2, a1, a2], "append", []],
    ["a foreign rule above the inserts: ours are deleted by value and re-inserted; appends kept", [f, i1, i2, a1, a2], "insert", [`-D FORWARD ${i1.text}`, `-D FORWARD ${i2.text}`, ...INS]],
    ["a foreign rule after the appends: appends re-appended, inserts kept", [i1, i2, a1, a2, f], "insert", [`-D FORWARD ${a1.text}`, `-D FORWARD ${a2.text}`, ...APP]],
    ["a stray copy of a kept rule: everything of ours is rewritten", [i1, i2, f, i1, a1, a2], "insert", [`-D FORWARD ${i1.text}`, `-D FORWARD ${i2.text}`, `-D FORWARD ${i1.text}`, `-D FORWARD ${a1.text}`, `-D FORWARD ${a2.text}`, ...INS, ...APP]],
  ] as const)("%s", (_name, rules, hookMode, expected) => {
    const tx = diff(kernel(EMPTY, withForward([...rules])), want, { hookMode });
    expect(tx.iptables).toEqual(expected.length ? ["*filter", ...expected, "COMMIT"] : []);
  });

  it("stale hooks are deleted by value when nothing is wanted in that chain", () => {
    const tx = diff(kernel(EMPTY, withForward([i1, f, a2])), EMPTY);
    expect(tx.iptables).toEqual(["*filter", `-D FORWARD ${i1.text}`, `-D FORWARD ${a2.text}`, "COMMIT"]);
  });

  it("the stray-copy rewrite really leaves one copy of each on the model kernel", () => {
    const model = new ModelKernel();
    model.iptablesRestore(`*filter\n:KUBE-FORWARD - -\n-A FORWARD ${i1.text}\n-A FORWARD ${i2.text}\n-A FORWARD -j KUBE-FORWARD\n-A FORWARD ${i1.text}\n-A FORWARD ${a1.text}\n-A FORWARD ${a2.text}\nCOMMIT\n`);
    applyTo(model, diff(model.state(), want));
    expect(model.rules("FORWARD").map((r) => r.text)).toEqual([...INS, "-A FORWARD -j KUBE-FORWARD", ...APP].map((l) => l.replace(/^-[IA] FORWARD (\d+ )?/, "")));
  });
});

describe("ipsets", () => {
  const S = "cali40s:aaa";
  it.each([
    ["a new set is created with its members, sorted", EMPTY, state({ ipsets: [ipset(S, ["10.0.0.2/32", "10.0.0.1/32"])] }), [`create ${S} hash:net family inet maxelem 1048576`, `add ${S} 10.0.0.1/32`, `add ${S} 10.0.0.2/32`], []],
    ["a member change is a delta: del --exist, then add", state({ ipsets: [ipset(S, ["10.0.0.1/32", "10.0.0.2/32"])] }), state({ ipsets: [ipset(S, ["10.0.0.2/32", "10.0.0.3/32"])] }), [`del ${S} 10.0.0.1/32 --exist`, `add ${S} 10.0.0.3/32`], []],
    ["changed maxelem: temp set, swap, temp destroyed after", state({ ipsets: [ipset(S, ["10.0.0.1/32"])] }), state({ ipsets: [ipset(S, ["10.0.0.1/32"], "hash:net", 100)] }), ["create cali4t0 hash:net family inet maxelem 100", "add cali4t0 10.0.0.1/32", `swap ${S} cali4t0`], ["destroy cali4t0"]],
    ["a set no longer wanted is destroyed after iptables", state({ ipsets: [ipset(S, ["10.0.0.1/32"]), ipset("cali40s:bbb", [])] }), state({ ipsets: [ipset(S, ["10.0.0.1/32"])] }), [], ["destroy cali40s:bbb"]],
    ["host addresses and masked networks compare canonically", state({ ipsets: [ipset(S, ["10.0.0.1/32"])] }), state({ ipsets: [ipset(S, ["10.0.0.1", "10.0.0.1/32"])] }), [], []],
  ] as const)("%s", (_name, from, to, before, after) => {
    const tx = diff(from, to);
    expect([tx.ipsetsBefore, tx.ipsetsAfter]).toEqual([before, after]);
  });

  it("sets of the other IP version and foreign sets are never touched", () => {
    const cur: KernelState = {
      ...emptyKernelState(),
      ipsets: [
        { name: "KUBE-SET", type: "hash:ip", family: "inet", maxelem: 10, options: [], members: ["1.1.1.1"] },
        { name: "cali60s:v6", type: "hash:net", family: "inet6", maxelem: 10, options: [], members: [] },
      ],
    };
    expect(isEmptyTransaction(diff(cur, EMPTY))).toBe(true);
  });

  it("a set that changes type is recreated when no rule uses it, refused while one does", () => {
    const from = state({ ipsets: [ipset(S, [])] });
    const to = state({ ipsets: [ipset(S, ["10.0.0.1,tcp:80"], "hash:ip,port")] });
    expect(diff(from, to).ipsetsBefore).toEqual([`destroy ${S}`, `create ${S} hash:ip,port family inet maxelem 1048576`, `add ${S} 10.0.0.1,tcp:80`]);
    const used = state({ ipsets: [ipset(S, [])], chains: [chain("cali-x", [{ match: `-m set --match-set ${S} src`, action: "--jump ACCEPT" }])] });
    const usedTo = state({ ipsets: [ipset(S, [], "hash:ip,port")], chains: [chain("cali-x", [{ match: `-m set --match-set ${S} dst,dst`, action: "--jump ACCEPT" }])] });
    expect(() => diff(used, usedTo)).toThrow(/cali40s:aaa is a hash:net set in the kernel but must be hash:ip,port/);
  });

  it("a stale set a foreign rule uses is left in place, with a note", () => {
    const cur = kernel(state({ ipsets: [ipset(S, [])] }), (k) => ({ ...k, chains: [...k.chains, { name: "KUBE-X", policy: null, rules: [{ hash: null, text: `-m set --match-set ${S} src -j ACCEPT` }] }] }));
    const tx = diff(cur, EMPTY);
    expect(tx.ipsetsAfter).toEqual([]);
    expect(tx.notes).toEqual([`ipset ${S} is not desired but a rule policy-compile does not own uses it; left in place`]);
  });
});

describe("desired states the kernel would refuse are rejected before anything is written", () => {
  it.each([
    ["a jump to a chain that is not desired", state({ chains: [chain("cali-a", [{ action: "--jump cali-missing" }])] }), "rule #0 of chain cali-a jumps to cali-missing, which is not in the desired state"],
    ["a set that is not desired", state({ chains: [chain("cali-a", [{ match: "-m set --match-set cali40s:nope src" }])] }), "rule #0 of chain cali-a matches ipset cali40s:nope, which is not in the desired state"],
    ["a chain without the owned prefix", state({ chains: [chain("KUBE-A", [])] }), "desired chain KUBE-A does not start with cali-, so policy-compile may not own it"],
    ["a hook that goes to a missing chain", state({ hooks: [hooks("INPUT", [{ action: "--jump cali-INPUT" }])] }), "rule #0 of chain INPUT jumps to cali-INPUT, which is not in the desired state"],
  ])("%s", (_name, desired, message) => {
    expect(() => diff(EMPTY, desired)).toThrow(new DiffError(message));
  });

  it("IP versions must match", () => {
    expect(() => diff(emptyKernelState(6), EMPTY)).toThrow("cannot diff an IPv6 kernel state against an IPv4 desired state");
  });
});

describe("formatTransaction", () => {
  it("prints each non-empty part under a header", () => {
    const to = state({ chains: [chain("cali-foobar", ADR.slice(0, 1))], ipsets: [ipset("cali40s:aaa", ["10.0.0.1/32"])] });
    const from = state({ ipsets: [ipset("cali40s:zzz", [])] });
    expect(formatTransaction(diff(from, to))).toBe(
      [
        "# ipset restore (before iptables)",
        "create cali40s:aaa hash:net family inet maxelem 1048576",
        "add cali40s:aaa 10.0.0.1/32",
        "# iptables-restore --noflush (legacy)",
        "*filter",
        ":cali-foobar - -",
        `-A cali-foobar ${A}`,
        "COMMIT",
        "# ipset restore (after iptables)",
        "destroy cali40s:zzz",
        "",
      ].join("\n"),
    );
    expect(formatTransaction(diff(to, to))).toBe("# no changes\n");
  });

  it("hashed() reproduces the verified vectors this file relies on", () => {
    expect(hashed("cali-foobar", ADR).map((r) => r.hash)).toEqual(["42h7Q64_2XDzpwKe", "0sUFHicPNNqNyNx8", "yilSOZ62PxMhMnS9"]);
  });
});
