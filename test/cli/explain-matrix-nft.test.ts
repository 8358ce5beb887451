/** explain and matrix with --dataplane nftables: the same verdicts and outputs' shape, the nft table's chains and rule bodies named. */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const input = ["-f", "golden/k8s-web-from-client1/input"];
const nft = ["--dataplane", "nftables"];

describe("explain --dataplane nftables", () => {
  it("names the nft stage, chain, rule body and hash, and the policy rule with its file:line", async () => {
    const r = await cli(["explain", ...input, "--from", "default/client1", "--to", "default/web-2", "--port", "80", ...nft]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^default\/client1 -> default\/web-2 TCP\/80: ALLOW\n/);
    expect(r.stdout).toContain("node-2: filter FORWARD: ingress of default/web-2: allow");
    expect(r.stdout).toContain("decided by: KubernetesNetworkPolicy default/test-network-policy (tier default) ingress rule 0 (Allow)");
    expect(r.stdout).toContain("at:         golden/k8s-web-from-client1/input/policy.yaml:13");
    expect(r.stdout).toMatch(/rule: +filter-cali-pi-knp\/default\/test-network-policy #0 cali:[A-Za-z0-9_-]{16}: meta l4proto tcp ip saddr @cali40s-\S+ tcp dport \{ 80 \} counter meta mark set mark or 0x10000\n/);
    expect(r.stdout).toContain("chains:     filter-FORWARD -> filter-cali-FORWARD -> ");
  });

  it("JSON: the same verdicts as iptables, each hop with its stage, decisions with `nft` instead of `iptables`", async () => {
    const args = ["explain", ...input, "--from", "default/client2", "--to", "default/web-2", "--port", "80", "--format", "json"];
    type J = { verdict: string; hops: { node: string; table?: string; hook?: string; direction: string; verdict: string; decidedBy: { kind: string; iptables?: string; nft?: string } }[] };
    const ipt = JSON.parse((await cli(args)).stdout) as J;
    const j = JSON.parse((await cli([...args, ...nft])).stdout) as J;
    expect(j.verdict).toBe(ipt.verdict);
    expect(j.hops.map((h) => [h.node, h.table, h.hook, h.direction, h.verdict, h.decidedBy.kind])).toEqual([
      ["node-1", "filter", "FORWARD", "egress", "allow", "profileRule"],
      ["node-2", "filter", "FORWARD", "ingress", "deny", "endOfTier"],
    ]);
    expect(j.hops[1]?.decidedBy).toMatchObject({ nft: "meta mark & 0x20000 == 0 counter drop" });
    expect(j.hops[1]?.decidedBy).not.toHaveProperty("iptables");
    expect(ipt.hops[1]?.decidedBy).not.toHaveProperty("nft");
  });

  it("--staged gives the iptables answer", async () => {
    const args = ["explain", "-f", "golden/staged-set-replaces/input", "--from", "default/client2", "--to", "default/web-1", "--port", "80", "--staged", "--format", "json"];
    const verdicts = (out: string) => JSON.stringify(JSON.parse(out), (k, v: unknown) => (k === "hops" ? undefined : v));
    expect(verdicts((await cli([...args, ...nft])).stdout)).toBe(verdicts((await cli(args)).stdout));
  });

  it("an unknown dataplane is a usage error", async () => {
    const r = await cli(["explain", ...input, "--from", "default/client1", "--to", "default/web-2", "--port", "80", "--dataplane", "nft"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'nft' is invalid\. Allowed choices are iptables, nftables/);
  });
});

describe("matrix --dataplane nftables", () => {
  it.each([
    [[...input]],
    [[...input, "--format", "json"]],
    [[...input, "--protocol", "ICMP"]],
    [["-f", "golden/staged-set-replaces/input", "--staged", "--format", "json"]],
    [["-f", "golden/staged-set-replaces/input", "--staged", "--changes"]],
    [["--from", "golden/k8s-deny-all/input/cluster.yaml", "--to", "golden/k8s-deny-all/input"]],
    [["-f", "golden/dual-stack-k8s/input", "--ip-version", "6", "--format", "json"]],
    [["-f", "golden/hep-prednat/input", "--format", "json"]],
  ])("%j prints exactly what iptables prints", async (args) => {
    const ipt = await cli(["matrix", ...args]);
    const n = await cli(["matrix", ...args, ...nft]);
    expect(ipt.code).toBe(0);
    expect(n).toEqual(ipt);
    expect(ipt.stdout.length).toBeGreaterThan(20);
  });
});
