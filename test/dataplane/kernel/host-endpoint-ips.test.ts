/**
 * A host endpoint that gives only expectedIPs, in a real kernel, on iptables-legacy, iptables-nft
 * and native nftables (hep-backends.ts): a "node"
 * namespace with a veth `up0` (10.98.0.1) to an "ext" client (10.98.0.2). The node's interfaces
 * are read from the namespace itself (readHostInterfaces: `ip -j addr show`), the endpoint is
 * placed on up0 by its address, and real TCP connections decide: the allowed port connects, an
 * other port is dropped, failsafe tcp/22 connects, and the trace over the same dataplane agrees
 * on each. Before the address is on up0 the endpoint governs no interface, so nothing is filtered.
 */
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHostInterfaces } from "../../../src/dataplane/interfaces.js";
import { loadSources } from "../../../src/model/load.js";
import type { HostInterface } from "../../../src/resolve/index.js";
import { explainFlow } from "../../../src/trace/index.js";
import { HEP_BACKENDS, hepBackendProblems, hepDataplane, type HepDataplane } from "./hep-backends.js";
import { tcpClient, tcpServer } from "./host-policies.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
problems.push(...(await hepBackendProblems("nftables")));
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

const model = () => {
  const loaded = loadSources([{ file: "hep.yaml", text: DOCS }]);
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded.model;
};
const options = (hostInterfaces: readonly HostInterface[]) => ({ node: "node-1", hostInterfaces });

describe.skipIf(problems.length > 0).each(HEP_BACKENDS)("expectedIPs-only host endpoint in a real kernel (%s)", (backend) => {
  let node: Netns;
  let ext: Netns;
  let server: ResultPromise | undefined;
  let dp: HepDataplane;
  const connect = async (port: number): Promise<string> => (await ext.exec(process.execPath, ["-e", CLIENT, NODE_IP, String(port)])).trim();
  /** Connect, and require the trace (with the node's interfaces as read) to agree with the kernel. */
  const probe = async (hostInterfaces: readonly HostInterface[], port: number): Promise<string> => {
    const kernel = await connect(port);
    const e = explainFlow(model(), { from: { kind: "ip", ip: "10.98.0.2" }, to: { kind: "host", node: "node-1" }, protocol: "TCP", port }, { dataplane: dp.traceDataplane, hostInterfaces });
    expect(e.verdict, `trace of tcp/${port} vs the kernel (${kernel})`).toBe(kernel === "open" ? "allow" : "deny");
    return kernel;
  };

  beforeAll(async () => {
    node = await createNetns(`hepip-node-${backend}`);
    ext = await createNetns(`hepip-ext-${backend}`);
    await node.exec("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "ext0"]);
    await node.exec("ip", ["link", "set", "ext0", "netns", ext.name]);
    await node.exec("ip", ["link", "set", "up0", "up"]);
    await node.exec("ip", ["link", "set", "lo", "up"]);
    await ext.exec("ip", ["addr", "add", "10.98.0.2/24", "dev", "ext0"]);
    await ext.exec("ip", ["link", "set", "ext0", "up"]);
    dp = hepDataplane(backend, node, 4);
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
    await dp.apply(model(), options(ifaces));
    expect(await dp.filterText()).not.toMatch(/cali-fh-/);
  });

  it("the address on up0: the endpoint governs up0, 8081 connects, 8080 is dropped, failsafe 22 connects", async () => {
    await node.exec("ip", ["addr", "add", `${NODE_IP}/24`, "dev", "up0"]);
    server = execa("ip", ["netns", "exec", node.name, process.execPath, "-e", SERVER], { reject: false });
    for (let i = 0; i < 50 && (await connect(8080)) !== "open"; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await connect(8080)).toBe("open");

    const ifaces = await readHostInterfaces(node.runner);
    expect(ifaces.find((i) => i.name === "up0")?.addresses).toContain(NODE_IP);
    const r = await dp.apply(model(), options(ifaces));
    expect(r.changed).toBe(true);
    expect(await dp.filterText()).toMatch(dp.hostDispatch("up0"));
    expect(await probe(ifaces, 8081)).toBe("open");
    expect(await probe(ifaces, 8080)).toBe("timeout");
    expect(await probe(ifaces, 22)).toBe("open");
  });
});
