/**
 * `diff` and `apply` with --dataplane nftables|auto, in-process (no kernel): the offline diff of
 * two calico.nft scripts, PC5020 for script lines policy-compile does not write (file:line:col,
 * exit 1), usage errors (exit 2), and a desired state nft would refuse (exit 3, nothing run).
 */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const EX = "docs/examples/nftables-reconcile";
const FX = "test/cli/fixtures/nft";

describe("diff --dataplane nftables (offline)", () => {
  it("prints the one nft -f transaction between two scripts", async () => {
    const r = await cli(["diff", "--node", "node-1", "--dataplane", "nftables", "--from", `${EX}/main.nft`, "--to", `${EX}/pr.nft`]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual([
      "# nft -f - (ip calico)",
      "add element ip calico cali40s-cttW8MqAIeVWez-m8dwR9b3 { 10.65.2.4/32 }",
      "flush chain ip calico filter-cali-pi-np/default/allow-http",
    ]);
  });

  it("the same script on both sides: # no changes; --format json: the transaction", async () => {
    expect((await cli(["diff", "--node", "node-1", "--dataplane", "nftables", "--from", `${EX}/main.nft`, "--to", `${EX}/main.nft`])).stdout).toBe("# no changes\n");
    const j = await cli(["diff", "--node", "node-1", "--dataplane", "nftables", "--from", `${EX}/main.nft`, "--to", `${EX}/pr.nft`, "--format", "json"]);
    expect(JSON.parse(j.stdout)).toMatchObject({ kind: "NftTransaction", ipVersion: 4, family: "ip", notes: [] });
  });

  it.each([
    ["no-hash.nft", `${FX}/no-hash.nft:3:34: error PC5020: a rule needs its comment "cali:<hash>; …"`],
    ["flush-ruleset.nft", `${FX}/flush-ruleset.nft:3:1: error PC5020: not a command policy-compile writes (add table|set|element|chain|map|rule into ip calico or ip6 calico)`],
    ["undefined-chain.nft", `${FX}/undefined-chain.nft:2:20: error PC5020: filter-cali-missing is not an added chain`],
  ])("%s: a located PC5020, exit 1", async (file, first) => {
    const r = await cli(["diff", "--node", "node-1", "--dataplane", "nftables", "--from", `${EX}/main.nft`, "--to", `${FX}/${file}`]);
    expect([r.code, r.stdout]).toEqual([1, ""]);
    expect(r.stderr.split("\n")[0]).toBe(first);
  });

  it.each([
    [["--dataplane", "nftables", "--from", `${EX}/main.nft`, "test/dataplane/fixtures/cluster-v1", "--to", `${EX}/pr.nft`], "policy-compile diff: --from takes either policy inputs or one calico.nft script, not both"],
    [["--dataplane", "auto", "--from", `${EX}/main.nft`, "--to", `${EX}/pr.nft`], "policy-compile diff: --dataplane auto needs --live (it asks the kernel)"],
    [["--dataplane", "nft", "--from", `${EX}/main.nft`, "--to", `${EX}/pr.nft`], "error: option '--dataplane <dataplane>' argument 'nft' is invalid. Allowed choices are iptables, nftables, auto."],
    [["--dataplane", "nftables", "--from", `${EX}/missing.nft`, "--to", `${EX}/pr.nft`], "policy-compile diff: cannot read docs/examples/nftables-reconcile/missing.nft: ENOENT"],
  ])("usage errors exit 2 (%#)", async (args, message) => {
    const r = await cli(["diff", "--node", "node-1", ...args]);
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr.split("\n")[0]).toBe(message);
  });

  it("a desired state nft would refuse (a jump to a chain the script does not add) is exit 3 before anything runs", async () => {
    const r = await cli(["diff", "--node", "node-1", "--dataplane", "nftables", "--from", `${EX}/main.nft`, "--to", `${FX}/jump-missing.nft`]);
    expect([r.code, r.stdout, r.stderr]).toEqual([3, "", "policy-compile: rule 1 of nftables chain filter-cali-x jumps to filter-cali-missing, which is not in the desired state\n"]);
  });
});
