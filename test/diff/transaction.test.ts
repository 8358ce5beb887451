/**
 * The transaction helpers the dataplane and the benchmark read: size, the ipsets a transaction
 * writes, its text for people (IPv6 and notes too), an nft transaction's emptiness and text, and
 * which ipsets belong to which family.
 */
import { describe, expect, it } from "vitest";
import { isOwnedIpSet } from "../../src/diff/kernel-state.js";
import { emptyNftKernelState } from "../../src/diff/nftables/kernel-state.js";
import { diffNft } from "../../src/diff/nftables/plan.js";
import { formatNftTransaction, isEmptyNftTransaction, nftTransactionInput, type NftTransaction } from "../../src/diff/nftables/transaction.js";
import { formatTransaction, isEmptyTransaction, transactionIpsets, transactionSize, type Transaction } from "../../src/diff/transaction.js";

const tx = (parts: Partial<Transaction>): Transaction => ({
  kind: "Transaction",
  ipVersion: 4,
  backend: "nft",
  ipsetsBefore: [],
  iptables: [],
  ipsetsAfter: [],
  notes: [],
  ...parts,
});

describe("iptables transactions", () => {
  const full = tx({
    ipVersion: 6,
    backend: "legacy",
    ipsetsBefore: ["create cali60s-new hash:net family inet6 maxelem 1048576", "add cali60s-new fd00::1/128", "swap cali60s-tmp cali60s-old"],
    iptables: ["*filter", ":cali-x - [0:0]", "COMMIT"],
    ipsetsAfter: ["destroy cali60s-gone", "flush"],
    notes: ["chain cali-y is left: a foreign rule jumps to it"],
  });

  it("size counts ipset lines of both parts and iptables lines", () => {
    expect(transactionSize(full)).toEqual({ ipset: 5, iptables: 3 });
    expect(transactionSize(tx({}))).toEqual({ ipset: 0, iptables: 0 });
  });

  it("names every set it writes, both sets of a swap, none for a bare command", () => {
    expect([...transactionIpsets(full)].sort()).toEqual(["cali60s-gone", "cali60s-new", "cali60s-old", "cali60s-tmp"]);
    expect([...transactionIpsets(tx({ ipsetsAfter: ["destroy cali40s-a"] }))]).toEqual(["cali40s-a"]);
  });

  it("is empty only when all three parts are", () => {
    expect(isEmptyTransaction(tx({ notes: ["n"] }))).toBe(true);
    expect(isEmptyTransaction(tx({ ipsetsBefore: ["x"] }))).toBe(false);
    expect(isEmptyTransaction(tx({ iptables: ["x"] }))).toBe(false);
    expect(isEmptyTransaction(tx({ ipsetsAfter: ["x"] }))).toBe(false);
  });

  it("prints each part under its program, ip6tables for IPv6, then the notes", () => {
    expect(formatTransaction(full)).toBe(
      [
        "# ipset restore (before iptables)",
        ...full.ipsetsBefore,
        "# ip6tables-restore --noflush (legacy)",
        ...full.iptables,
        "# ipset restore (after iptables)",
        ...full.ipsetsAfter,
        "# note: chain cali-y is left: a foreign rule jumps to it",
        "",
      ].join("\n"),
    );
    expect(formatTransaction(tx({ ipsetsAfter: ["destroy cali40s-a"] }))).toBe("# ipset restore (after iptables)\ndestroy cali40s-a\n");
    expect(formatTransaction(tx({ notes: ["a", "b"] }))).toBe("# no changes\n# note: a\n# note: b\n");
  });
});

describe("ipset ownership", () => {
  it.each([
    ["cali40s-abc", 4, true],
    ["cali40s-abc", 6, false],
    ["cali60s-abc", 6, true],
    ["cali60s-abc", 4, false],
    ["other", 4, false],
  ] as const)("%s in IPv%i: %s", (name, v, owned) => {
    expect(isOwnedIpSet(name, v)).toBe(owned);
  });
});

describe("nft transactions", () => {
  const ntx = (lines: string[], notes: string[] = []): NftTransaction => ({ kind: "NftTransaction", ipVersion: 6, family: "ip6", lines, notes });

  it("an empty table for each family: not there yet, nothing in it", () => {
    expect(emptyNftKernelState(4)).toEqual({ kind: "NftKernelState", ipVersion: 4, family: "ip", exists: false, chains: [], sets: [], maps: [], others: [] });
    expect(emptyNftKernelState(6)).toMatchObject({ ipVersion: 6, family: "ip6", exists: false });
    const created = diffNft(emptyNftKernelState(6), { kind: "NftDataplaneState", ipVersion: 6, family: "ip6", chains: [], sets: [], maps: [] });
    expect(created.lines).toEqual(["add table ip6 calico"]);
  });

  it("is empty without lines, whatever its notes; prints its family's table", () => {
    expect(isEmptyNftTransaction(ntx([], ["n"]))).toBe(true);
    expect(isEmptyNftTransaction(ntx(["add table ip6 calico"]))).toBe(false);
    expect(nftTransactionInput(ntx([]))).toBe("");
    expect(nftTransactionInput(ntx(["add table ip6 calico"]))).toBe("add table ip6 calico\n");
    expect(formatNftTransaction(ntx(["add table ip6 calico"], ["why"]))).toBe("# nft -f - (ip6 calico)\nadd table ip6 calico\n# note: why\n");
    expect(formatNftTransaction(ntx([], ["why"]))).toBe("# no changes\n# note: why\n");
  });
});
