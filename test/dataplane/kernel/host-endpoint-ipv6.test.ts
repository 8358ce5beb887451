/**
 * host-endpoint.test.ts over IPv6, on iptables-legacy, iptables-nft and native nftables
 * (`ip6 calico`, hep-backends.ts): the same two namespaces joined by a veth
 * pair, with ULA addresses only (node fd00:99::1 on eth0, the host endpoint; ext fd00:99::2),
 * added `nodad` so no duplicate address detection delays the first packet. The IPv6 state
 * (`compile(…, { ipVersion: 6 })`, or compileNft's `ip6 calico`) is applied with an IPv6 Dataplane
 * or NftDataplane, so the mangle and raw tables (layers) go through the diff and apply too.
 *
 * The neighbours are static: Felix gives IPv6 host endpoints no ICMPv6 exception (neighbour
 * discovery is allowed only from workloads, in cali-wl-to-host) and the kernel does not track
 * neighbour solicitations, so a host endpoint without an ICMPv6 policy blocks them, as it does
 * on a real Calico node. The first case checks exactly that before adding the static entries.
 *
 * Every TCP probe is also traced (explainFlow from ext's IPv6 address to `host:node-1` with
 * ipVersion 6, over the same dataplane) and the trace's verdict must equal the kernel's, as in the
 * IPv4 suite; the one probe not traced is 30080 while the foreign DNAT alone decides it.
 */
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSources } from "../../../src/model/load.js";
import { explainFlow } from "../../../src/trace/index.js";
import { HEP_BACKENDS, hepBackendProblems, hepDataplane, type HepDataplane } from "./hep-backends.js";
import { ALLOW_8081, DENY_NODEPORT, hostEndpoint, tcpClient, tcpServer, untracked9000 } from "./host-policies.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
for (const tool of ["conntrack", "ip6tables-legacy-restore", "ip6tables-nft-restore"]) {
  const r = await execa("sh", ["-c", `command -v ${tool}`], { reject: false });
  if (r.exitCode !== 0) problems.push(`${tool} not found on PATH`);
}
problems.push(...(await hepBackendProblems("nftables")));
if (problems.length) announceSkip("IPv6 host endpoints", problems);

const NODE_IP = "fd00:99::1";
const EXT_IP = "fd00:99::2";

const HEP = hostEndpoint(NODE_IP);
const UNTRACKED_9000 = untracked9000(6);

function modelOf(...docs: string[]) {
  const loaded = loadSources(docs.map((text, i) => ({ file: `doc${i}.yaml`, text })));
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded.model;
}

const NODE = { node: "node-1" };

/** The trace's verdict for a TCP connection from ext to the node over IPv6. */
function traced(docs: readonly string[], port: number, dataplane: HepDataplane["traceDataplane"]): "open" | "closed" {
  const e = explainFlow(modelOf(...docs), { from: { kind: "ip", ip: EXT_IP }, to: { kind: "host", node: "node-1" }, protocol: "TCP", port, ipVersion: 6 }, { dataplane });
  return e.verdict === "allow" ? "open" : "closed";
}

const SERVER = tcpServer([22, 8080, 8081, 9000], 6);

const CLIENT = tcpClient();

