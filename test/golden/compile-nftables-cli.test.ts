/** `compile --dataplane nftables` run in-process: the script, --out, --format json, usage errors, refusals. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";

const root = resolve(import.meta.dirname, "../..");
const scenario = "golden/k8s-web-from-client1";
const dualStack = "golden/dual-stack-k8s";

async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: root, env: {} });
  return { code, stdout, stderr };
}

describe("policy-compile compile --dataplane nftables", () => {
  it("prints the nft script, equal to the golden calico.nft", async () => {
    const r = await cli("compile", "-f", `${scenario}/input`, "--node", "node-1", "--dataplane", "nftables");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(readFileSync(join(root, scenario, "calico.nft"), "utf8"));
  });

  it("--out writes DIR/calico.nft and nothing else", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "pc-nft-")), "out");
    const r = await cli("compile", "-f", `${dualStack}/input`, "--node", "node-1", "--dataplane", "nftables", "--out", dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^node node-1: table ip calico: \d+ chains, \d+ rules, \d+ sets, \d+ elements, 2 maps; IPv6: table ip6 calico: .*; wrote .*calico\.nft\n$/);
    expect(readdirSync(dir)).toEqual(["calico.nft"]);
    const script = readFileSync(join(dir, "calico.nft"), "utf8");
    expect(script).toBe(readFileSync(join(root, dualStack, "calico.nft"), "utf8"));
    expect(script).toContain("add table ip calico\n");
    expect(script).toContain("add table ip6 calico\n");
  });

  it("--format json prints both families' NftDataplaneStates", async () => {
    const r = await cli("compile", "-f", `${dualStack}/input`, "--node", "node-1", "--dataplane", "nftables", "--format", "json");
    expect(r.code).toBe(0);
    const states = JSON.parse(r.stdout) as { v4: { kind: string; family: string; chains: { name: string }[] }; v6?: { family: string } };
    expect(states.v4.kind).toBe("NftDataplaneState");
    expect(states.v4.family).toBe("ip");
    expect(states.v6?.family).toBe("ip6");
    expect(states.v4.chains.map((c) => c.name)).toContain("filter-FORWARD");
  });

  it("a bad --dataplane is a usage error (exit 2)", async () => {
    const r = await cli("compile", "-f", `${scenario}/input`, "--node", "node-1", "--dataplane", "ebpf");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Allowed choices are iptables, nftables");
  });

  it("an interface name nft cannot take is refused with a located diagnostic (exit 1), nothing written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-nft-"));
    const wep = join(dir, "wep.yaml");
    writeFileSync(
      wep,
      "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata:\n  name: node--1-k8s-x-eth0\n  namespace: default\nspec:\n  node: node-1\n  orchestrator: k8s\n  workload: x\n  endpoint: eth0\n  interfaceName: cali@x\n  ipNetworks: [10.65.9.9/32]\n",
    );
    const out = join(dir, "out");
    const r = await cli("compile", "-f", `${scenario}/input`, "-f", wep, "--node", "node-1", "--dataplane", "nftables", "--out", out);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/wep\.yaml:\d+:\d+: error PC\d+: /);
    expect(existsSync(out)).toBe(false);
  });
});
