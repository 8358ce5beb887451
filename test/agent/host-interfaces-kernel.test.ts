/**
 * The agent follows the node's addresses, in a real kernel on each dataplane (iptables-legacy,
 * iptables-nft, native nftables). A "node"
 * namespace with a veth `up0` (no address yet) to an "ext" client (10.97.0.2); the watched
 * directory holds a host endpoint that gives only expectedIPs [10.97.0.1] and a policy allowing
 * tcp/8081 to it. The agent starts (no interface holds the address: no host endpoint chains);
 * then the address is added to up0 and, with no change to any file, the agent re-programs:
 * 8081 connects, 8080 is dropped, failsafe 22 connects. Then the address moves to a dummy
 * interface (dum0, one end of a veth pair inside the node): the endpoint follows it (cali-fh-dum0, no cali-fh-up0) and traffic arriving on up0
 * is no longer filtered.
 */
import { execa, type ResultPromise } from "execa";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tcpClient, tcpServer } from "../dataplane/kernel/host-policies.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "../dataplane/kernel/netns.js";
import { startAgentProcess, type AgentProcess } from "./agent-process.js";
import { AGENT_DATAPLANES, dataplaneArgs, filterText, nftProblems } from "./dataplanes.js";

const problems = [...(await kernelProblems()), ...(await nftProblems())];
if (problems.length) announceSkip("agent host interfaces", problems);

const NODE_IP = "10.97.0.1";
const DOCS = `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: node-uplink
  labels: {role: edge}
spec:
  node: node-1
  expectedIPs: [${NODE_IP}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: allow-8081}
spec:
  selector: role == 'edge'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    destination: {ports: [8081]}
`;

const SERVER = tcpServer([22, 8080, 8081]);

const CLIENT = tcpClient(700);

describe.skipIf(problems.length > 0).each(AGENT_DATAPLANES)("agent follows host interface addresses (%s)", (backend) => {
  let node: Netns;
  let ext: Netns;
  let dir: string;
  let server: ResultPromise | undefined;
  let agent: AgentProcess | undefined;
  const connect = async (port: number): Promise<string> => (await ext.exec(process.execPath, ["-e", CLIENT, NODE_IP, String(port)])).trim();
  const save = () => filterText((f, a) => node.exec(f, a), backend);
  /** The interface's traffic goes to its host endpoint chain (an iptables `-i … -g`, an nft `iifname … goto`). */
  const dispatches = (iface: string): RegExp => (backend === "nftables" ? new RegExp(`iifname "${iface}" .*goto filter-cali-fh-${iface}\\b`) : new RegExp(`-i ${iface} .*-g cali-fh-${iface}\\b`));
  /** Polls until tcp/port from ext gives `want`; returns the ms it took. */
  const until = async (port: number, want: string, ms = 8000): Promise<number> => {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      if ((await connect(port)) === want) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`tcp/${port} did not become ${want} within ${ms} ms\n${agent?.logs.map((l) => JSON.stringify(l)).join("\n").slice(-3000)}`);
  };

  beforeAll(async () => {
    node = await createNetns(`hepag-node-${backend}`);
    ext = await createNetns(`hepag-ext-${backend}`);
    await node.exec("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "ext0"]);
    await node.exec("ip", ["link", "set", "ext0", "netns", ext.name]);
    await node.exec("ip", ["link", "set", "up0", "up"]);
    await node.exec("ip", ["link", "set", "lo", "up"]);
    // A second interface for the address to move to (a veth pair inside the node: no dummy module here).
    await node.exec("ip", ["link", "add", "dum0", "type", "veth", "peer", "name", "dum1"]);
    await node.exec("ip", ["link", "set", "dum0", "up"]);
    await node.exec("ip", ["link", "set", "dum1", "up"]);
    await ext.exec("ip", ["addr", "add", "10.97.0.2/24", "dev", "ext0"]);
    await ext.exec("ip", ["link", "set", "ext0", "up"]);
    server = execa("ip", ["netns", "exec", node.name, process.execPath, "-e", SERVER], { reject: false });
    dir = await mkdtemp(join(tmpdir(), "pc-hepag-"));
    await writeFile(join(dir, "hep.yaml"), DOCS);
  }, 30_000);

  afterAll(async () => {
    agent?.signal("SIGKILL");
    await agent?.exited;
    if (server?.pid !== undefined) process.kill(server.pid);
    await server?.catch(() => undefined);
    await node?.destroy();
    await ext?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("an address added after start: the policy starts applying on that interface", async () => {
    agent = startAgentProcess(node.name, ["--node", "node-1", "--watch", dir, ...dataplaneArgs(backend), "--resync-seconds", "60", "--batch-ms", "50"]);
    await agent.until((e) => e.event === "converge");
    expect(agent.logs.filter((e) => e.event === "diagnostics")).toEqual([]);
    expect(await save()).not.toMatch(/cali-fh-/);

    await node.exec("ip", ["addr", "add", `${NODE_IP}/24`, "dev", "up0"]);
    const t0 = Date.now();
    await agent.until((e) => e.event === "apply" && e["changed"] === true, 0, 8000);
    const applied = Date.now() - t0;
    expect(agent.logs.some((e) => e.event === "host-interfaces" && JSON.stringify(e["interfaces"]).includes(`up0=${NODE_IP}`))).toBe(true);
    expect(await save()).toMatch(dispatches("up0"));
    expect(await until(8081, "open")).toBeLessThan(8000);
    expect(await connect(8080)).toBe("timeout");
    expect(await connect(22)).toBe("open");
    console.log(`[${backend}] address added -> applied in ${applied} ms`);
  }, 60_000);

  it("the address moves to another interface: the endpoint follows it", async () => {
    const from = agent!.logs.length;
    await node.exec("ip", ["addr", "del", `${NODE_IP}/24`, "dev", "up0"]);
    await node.exec("ip", ["route", "add", "10.97.0.0/24", "dev", "up0"]);
    await node.exec("ip", ["addr", "add", `${NODE_IP}/32`, "dev", "dum0"]);
    await agent!.until((e) => e.event === "host-interfaces" && JSON.stringify(e["interfaces"]).includes(`dum0=${NODE_IP}`), from, 8000);
    // up0 is no longer governed: traffic arriving on it is not filtered any more.
    expect(await until(8080, "open")).toBeLessThan(8000);
    const text = await save();
    expect(text).toMatch(dispatches("dum0"));
    expect(text).not.toMatch(/cali-fh-up0/);
  }, 60_000);
});
