/**
 * The nftables dataplane on a real kernel (Calico-style routed topology in network namespaces):
 * the applied `ip calico` table enforces (TCP 80 allowed from the allowed sources, 81 denied), a
 * diff-applied change takes effect, and removing everything opens the pod again. Throughout,
 * everything else in the node's kernel stays byte for byte as it was (counters ignored): a
 * foreign `ip kube-proxy` table with chains, a set and a map, an `inet filter` table,
 * iptables-nft rules (table `ip filter`), iptables-legacy rules and an ipset.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NftDataplane } from "../../../src/dataplane/nftables.js";
import { execaRunner } from "../../../src/dataplane/runner.js";
import { buildTopology, calicoInterfaceName, type Topology } from "../../kernel/harness/topology.js";
import { announceSkip, kernelProblems } from "./netns.js";
import { EMPTY_TABLE, calicoTable } from "./nft-tables.js";
import { foreignState, loadForeignState } from "./foreign-state.js";

const problems = [...(await kernelProblems()), ...((await execaRunner("sh", ["-c", "command -v nft"])).exitCode === 0 ? [] : ["nft not found on PATH"])];
if (problems.length) announceSkip("nftables dataplane", problems);

const WEB = { ns: "shop", name: "web", node: "node-1", ip: "10.65.0.10" };
const CLIENT = { ns: "shop", name: "client", node: "node-2", ip: "10.65.1.20" };
const OTHER = { ns: "shop", name: "other", node: "node-2", ip: "10.65.1.21" };
const WEB_IF = calicoInterfaceName(WEB.ns, WEB.name);

describe.skipIf(problems.length > 0)("nftables dataplane in a network namespace", () => {
  let topo: Topology;
  let netns: string;
  let dp: NftDataplane;
  const inNode = (file: string, args: readonly string[], input?: string) => execaRunner("ip", ["netns", "exec", netns, file, ...args], input);
  const ok = async (file: string, args: readonly string[], input?: string) => {
    const r = await inNode(file, args, input);
    expect(r.exitCode, `${file} ${args.join(" ")}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    topo = await buildTopology({
      tag: "pcd-nft",
      nodes: ["node-1", "node-2"],
      pods: [WEB, CLIENT, OTHER].map((p) => ({ namespace: p.ns, name: p.name, node: p.node, ip: p.ip, interfaceName: calicoInterfaceName(p.ns, p.name) })),
      ports: [80, 81],
    });
    netns = topo.node("node-1").netns;
    dp = new NftDataplane({ runner: inNode });
    await loadForeignState(ok);
  }, 120_000);
  afterAll(async () => {
    await topo?.destroy();
  });

  const foreign = () => foreignState(ok);

  async function reach(from: typeof CLIENT, port: number): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await topo.pod(`${from.ns}/${from.name}`).agent.probe({ proto: "tcp", host: WEB.ip, port, srcPort: topo.nextSourcePort(), timeoutMs: 800 });
      const reached = r.ok && r.reply === "shop/web";
      if (attempt === 1 || reached) return reached;
    }
    return false;
  }

  it("applies, enforces, takes a diff-applied change, removes everything; foreign state byte-identical throughout", async () => {
    const before = await foreign();
    expect(Object.keys(before).sort()).toEqual(["ipset save", "iptables-legacy-save", "table inet filter", "table ip filter", "table ip kube-proxy"]);

    // 1. First apply: TCP 80 from the client's address only.
    const v1 = calicoTable({ pods: [{ iface: WEB_IF, ports: [80] }], sources: [`${CLIENT.ip}/32`] });
    const first = await dp.apply(v1);
    expect([first.changed, first.attempts]).toEqual([true, 1]);
    expect((await dp.plan(v1)).lines).toEqual([]);
    expect([await reach(CLIENT, 80), await reach(CLIENT, 81), await reach(OTHER, 80)]).toEqual([true, false, false]);
    expect(await foreign()).toEqual(before);

    // 2. A change, planned from the read-back state and applied as one transaction: the other
    //    pod joins the allowed sources (one element) and the policy also allows 81 (one chain).
    const v2 = calicoTable({ pods: [{ iface: WEB_IF, ports: [80, 81] }], sources: [`${CLIENT.ip}/32`, `${OTHER.ip}/32`] });
    const known = await dp.read();
    const tx = await dp.plan(v2);
    expect(tx.lines).toEqual([
      `add element ip calico cali40s-allowed-sources { ${OTHER.ip}/32 }`,
      `flush chain ip calico filter-cali-pi-np/default/allow-${WEB_IF}`,
      expect.stringMatching(new RegExp(`^add rule ip calico filter-cali-pi-np/default/allow-${WEB_IF} meta l4proto tcp ip saddr @cali40s-allowed-sources tcp dport \\{ 80, 81 \\} `)),
    ]);
    const planned = await dp.applyPlanned(known, tx, v2);
    expect(planned.outcome).toBe("planned");
    expect((await dp.plan(v2)).lines).toEqual([]);
    expect([await reach(CLIENT, 81), await reach(OTHER, 80)]).toEqual([true, true]);
    expect(await foreign()).toEqual(before);

    // 3. The pod's rules shrink back to port 80 and the other pod leaves: a changing re-apply.
    const third = await dp.apply(v1);
    expect(third.changed).toBe(true);
    expect([await reach(CLIENT, 80), await reach(CLIENT, 81), await reach(OTHER, 80)]).toEqual([true, false, false]);
    expect(await foreign()).toEqual(before);

    // 4. Removal of everything: the table is left empty, the pod open again.
    await dp.apply(EMPTY_TABLE);
    expect(await ok("nft", ["list", "table", "ip", "calico"])).toBe("table ip calico {\n}\n");
    expect([await reach(CLIENT, 81), await reach(OTHER, 80)]).toEqual([true, true]);
    expect(await foreign()).toEqual(before);
  }, 120_000);

  it("another program's change to ip calico is repaired: a stray chain and set are removed, a tampered chain restored", async () => {
    const v1 = calicoTable({ pods: [{ iface: WEB_IF, ports: [80] }], sources: [`${CLIENT.ip}/32`] });
    await dp.apply(v1);
    await ok("nft", ["-f", "-"], `add chain ip calico stray\nadd set ip calico stray-set { type ipv4_addr ; }\nflush chain ip calico filter-cali-tw-${WEB_IF}\ndelete element ip calico cali40s-allowed-sources { ${CLIENT.ip}/32 }\n`);
    expect(await reach(CLIENT, 81)).toBe(true); // the tampered chain let everything in
    const r = await dp.apply(v1);
    expect([r.changed, r.attempts]).toEqual([true, 1]);
    expect((await dp.plan(v1)).lines).toEqual([]);
    expect([await reach(CLIENT, 80), await reach(CLIENT, 81)]).toEqual([true, false]);
  }, 60_000);
});
