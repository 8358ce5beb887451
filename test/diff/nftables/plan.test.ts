/**
 * The nftables diff, case by case (felix-nftables.md §8.4-§8.6): the lines it writes, and that
 * the model table (nft 1.0.6's checks) accepts them.
 */
import { describe, expect, it } from "vitest";
import { diffNft } from "../../../src/diff/nftables/plan.js";
import { formatNftTransaction, nftTransactionInput } from "../../../src/diff/nftables/transaction.js";
import { DiffError } from "../../../src/diff/errors.js";
import { renderNftScript } from "../../../src/render/nftables/script.js";
import type { NftChain, NftDataplaneState, NftSet } from "../../../src/render/nftables/types.js";
import { NftModel, NftModelError } from "./model.js";

const FWD: NftChain = { name: "filter-FORWARD", base: { type: "filter", hook: "forward", priority: 0 }, rules: [{ hash: "dpfqBgJrpRwlrqw1", body: "counter jump filter-cali-FORWARD", comments: [] }] };
const rule = (hash: string, body: string) => ({ hash, body, comments: [] });
const set = (elements: string[]): NftSet => ({ name: "cali40s-pods", type: "ipv4_addr", interval: true, elements });
function state(chains: NftChain[], sets: NftSet[] = [set(["10.65.0.7/32"])], withMap = false): NftDataplaneState {
  const fwd: NftChain = { name: "filter-cali-FORWARD", rules: [rule("F1", "counter jump filter-cali-to-wl-dispatch")] };
  const dispatch: NftChain = { name: "filter-cali-to-wl-dispatch", rules: withMap ? [rule("V1", "oifname vmap @filter-cali-to-wl-dispatch"), rule("V2", "counter drop")] : [rule("V2", "counter drop")] };
  return {
    kind: "NftDataplaneState",
    ipVersion: 4,
    family: "ip",
    chains: [FWD, fwd, dispatch, ...chains].sort((a, b) => (a.name < b.name ? -1 : 1)),
    sets,
    maps: withMap ? [{ name: "filter-cali-to-wl-dispatch", type: "ifname : verdict", elements: chains.filter((c) => c.name.includes("-tw-")).map((c) => ({ key: c.name.slice(15), verdict: `goto ${c.name}` })) }] : [],
  };
}
const tw = (rules: ReturnType<typeof rule>[]): NftChain => ({ name: "filter-cali-tw-cali1234", rules });
const R = [rule("H1", "ct state related,established counter accept"), rule("H2", "ip saddr @cali40s-pods counter accept"), rule("H3", "counter drop")];

/** The table after loading `a`, as read back (with handles), and the lines to reach `b`. */
function step(a: NftDataplaneState, b: NftDataplaneState): string[] {
  const model = new NftModel("ip");
  model.run(renderNftScript([a]));
  const tx = diffNft(model.state(), b);
  model.run(nftTransactionInput(tx));
  expect(diffNft(model.state(), b).lines).toEqual([]);
  return [...tx.lines];
}

