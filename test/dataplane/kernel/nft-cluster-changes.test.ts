/**
 * The cluster changes of cluster-changes.test.ts on the nftables dataplane, with tables compiled
 * by compileNft: each step applied with NftDataplane.apply in one attempt, verified by an empty
 * re-diff against the table read back, and enforced as real traffic shows. A remote pod
 * appearing is one element of a plain address set; kube-proxy's nft table beside ours stays byte
 * for byte. Then a selector set changes layout (render.ts nftSet): a NetworkSet's CIDR joins a
 * selector set of pods, which becomes the interval set `cali41s-…` in one transaction (new set,
 * rule rewritten, old set deleted; never a table rebuild), the CIDR's pods get through, and
 * back.
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
      if (name === "remote pod added") expect(result.transactions.map((t) => t.lines), name).toEqual([[expect.stringMatching(/^add element ip calico cali40s-\S+ \{ 10\.65\.1\.21 \}$/)]]);
      expect((await dp.plan(desired)).lines, name).toEqual([]);
      const observed = await Promise.all([CLIENT, REMOTE, LATE].map(reach));
      expect({ step: name, reach: observed }).toEqual({ step: name, reach: expected });
      expect(await kubeProxy(), name).toBe(before);
    }
  }, 240_000);

  it("a selector set that starts holding a CIDR is replaced by an interval set by name, and back, with traffic", async () => {
    const pods = [WEB, CLIENT, REMOTE, LATE];
    const namespaces = { shop: { team: "shop" }, other: { team: "other" } };
    const clients = {
      apiVersion: "projectcalico.org/v3",
      kind: "NetworkPolicy",
      metadata: { name: "web-from-clients", namespace: "shop" },
      spec: { selector: "app == 'web'", types: ["Ingress"], ingress: [{ action: "Allow", protocol: "TCP", source: { selector: "app == 'client'" }, destination: { ports: [80] } }] },
    };
    const partnerNet = { apiVersion: "projectcalico.org/v3", kind: "NetworkSet", metadata: { name: "partners", namespace: "shop", labels: { app: "client" } }, spec: { nets: ["10.65.1.0/24"] } };
    const steps: [string, object[], [boolean, boolean, boolean], RegExp[]][] = [
      ["pods only: a plain set", [clients], [true, false, false], []],
      ["a NetworkSet joins the selector: an interval set under a new name", [clients, partnerNet], [true, true, true], [/^add set ip calico cali41s-\S+ \{ type ipv4_addr ; flags interval ; \}$/, /^delete set ip calico cali40s-\S+$/]],
      ["the NetworkSet leaves: the plain set again", [clients], [true, false, false], [/^add set ip calico cali40s-\S+ \{ type ipv4_addr ; \}$/, /^delete set ip calico cali41s-\S+$/]],
    ];
    for (const [name, policies, expected, lines] of steps) {
      const desired = compileNft(clusterModel({ namespaces, pods, policies }), { node: "node-1" });
      const result = await dp.apply(desired);
      expect(result.attempts, name).toBe(1);
      const written = result.transactions.flatMap((t) => t.lines);
      for (const l of lines) expect(written, name).toContainEqual(expect.stringMatching(l));
      expect(written.filter((l) => /table|^# note/.test(l)), name).toEqual([]);
      expect((await dp.plan(desired)).lines, name).toEqual([]);
      const observed = await Promise.all([CLIENT, REMOTE, LATE].map(reach));
      expect({ step: name, reach: observed }).toEqual({ step: name, reach: expected });
    }
  }, 240_000);
});