describe.skipIf(problems.length > 0).each(HEP_BACKENDS)("IPv6 host endpoints in a real kernel (%s)", (backend) => {
  let node: Netns;
  let ext: Netns;
  let server: ResultPromise | undefined;
  let dp: HepDataplane;
  const connect = async (port: number): Promise<string> => (await ext.exec(process.execPath, ["-e", CLIENT, NODE_IP, String(port)])).trim();
  const probe = async (docs: readonly string[], port: number): Promise<string> => {
    const kernel = await connect(port);
    expect(traced(docs, port, dp.traceDataplane), `trace of tcp/${port} over IPv6 vs the kernel (${kernel})`).toBe(kernel === "open" ? "open" : "closed");
    return kernel;
  };
  const conntrackEntries = async (port: number): Promise<string> => (await node.runner("conntrack", ["-L", "-f", "ipv6", "-p", "tcp", "--dport", String(port)])).stdout.trim();
  const mac = async (ns: Netns, dev: string): Promise<string> => (JSON.parse(await ns.exec("ip", ["-j", "link", "show", dev])) as { address: string }[])[0]!.address;

  beforeAll(async () => {
    node = await createNetns(`hep6-node-${backend}`);
    ext = await createNetns(`hep6-ext-${backend}`);
    await node.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "ext0"]);
    await node.exec("ip", ["link", "set", "ext0", "netns", ext.name]);
    await node.exec("ip", ["-6", "addr", "add", `${NODE_IP}/64`, "dev", "eth0", "nodad"]);
    await node.exec("ip", ["link", "set", "eth0", "up"]);
    await node.exec("ip", ["link", "set", "lo", "up"]);
    await ext.exec("ip", ["-6", "addr", "add", `${EXT_IP}/64`, "dev", "ext0", "nodad"]);
    await ext.exec("ip", ["link", "set", "ext0", "up"]);
    dp = hepDataplane(backend, node, 6);
    // A foreign NodePort-style DNAT, as kube-proxy would write it.
    await dp.addForeignDnat(`[${NODE_IP}]:8081`);
    server = execa("ip", ["netns", "exec", node.name, process.execPath, "-e", SERVER], { reject: false });
    for (let i = 0; i < 50 && (await connect(8080)) !== "open"; i++) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    if (server?.pid !== undefined) process.kill(server.pid);
    await server?.catch(() => undefined);
    await node?.destroy();
    await ext?.destroy();
  });

  it("no policy: neighbour discovery is policed (as in Felix); with static neighbours failsafe tcp/22 connects, tcp/8080 is dropped", async () => {
    const r = await dp.apply(modelOf(HEP), NODE);
    expect(r.written).toContain(dp.writes.mangle);
    // Forget what the unpoliced first connections learnt: a new solicitation now meets the
    // host endpoint (no ICMPv6 exception), so even the failsafe port is unreachable.
    await node.exec("ip", ["-6", "neigh", "flush", "dev", "eth0"]);
    await ext.exec("ip", ["-6", "neigh", "flush", "dev", "ext0"]);
    expect(await connect(22)).toBe("timeout");
    expect(explainFlow(modelOf(HEP), { from: { kind: "ip", ip: "fe80::2" }, to: { kind: "host", node: "node-1" }, protocol: "ICMP", icmp: { type: 135 }, ipVersion: 6 }, { dataplane: dp.traceDataplane }).verdict).toBe("deny");
    await node.exec("ip", ["-6", "neigh", "replace", EXT_IP, "lladdr", await mac(ext, "ext0"), "dev", "eth0", "nud", "permanent"]);
    await ext.exec("ip", ["-6", "neigh", "replace", NODE_IP, "lladdr", await mac(node, "eth0"), "dev", "ext0", "nud", "permanent"]);
    expect(await probe([HEP], 22)).toBe("open");
    expect(await probe([HEP], 8080)).toBe("timeout");
  });

  it("preDNAT policy matches the port before the foreign DNAT", async () => {
    await dp.apply(modelOf(HEP, ALLOW_8081), NODE);
    expect(await probe([HEP, ALLOW_8081], 8081)).toBe("open");
    expect(await connect(30080)).toBe("open");
    const docs = [HEP, ALLOW_8081, DENY_NODEPORT];
    const r = await dp.apply(modelOf(...docs), NODE);
    expect(r.written).toContain(dp.writes.mangle);
    expect(await probe(docs, 30080)).toBe("timeout");
    expect(await probe(docs, 8081)).toBe("open");
    expect(await probe(docs, 8080)).toBe("timeout");
  });

  it("untracked IPv6 policy: the connection works and leaves no IPv6 conntrack entry", async () => {
    await node.exec("conntrack", ["-F", "-f", "ipv6"]);
    const docs = [HEP, UNTRACKED_9000];
    const r = await dp.apply(modelOf(...docs), NODE);
    expect(r.written).toContain(dp.writes.raw);
    expect(await probe(docs, 9000)).toBe("open");
    expect(await conntrackEntries(9000)).toBe("");
    const reply = dp.tracePath(modelOf(...docs), NODE, { kind: "Packet", srcIp: NODE_IP, dstIp: EXT_IP, protocol: 6, srcPort: 9000, dstPort: 40000, inInterface: "", outInterface: "eth0", ctState: "NEW" }, "output");
    expect(reply.verdict).toBe("allow");
    expect(reply.tables[0]).toMatchObject({ table: "raw", hook: "OUTPUT", untracked: true });
    // A tracked (failsafe) connection does create one, so the check can see entries.
    expect(await probe(docs, 22)).toBe("open");
    expect(await probe(docs, 8080)).toBe("timeout");
    expect(await conntrackEntries(22)).toMatch(/dport=22/);
  });

  it("removing the host endpoint removes our IPv6 mangle and raw content, the foreign nat rule stays", async () => {
    expect(await dp.hostTables()).not.toBe("");
    const r = await dp.apply(modelOf(ALLOW_8081), NODE);
    expect(r.changed).toBe(true);
    expect(await dp.hostTables()).toBe("");
    expect(await dp.foreignNat()).toMatch(new RegExp(`(--to-destination|dnat to) \\[${NODE_IP}\\]:8081`));
    expect(await connect(8080)).toBe("open");
    expect(await dp.pending(modelOf(ALLOW_8081), NODE)).toBe(0);
  });
});