describe("diffNft", () => {
  it("appends rules added at the end of a chain", () => {
    expect(step(state([tw(R.slice(0, 2))]), state([tw(R)]))).toEqual(["add rule ip calico filter-cali-tw-cali1234 counter drop comment \"cali:H3;\""]);
  });

  it("deletes by handle from the first changed rule on, and appends the rest (no replace)", () => {
    const changed = [R[0]!, rule("H9", "ip saddr @cali40s-pods tcp dport 80 counter accept"), rule("HA", "counter drop")];
    expect(step(state([tw(R)]), state([tw(changed)]))).toEqual([
      "delete rule ip calico filter-cali-tw-cali1234 handle 5",
      "delete rule ip calico filter-cali-tw-cali1234 handle 6",
      'add rule ip calico filter-cali-tw-cali1234 ip saddr @cali40s-pods tcp dport 80 counter accept comment "cali:H9;"',
      'add rule ip calico filter-cali-tw-cali1234 counter drop comment "cali:HA;"',
    ]);
  });

  it("flushes and re-adds when the first rule changed, or when handles are unknown", () => {
    const changed = [rule("H0", "counter accept")];
    expect(step(state([tw(R)]), state([tw(changed)]))).toEqual(["flush chain ip calico filter-cali-tw-cali1234", 'add rule ip calico filter-cali-tw-cali1234 counter accept comment "cali:H0;"']);
    // From a desired state (offline diff), handles are unknown.
    expect(diffNft(state([tw(R)]), state([tw([R[0]!])])).lines).toEqual(["flush chain ip calico filter-cali-tw-cali1234", `add rule ip calico filter-cali-tw-cali1234 ${R[0]!.body} comment "cali:H1;"`]);
  });

  it("flushes instead of cutting by handle when the changed tail is longer than the kept head plus one (fewer lines)", () => {
    const long = [R[0]!, rule("L1", "ip saddr 10.0.0.1 counter accept"), rule("L2", "ip saddr 10.0.0.2 counter accept"), rule("L3", "ip saddr 10.0.0.3 counter accept"), R[2]!];
    const relabeled = [R[0]!, rule("M1", "ip saddr 10.0.0.9 counter accept"), rule("M2", "ip saddr 10.0.0.2 counter accept"), rule("M3", "ip saddr 10.0.0.3 counter accept"), rule("M4", "counter drop")];
    // Cutting: 4 deletes + 4 adds = 8 lines; flushing: 1 + 5 adds = 6 lines.
    expect(step(state([tw(long)]), state([tw(relabeled)]))).toEqual([
      "flush chain ip calico filter-cali-tw-cali1234",
      ...relabeled.map((r) => `add rule ip calico filter-cali-tw-cali1234 ${r.body} comment "cali:${r.hash};"`),
    ]);
    // Head of 2, tail of 3 (3 deletes + 3 adds = 6 lines, a flush 1 + 5 = 6): the tie keeps the head and its counters.
    const later = [R[0]!, long[1]!, rule("N2", "ip saddr 10.0.0.8 counter accept"), rule("N3", "ip saddr 10.0.0.3 counter accept"), rule("N4", "counter drop")];
    expect(step(state([tw(long)]), state([tw(later)]))[0]).toBe("delete rule ip calico filter-cali-tw-cali1234 handle 6");
  });

  it("swaps /32s for a covering /24 in one transaction: deletes before adds, never an overlap", () => {
    expect(step(state([], [set(["10.65.0.7/32", "10.65.0.9/32", "10.66.0.1/32"])]), state([], [set(["10.65.0.0/24", "10.66.0.1/32"])]))).toEqual([
      "delete element ip calico cali40s-pods { 10.65.0.7/32, 10.65.0.9/32 }",
      "add element ip calico cali40s-pods { 10.65.0.0/24 }",
    ]);
  });

  it("adding a pod: chain before rules, map element after its chain", () => {
    expect(step(state([], undefined, true), state([tw(R)], undefined, true))).toEqual([
      "add chain ip calico filter-cali-tw-cali1234",
      `add rule ip calico filter-cali-tw-cali1234 ${R[0]!.body} comment "cali:H1;"`,
      `add rule ip calico filter-cali-tw-cali1234 ${R[1]!.body} comment "cali:H2;"`,
      `add rule ip calico filter-cali-tw-cali1234 ${R[2]!.body} comment "cali:H3;"`,
      "add element ip calico filter-cali-to-wl-dispatch { cali1234 : goto filter-cali-tw-cali1234 }",
    ]);
  });

  it("removing a pod: map element first, chain flushed then deleted, set deleted last", () => {
    expect(step(state([tw(R)], undefined, true), state([], [], true))).toEqual([
      "delete element ip calico filter-cali-to-wl-dispatch { cali1234 }",
      "flush chain ip calico filter-cali-tw-cali1234",
      "delete chain ip calico filter-cali-tw-cali1234",
      "delete set ip calico cali40s-pods",
    ]);
  });

  it("unknown chains, sets and maps in the table are deleted (the table is policy-compile's)", () => {
    const model = new NftModel("ip");
    model.run(renderNftScript([state([])]));
    model.run("add chain ip calico stray\nadd rule ip calico stray counter accept\nadd set ip calico x { type ipv4_addr ; }\nadd map ip calico m { type ifname : verdict ; }\nadd element ip calico m { eth0 : goto stray }\n");
    const tx = diffNft(model.state(), state([]));
    expect(tx.lines).toEqual(["flush map ip calico m", "flush chain ip calico stray", "delete chain ip calico stray", "delete map ip calico m", "delete set ip calico x"]);
    model.run(nftTransactionInput(tx));
    expect(diffNft(model.state(), state([])).lines).toEqual([]);
  });

  it("a set whose type changed, or a base chain with another priority, rebuilds the table in one transaction", () => {
    const model = new NftModel("ip");
    model.run(renderNftScript([state([])]));
    const want = state([], [{ ...set([]), interval: false }]);
    const tx = diffNft(model.state(), want);
    expect(tx.lines[0]).toBe("delete table ip calico");
    expect(tx.notes).toEqual(["the table is rebuilt: set cali40s-pods is ipv4_addr (interval), wanted ipv4_addr"]);
    model.run(nftTransactionInput(tx));
    expect(diffNft(model.state(), want).lines).toEqual([]);
    expect(formatNftTransaction(tx)).toMatch(/^# nft -f - \(ip calico\)\ndelete table ip calico\nadd table ip calico\n[^]*# note: the table is rebuilt: set cali40s-pods/);
  });

  it("a missing table is created; nothing to do prints # no changes", () => {
    const tx = diffNft({ kind: "NftKernelState", ipVersion: 4, family: "ip", exists: false, chains: [], sets: [], maps: [], others: [] }, state([]));
    expect(tx.lines[0]).toBe("add table ip calico");
    expect(formatNftTransaction(diffNft(state([]), state([])))).toBe("# no changes\n");
  });

  it.each([
    [state([{ name: "filter-cali-x", rules: [rule("A", "counter jump filter-cali-missing")] }]), "rule 1 of nftables chain filter-cali-x jumps to filter-cali-missing, which is not in the desired state"],
    [state([{ name: "filter-cali-x", rules: [rule("A", "ip saddr @cali40s-missing counter accept")] }]), "rule 1 of nftables chain filter-cali-x uses @cali40s-missing, which is not a desired set or map"],
    [{ ...state([]), chains: [...state([]).chains, FWD] }, "desired nftables chain filter-FORWARD appears twice"],
  ])("refuses a desired state nft would reject (%#)", (desired, message) => {
    expect(() => diffNft(state([]), desired)).toThrow(new DiffError(message));
  });
});

describe("the model table rejects what nft rejects", () => {
  it.each([
    ["add element ip calico s { 10.0.0.1/32 }", "interval overlaps with an existing one"],
    ["add element ip calico s { 10.1.0.0/16, 10.1.2.3/32 }", "conflicting intervals specified"],
    ["delete element ip calico s { 10.9.9.9/32 }", "element does not exist"],
    ["delete chain ip calico target", "Device or resource busy"],
    ["delete set ip calico s", "Device or resource busy"],
    ["flush chain ip calico missing", "No such file or directory"],
    ["add rule ip calico c counter jump missing", "No such file or directory"],
  ])("%s: %s, and the transaction changes nothing", (line, reason) => {
    const model = new NftModel("ip");
    model.run("add table ip calico\nadd set ip calico s { type ipv4_addr ; flags interval ; }\nadd element ip calico s { 10.0.0.0/24 }\nadd chain ip calico target\nadd chain ip calico c\nadd rule ip calico c ip saddr @s counter jump target\n");
    const before = model.state();
    let error: unknown;
    try {
      model.run(`add chain ip calico new\n${line}\n`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NftModelError);
    expect((error as NftModelError).line).toBe(2);
    expect((error as NftModelError).reason).toContain(reason);
    expect(model.state()).toEqual(before);
  });
});
