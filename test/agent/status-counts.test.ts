/**
 * The status file's `desired` counts in the dataplane's own terms: on iptables the chains, rules,
 * ipsets and members of the engine's state; on native nftables those of the `ip calico` table
 * the agent programs (its chains with the base chains, its rules, its sets with elements as
 * written, its verdict maps). The numbers are golden/k8s-named-ports' files, counted by hand:
 * calico.nft has 35 `add chain`, 77 `add rule`, 2 sets with 1 + 3 elements (named-port
 * concatenations), 2 dispatch maps with 2 + 2 elements; iptables.restore has 21 `:cali-` chains
 * with 74 rules, and ipsets.restore 2 sets with 4 members.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentEngine } from "../../src/agent/engine/index.js";
import { iptablesKernel, nftablesKernel } from "../../src/agent/kernel.js";
import { nftCounts } from "../../src/agent/status.js";
import { loadSources } from "../../src/model/load.js";
import { compileNft } from "../../src/render/compile.js";
import { put } from "./engine/cluster.js";

const INPUT = "golden/k8s-named-ports/input";

async function engineOf(): Promise<AgentEngine> {
  const files = (await readdir(INPUT)).sort();
  const engine = new AgentEngine({ node: "node-1" });
  engine.update(await Promise.all(files.map(async (f) => put(f, await readFile(join(INPUT, f), "utf8")))));
  return engine;
}

const unused = () => Promise.reject(new Error("not called: counting needs no kernel"));

describe("status desired counts", () => {
  it("iptables: the engine's chains, rules, ipsets and members", async () => {
    const kernel = iptablesKernel({ apply: unused, applyPlanned: unused }, () => {
      throw new Error("not called");
    }, "insert", () => "legacy");
    expect(kernel.counts((await engineOf()).current())).toEqual({ chains: 21, rules: 74, ipsets: 2, members: 4 });
  });

  it("native nftables: the ip calico table's chains, rules, sets, elements, maps and map elements, as compileNft gives them", async () => {
    const engine = await engineOf();
    const kernel = nftablesKernel({ apply: unused, applyPlanned: unused });
    const counts = kernel.counts(engine.current());
    expect(counts).toEqual({ chains: 35, rules: 77, sets: 2, elements: 4, maps: 2, mapElements: 4 });
    const files = await Promise.all((await readdir(INPUT)).map(async (f) => ({ file: f, text: await readFile(join(INPUT, f), "utf8") })));
    expect(nftCounts(compileNft(loadSources(files).model, { node: "node-1" }))).toEqual(counts);
    // Asked again for the same state: the same counts (the last projection, not a new one).
    expect(kernel.counts(engine.current())).toEqual(counts);
  });
});
