/**
 * Forwarded traffic through a host endpoint (applyOnForward) in a real kernel, on iptables-legacy,
 * iptables-nft and native nftables (hep-backends.ts). Three namespaces: "ext" (10.96.0.2) — the
 * "node" (eth0 10.96.0.1, the host endpoint; eth1 10.95.0.1, forwarding on) — "back" (10.95.0.2,
 * a TCP server on 8080 and 8081). Real connections from ext to back cross the node's forward path:
 *
 * 1. the host endpoint with a normal policy only (allow tcp/8081 to the host): forwarded traffic
 *    meets no forward policy, so it is allowed by default (felix-dataplane.md: a forward chain
 *    with no tiers sets the accept mark): 8080 and 8081 connect;
 * 2. an applyOnForward policy allowing tcp/8081: the forward tier now ends in its default deny,
 *    so 8081 connects and 8080 is dropped;
 * 3. the policy removed again: both connect.
 *
 * Every probe is traced over the same dataplane as a packet on the host's forward path (in on
 * eth0, out on eth1), and the trace's verdict must equal the kernel's.
 */
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSources } from "../../../src/model/load.js";
import { HEP_BACKENDS, hepBackendProblems, hepDataplane, type HepDataplane } from "./hep-backends.js";
import { ALLOW_8081, hostEndpoint, tcpClient, tcpServer } from "./host-policies.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
problems.push(...(await hepBackendProblems("nftables")));
if (problems.length) announceSkip("forwarded traffic through host endpoints", problems);

const NODE_IP = "10.96.0.1";
const EXT_IP = "10.96.0.2";
const BACK_IP = "10.95.0.2";
const HEP = hostEndpoint(NODE_IP);
const FORWARD_8081 = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: forward-8081}
spec:
  selector: role == 'edge'
  order: 20
  applyOnForward: true
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    destination: {ports: [8081]}
`;
const NODE = { node: "node-1" };
const SERVER = tcpServer([8080, 8081]);
const CLIENT = tcpClient();

function modelOf(...docs: string[]) {
  const loaded = loadSources(docs.map((text, i) => ({ file: `doc${i}.yaml`, text })));
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded.model;
}

describe.skipIf(problems.length > 0).each(HEP_BACKENDS)("forwarded traffic through a host endpoint in a real kernel (%s)", (backend) => {
  let node: Netns;
  let ext: Netns;
  let back: Netns;
  let server: ResultPromise | undefined;
  let dp: HepDataplane;
  const connect = async (port: number): Promise<string> => (await ext.exec(process.execPath, ["-e", CLIENT, BACK_IP, String(port)])).trim();
  /** Connect ext → back through the node, and require the trace of the forwarded packet to agree. */
  const probe = async (docs: readonly string[], port: number): Promise<string> => {
    const kernel = await connect(port);
    const packet = { kind: "Packet" as const, srcIp: EXT_IP, dstIp: BACK_IP, protocol: 6, srcPort: 40000, dstPort: port, inInterface: "eth0", outInterface: "eth1", ctState: "NEW" as const };
    const trace = dp.tracePath(modelOf(...docs), NODE, packet, "forward");
    expect(trace.verdict, `trace of forwarded tcp/${port} vs the kernel (${kernel})`).toBe(kernel === "open" ? "allow" : "deny");
    return kernel;
  };

  beforeAll(async () => {
    node = await createNetns(`hepfw-node-${backend}`);
    ext = await createNetns(`hepfw-ext-${backend}`);
    back = await createNetns(`hepfw-back-${backend}`);
    for (const [dev, peer, ns, nodeIp, peerIp] of [
      ["eth0", "ext0", ext, NODE_IP, EXT_IP],
      ["eth1", "back0", back, "10.95.0.1", BACK_IP],
    ] as const) {
      await node.exec("ip", ["link", "add", dev, "type", "veth", "peer", "name", peer]);
      await node.exec("ip", ["link", "set", peer, "netns", ns.name]);
      await node.exec("ip", ["addr", "add", `${nodeIp}/24`, "dev", dev]);
      await node.exec("ip", ["link", "set", dev, "up"]);
      await ns.exec("ip", ["addr", "add", `${peerIp}/24`, "dev", peer]);
      await ns.exec("ip", ["link", "set", peer, "up"]);
      await ns.exec("ip", ["route", "add", "default", "via", nodeIp]);
    }
    await node.exec("ip", ["link", "set", "lo", "up"]);
    await node.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
    dp = hepDataplane(backend, node, 4);
    server = execa("ip", ["netns", "exec", back.name, process.execPath, "-e", SERVER], { reject: false });
    for (let i = 0; i < 50 && (await connect(8080)) !== "open"; i++) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    if (server?.pid !== undefined) process.kill(server.pid);
    await server?.catch(() => undefined);
    await node?.destroy();
    await ext?.destroy();
    await back?.destroy();
  });

  it("no applyOnForward policy: forwarded traffic is allowed by default", async () => {
    const docs = [HEP, ALLOW_8081];
    await dp.apply(modelOf(...docs), NODE);
    expect(await probe(docs, 8080)).toBe("open");
    expect(await probe(docs, 8081)).toBe("open");
  });

  it("an applyOnForward policy allowing 8081: 8081 is forwarded, 8080 dropped by the tier's default deny", async () => {
    const docs = [HEP, ALLOW_8081, FORWARD_8081];
    const r = await dp.apply(modelOf(...docs), NODE);
    expect(r.changed).toBe(true);
    expect(await probe(docs, 8081)).toBe("open");
    expect(await probe(docs, 8080)).toBe("timeout");
  });

  it("the policy removed: both are forwarded again, and the kernel holds exactly the compiled state", async () => {
    const docs = [HEP, ALLOW_8081];
    await dp.apply(modelOf(...docs), NODE);
    expect(await probe(docs, 8080)).toBe("open");
    expect(await probe(docs, 8081)).toBe("open");
    expect(await dp.pending(modelOf(...docs), NODE)).toBe(0);
  });
});
