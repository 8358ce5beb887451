/**
 * Cluster changes applied to a real node with Dataplane.apply, checked by traffic between pods
 * (Calico-style routed topology in network namespaces, from the kernel conformance harness)
 * and by iptables-save/ipset save (an empty re-diff after every step). Foreign rules, chains and
 * sets on the node survive the whole sequence byte for byte, and a remote pod appearing costs
 * one ipset line and no iptables write.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataplane } from "../../../src/dataplane/dataplane.js";
import { isEmptyTransaction, transactionSize } from "../../../src/diff/transaction.js";
import { compile } from "../../../src/render/index.js";
import type { DataplaneState } from "../../../src/render/types.js";
import { buildTopology, calicoInterfaceName, type Topology } from "../../kernel/harness/topology.js";
import { announceSkip, kernelProblems } from "./netns.js";
import { CLIENT, LATE, REMOTE, STEPS, WEB, clusterModel, type Cluster, type Pod } from "./cluster-steps.js";

const compileCluster = (c: Cluster): DataplaneState => compile(clusterModel(c), { node: "node-1" });
import { execaRunner } from "../../../src/dataplane/runner.js";

const problems = await kernelProblems();
if (problems.length) announceSkip("dataplane cluster changes", problems);

const FOREIGN = [
  "*filter",
  ":FOREIGN-CHAIN - -",
  "-A FOREIGN-CHAIN -m set --match-set foreign-set src -j RETURN",
  "-A INPUT -j FOREIGN-CHAIN",
  "-A FORWARD -p udp -m udp --dport 9999 -j ACCEPT",
  "COMMIT",
  "",
].join("\n");

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("real kernel: cluster changes (%s)", (backend) => {
  let topo: Topology;
  let dp: Dataplane;
  let netns: string;
  const inNode = (file: string, args: readonly string[], input?: string) => execaRunner("ip", ["netns", "exec", netns, file, ...args], input);

  beforeAll(async () => {
    topo = await buildTopology({
      tag: `pcd-${backend}`,
      nodes: ["node-1", "node-2"],
      pods: [WEB, CLIENT, REMOTE, LATE].map((p) => ({ namespace: p.ns, name: p.name, node: p.node, ip: p.ip, interfaceName: calicoInterfaceName(p.ns, p.name) })),
      ports: [80],
    });
    netns = topo.node("node-1").netns;
    dp = new Dataplane({ backend, runner: (file, args, input) => inNode(file, args, input) });
    expect((await inNode("ipset", ["restore"], "create foreign-set hash:ip family inet maxelem 16\nadd foreign-set 192.0.2.1\n")).exitCode).toBe(0);
    expect((await inNode(`iptables-${backend}-restore`, ["--noflush"], FOREIGN)).exitCode).toBe(0);
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

  const foreign = async () => {
    const save = (await inNode(`iptables-${backend}-save`, ["-t", "filter"])).stdout;
    const lines = save.split("\n").filter((l) => /^(-A|:)/.test(l) && !/^(-A |:)cali-/.test(l) && !l.includes('"cali:'));
    return { lines: lines.map((l) => l.replace(/ \[\d+:\d+\]$/, "")), set: (await inNode("ipset", ["save", "foreign-set"])).stdout };
  };

  it("every step is enforced, verified by iptables-save, and leaves foreign content alone", async () => {
    const foreignBefore = await foreign();
    for (const [name, cluster, expected] of STEPS) {
      const desired = compileCluster(cluster);
      const result = await dp.apply(desired);
      expect(result.attempts, name).toBe(1);
      if (name === "remote pod added") {
        expect(result.transactions.map(transactionSize), name).toEqual([{ ipset: 1, iptables: 0 }]);
      }
      expect(isEmptyTransaction(await dp.plan(desired)), name).toBe(true);
      const observed = await Promise.all([CLIENT, REMOTE, LATE].map(reach));
      expect({ step: name, reach: observed }).toEqual({ step: name, reach: expected });
      expect(await foreign(), name).toEqual(foreignBefore);
    }
  });
});
