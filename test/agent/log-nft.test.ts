/** summarizeNftTransactions: what an nft step changed, in the terms of the iptables summary. */
import { describe, expect, it } from "vitest";
import { summarizeNftTransactions } from "../../src/agent/log.js";
import type { NftTransaction } from "../../src/diff/nftables/transaction.js";

const tx = (lines: string[]): NftTransaction => ({ kind: "NftTransaction", ipVersion: 4, family: "ip", lines, notes: [] });

describe("summarizeNftTransactions", () => {
  it("counts lines, chains written and deleted, sets created and deleted, elements added and removed", () => {
    const s = summarizeNftTransactions([
      tx([
        "add set ip calico cali40s-A { type ipv4_addr ; }",
        "add element ip calico cali40s-A { 10.0.0.1, 10.0.0.2 }",
        "delete element ip calico cali40s-B { 10.0.0.3 }",
        "add chain ip calico filter-cali-tw-cali1",
        "add rule ip calico filter-cali-tw-cali1 counter accept comment \"cali:x;\"",
        "delete rule ip calico filter-cali-pi-np/a/b handle 7",
        "flush chain ip calico filter-cali-fw-cali2",
        "delete chain ip calico filter-cali-fw-cali2",
        "delete set ip calico cali40s-C",
      ]),
      tx(["add element ip calico filter-cali-to-wl-dispatch { cali1 : goto filter-cali-tw-cali1 }"]),
    ]);
    expect(s).toEqual({
      lines: { ipset: 0, iptables: 0, nft: 10 },
      chains: { written: ["filter-cali-pi-np/a/b", "filter-cali-tw-cali1"], deleted: ["filter-cali-fw-cali2"] },
      ipsets: { created: ["cali40s-A"], destroyed: ["cali40s-C"], membersAdded: 3, membersRemoved: 1 },
    });
  });

  it("an empty step is all zeros", () => {
    expect(summarizeNftTransactions([tx([])])).toEqual({ lines: { ipset: 0, iptables: 0, nft: 0 }, chains: { written: [], deleted: [] }, ipsets: { created: [], destroyed: [], membersAdded: 0, membersRemoved: 0 } });
  });
});
