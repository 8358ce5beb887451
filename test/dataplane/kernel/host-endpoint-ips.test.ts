/**
 * A host endpoint that gives only expectedIPs, in a real kernel, on both backends: a "node"
 * namespace with a veth `up0` (10.98.0.1) to an "ext" client (10.98.0.2). The node's interfaces
 * are read from the namespace itself (readHostInterfaces: `ip -j addr show`), the endpoint is
 * placed on up0 by its address, and real TCP connections decide: the allowed port connects, an
 * other port is dropped, failsafe tcp/22 connects. Before the address is on up0 the endpoint
 * governs no interface, so nothing is filtered.
 */
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataplane } from "../../../src/dataplane/dataplane.js";
import { readHostInterfaces } from "../../../src/dataplane/interfaces.js";
import { loadSources } from "../../../src/model/load.js";
import { compile } from "../../../src/render/compile.js";
import type { HostInterface } from "../../../src/resolve/index.js";
import { tcpClient, tcpServer } from "./host-policies.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
if (problems.length) announceSkip("host endpoints by expectedIPs", problems);

const NODE_IP = "10.98.0.1";
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

const CLIENT = tcpClient();

const stateFor = (hostInterfaces: readonly HostInterface[]) => {
  const loaded = loadSources([{ file: "hep.yaml", text: DOCS }]);
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return compile(loaded.model, { node: "node-1", hostInterfaces });
};

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("expectedIPs-only host endpoint in a real kernel (%s)", (backend) => {
  let node: Netns;
  let ext: Netns;
  let server: ResultPromise | undefined;
  let dp: Dataplane;
  const connect = async (port: number): Promise<string> => (await ext.exec(process.execPath, ["-e", CLIENT, NODE_IP, String(port)])).trim();

  beforeAll(async () => {
    node = await createNetns(`hepip-node-${backend}`);
    ext = await createNetns(`hepip-ext-${backend}`);
    await node.exec("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "ext0"]);
    await node.exec("ip", ["link", "set", "ext0", "netns", ext.name]);
    await node.exec("ip", ["link", "set", "up0", "up"]);
    await node.exec("ip", ["link", "set", "lo", "up"]);
    await ext.exec("ip", ["addr", "add", "10.98.0.2/24", "dev", "ext0"]);
    await ext.exec("ip", ["link", "set", "ext0", "up"]);
    dp = new Dataplane({ backend, runner: node.runner });
  });
  afterAll(async () => {
    if (server?.pid !== undefined) process.kill(server.pid);
    await server?.catch(() => undefined);
    await node?.destroy();
    await ext?.destroy();
  });

  it("no interface holds the address yet: no host endpoint chains", async () => {
    const ifaces = await readHostInterfaces(node.runner);
    expect(ifaces.find((i) => i.name === "up0")?.addresses.filter((a) => !a.startsWith("fe80:"))).toEqual([]);
    await dp.apply(stateFor(ifaces));
    const save = await node.exec(`iptables-${backend}-save`, ["-t", "filter"]);
    expect(save).not.toMatch(/cali-fh-/);
  });

  it("the address on up0: the endpoint governs up0, 8081 connects, 8080 is dropped, failsafe 22 connects", async () => {
    await node.exec("ip", ["addr", "add", `${NODE_IP}/24`, "dev", "up0"]);
    server = execa("ip", ["netns", "exec", node.name, process.execPath, "-e", SERVER], { reject: false });
    for (let i = 0; i < 50 && (await connect(8080)) !== "open"; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await connect(8080)).toBe("open");

    const ifaces = await readHostInterfaces(node.runner);
    expect(ifaces.find((i) => i.name === "up0")?.addresses).toContain(NODE_IP);
    const r = await dp.apply(stateFor(ifaces));
    expect(r.changed).toBe(true);
    const save = await node.exec(`iptables-${backend}-save`, ["-t", "filter"]);
    expect(save).toMatch(/--in-interface up0 .*--goto cali-fh-up0|-i up0 .*-g cali-fh-up0/);
    expect(await connect(8081)).toBe("open");
    expect(await connect(8080)).toBe("timeout");
    expect(await connect(22)).toBe("open");
  });
});
