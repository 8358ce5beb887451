/**
 * The cluster changes of cluster-changes.test.ts on the nftables dataplane, with tables compiled
 * by compileNft (Felix's nftables layout): each step applied with NftDataplane.apply in one
 * attempt, verified by an empty re-diff against the table read back, and enforced as real
 * traffic shows. A remote pod appearing is one set element; kube-proxy's nft table beside ours
 * stays byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NftDataplane } from "../../../src/dataplane/nftables.js";
import { execaRunner } from "../../../src/dataplane/runner.js";
import { compileNft } from "../../../src/render/index.js";
import { buildTopology, calicoInterfaceName, type Topology } from "../../kernel/harness/topology.js";
import { announceSkip, kernelProblems } from "./netns.js";
import { CLIENT, LATE, REMOTE, STEPS, WEB, clusterModel, type Pod } from "./cluster-steps.js";

const problems = [...(await kernelProblems()), ...((await execaRunner("sh", ["-c", "command -v nft"])).exitCode === 0 ? [] : ["nft not found on PATH"])];
if (problems.length) announceSkip("nftables cluster changes", problems);

const KUBE_PROXY = "add table ip kube-proxy\nadd chain ip kube-proxy filter-forward { type filter hook forward priority -110 ; }\nadd rule ip kube-proxy filter-forward ct state new ip daddr 203.0.113.9 drop\n";

describe.skipIf(problems.length > 0)("real kernel: cluster changes (native nftables, compiled tables)", () => {
  let topo: Topology;
  let dp: NftDataplane;
  let netns: string;
  const inNode = (file: string, args: readonly string[], input?: string) => execaRunner("ip", ["netns", "exec", netns, file, ...args], input);

  beforeAll(async () => {
    topo = await buildTopology({
      tag: "pcd-nftc",
      nodes: ["node-1", "node-2"],
      pods: [WEB, CLIENT, REMOTE, LATE].map((p) => ({ namespace: p.ns, name: p.name, node: p.node, ip: p.ip, interfaceName: calicoInterfaceName(p.ns, p.name) })),
      ports: [80],
    });
    netns = topo.node("node-1").netns;
    dp = new NftDataplane({ runner: inNode });
    expect((await inNode("nft", ["-f", "-"], KUBE_PROXY)).exitCode).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await topo?.destroy();
  });

  async function reach(from: Pod): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await topo.pod(`${from.ns}/${from.name}`).agent.probe({ proto: "tcp", host: WEB.ip, port: 80, srcPort: topo.nextSourcePort(), timeoutMs: 800 });
      const ok = r.ok && r.reply === "shop/web";
      if (attempt === 1 || ok) return ok;
    }
    return false;
  }
  const kubeProxy = async () => (await inNode("nft", ["list", "table", "ip", "kube-proxy"])).stdout.replace(/counter packets \d+ bytes \d+/g, "counter");

  it("every step is enforced, verified by reading the table back, and kube-proxy's table is untouched", async () => {
    const before = await kubeProxy();
    for (const [name, cluster, expected] of STEPS) {
      const desired = compileNft(clusterModel(cluster), { node: "node-1" });
      const result = await dp.apply(desired);
      expect(result.attempts, name).toBe(1);
      if (name === "remote pod added") expect(result.transactions.map((t) => t.lines), name).toEqual([[expect.stringMatching(/^add element ip calico cali40s-\S+ \{ 10\.65\.1\.21\/32 \}$/)]]);
      expect((await dp.plan(desired)).lines, name).toEqual([]);
      const observed = await Promise.all([CLIENT, REMOTE, LATE].map(reach));
      expect({ step: name, reach: observed }).toEqual({ step: name, reach: expected });
      expect(await kubeProxy(), name).toBe(before);
    }
  }, 240_000);
});
