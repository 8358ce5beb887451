/**
 * A set whose content changes layout (render.ts nftSet): a selector set of pods (plain, Felix's
 * name) that starts holding a network set's CIDR becomes the interval set `cali41s-…`. The diff
 * never retypes a set: it adds the new set, rewrites the rules that use it, deletes the old set
 * last, and the model table (nft 1.0.6's checks, including "no prefix in a set without flags
 * interval") accepts each step and reads back as the desired table; and back again.
 */
import { describe, expect, it } from "vitest";
import { diffNft } from "../../../src/diff/nftables/plan.js";
import { nftTransactionInput } from "../../../src/diff/nftables/transaction.js";
import { renderNodeIr } from "../../../src/render/node-view.js";
import { renderNft } from "../../../src/render/nftables/render.js";
import { renderNftScript } from "../../../src/render/nftables/script.js";
import type { NftDataplaneState } from "../../../src/render/nftables/types.js";
import { allowHttpView } from "../../render/fixtures.js";
import { NftModel } from "./model.js";

const SET = "cali40s:cttW8MqAIeVWez-m8dwR9b3";
const table = (members: string[]): NftDataplaneState =>
  renderNft(renderNodeIr({ ...allowHttpView(), ipsets: [{ name: SET, type: "hash:net", family: "inet", maxelem: 1048576, members }] }));

const PODS = table(["10.65.0.7/32", "10.65.0.9/32"]);
const WITH_NET = table(["10.65.0.7/32", "10.65.0.9/32", "198.51.100.0/24"]);

function step(model: NftModel, to: NftDataplaneState): string[] {
  const tx = diffNft(model.state(), to);
  model.run(nftTransactionInput(tx));
  expect(diffNft(model.state(), to).lines).toEqual([]);
  return [...tx.lines];
}

describe("a selector set changing layout", () => {
  it("pods → pods and a CIDR → pods: new set by name, rules rewritten, old set deleted last, never a table rebuild", () => {
    const model = new NftModel("ip");
    model.run(renderNftScript([PODS]));
    const up = step(model, WITH_NET);
    expect(up[0]).toBe("add set ip calico cali41s-cttW8MqAIeVWez-m8dwR9b3 { type ipv4_addr ; flags interval ; }");
    expect(up[1]).toBe("add element ip calico cali41s-cttW8MqAIeVWez-m8dwR9b3 { 10.65.0.7/32, 10.65.0.9/32, 198.51.100.0/24 }");
    expect(up).toContain("flush chain ip calico filter-cali-pi-np/default/allow-http");
    expect(up.find((l) => l.startsWith("add rule ip calico filter-cali-pi-np/default/allow-http"))).toContain("ip saddr @cali41s-cttW8MqAIeVWez-m8dwR9b3 ");
    expect(up[up.length - 1]).toBe("delete set ip calico cali40s-cttW8MqAIeVWez-m8dwR9b3");
    expect(up.filter((l) => /table|^# note/.test(l))).toEqual([]);

    const down = step(model, PODS);
    expect(down[0]).toBe("add set ip calico cali40s-cttW8MqAIeVWez-m8dwR9b3 { type ipv4_addr ; }");
    expect(down[1]).toBe("add element ip calico cali40s-cttW8MqAIeVWez-m8dwR9b3 { 10.65.0.7, 10.65.0.9 }");
    expect(down[down.length - 1]).toBe("delete set ip calico cali41s-cttW8MqAIeVWez-m8dwR9b3");
    expect(down.filter((l) => /table|^# note/.test(l))).toEqual([]);
  });

  it("the model refuses what a retype in place would need: a prefix into the plain set", () => {
    const model = new NftModel("ip");
    model.run(renderNftScript([PODS]));
    expect(() => model.run("add element ip calico cali40s-cttW8MqAIeVWez-m8dwR9b3 { 198.51.100.0/24 }\n")).toThrow(/flags interval/);
  });
});
