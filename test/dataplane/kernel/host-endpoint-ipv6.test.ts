/**
 * host-endpoint.test.ts over IPv6, on both backends: the same two namespaces joined by a veth
 * pair, with ULA addresses only (node fd00:99::1 on eth0, the host endpoint; ext fd00:99::2),
 * added `nodad` so no duplicate address detection delays the first packet. The IPv6 state
 * (`compile(…, { ipVersion: 6 })`) is applied with an IPv6 Dataplane, so ip6tables' mangle and
 * raw tables go through the diff and apply too.
 *
 * The neighbours are static: Felix gives IPv6 host endpoints no ICMPv6 exception (neighbour
 * discovery is allowed only from workloads, in cali-wl-to-host) and the kernel does not track
 * neighbour solicitations, so a host endpoint without an ICMPv6 policy blocks them, as it does
 * on a real Calico node. The first case checks exactly that before adding the static entries.
 *
 * Every TCP probe is also traced (explainFlow from ext's IPv6 address to `host:node-1` with
 * ipVersion 6) and the trace's verdict must equal the kernel's, as in the IPv4 suite; the one
 * probe not traced is 30080 while the foreign ip6tables DNAT alone decides it.
 */
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataplane } from "../../../src/dataplane/dataplane.js";
import { loadSources } from "../../../src/model/load.js";
import { compile } from "../../../src/render/compile.js";
import { explainFlow, traceHostPath } from "../../../src/trace/index.js";
import { ALLOW_8081, DENY_NODEPORT, hostEndpoint, tcpClient, tcpServer, untracked9000 } from "./host-policies.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
for (const tool of ["conntrack", "ip6tables-legacy-restore", "ip6tables-nft-restore"]) {
  const r = await execa("sh", ["-c", `command -v ${tool}`], { reject: false });
  if (r.exitCode !== 0) problems.push(`${tool} not found on PATH`);
}
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

const stateOf = (...docs: string[]) => compile(modelOf(...docs), { node: "node-1", ipVersion: 6 });

/** The trace's verdict for a TCP connection from ext to the node over IPv6. */
function traced(docs: readonly string[], port: number): "open" | "closed" {
  const e = explainFlow(modelOf(...docs), { from: { kind: "ip", ip: EXT_IP }, to: { kind: "host", node: "node-1" }, protocol: "TCP", port, ipVersion: 6 });
  return e.verdict === "allow" ? "open" : "closed";
}

const SERVER = tcpServer([22, 8080, 8081, 9000], 6);

const CLIENT = tcpClient();

describe.skipIf(problems.length > 0).each(["legacy", "nft"] as const)("IPv6 host endpoints in a real kernel (%s)", (backend) => {
  let node: Netns;
  let ext: Netns;
  let server: ResultPromise | undefined;
  let dp: Dataplane;
  const connect = async (port: number): Promise<string> => (await ext.exec(process.execPath, ["-e", CLIENT, NODE_IP, String(port)])).trim();
  const probe = async (docs: readonly string[], port: number): Promise<string> => {
    const kernel = await connect(port);
    expect(traced(docs, port), `trace of tcp/${port} over IPv6 vs the kernel (${kernel})`).toBe(kernel === "open" ? "open" : "closed");
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
    // A foreign NodePort-style DNAT, as kube-proxy would write it in ip6tables.
    await node.exec(`ip6tables-${backend}-restore`, ["--noflush"], `*nat\n-A PREROUTING -p tcp -m tcp --dport 30080 -j DNAT --to-destination [${NODE_IP}]:8081\nCOMMIT\n`);
    server = execa("ip", ["netns", "exec", node.name, process.execPath, "-e", SERVER], { reject: false });
    dp = new Dataplane({ backend, runner: node.runner, ipVersion: 6 });
    for (let i = 0; i < 50 && (await connect(8080)) !== "open"; i++) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    if (server?.pid !== undefined) process.kill(server.pid);
    await server?.catch(() => undefined);
    await node?.destroy();
    await ext?.destroy();
  });

  it("no policy: neighbour discovery is policed (as in Felix); with static neighbours failsafe tcp/22 connects, tcp/8080 is dropped", async () => {
    const r = await dp.apply(stateOf(HEP));
    expect(r.transactions[0]?.iptables).toContain("*mangle");
    // Forget what the unpoliced first connections learnt: a new solicitation now meets the
    // host endpoint (no ICMPv6 exception), so even the failsafe port is unreachable.
    await node.exec("ip", ["-6", "neigh", "flush", "dev", "eth0"]);
    await ext.exec("ip", ["-6", "neigh", "flush", "dev", "ext0"]);
    expect(await connect(22)).toBe("timeout");
    expect(explainFlow(modelOf(HEP), { from: { kind: "ip", ip: "fe80::2" }, to: { kind: "host", node: "node-1" }, protocol: "ICMP", icmp: { type: 135 }, ipVersion: 6 }).verdict).toBe("deny");
    await node.exec("ip", ["-6", "neigh", "replace", EXT_IP, "lladdr", await mac(ext, "ext0"), "dev", "eth0", "nud", "permanent"]);
    await ext.exec("ip", ["-6", "neigh", "replace", NODE_IP, "lladdr", await mac(node, "eth0"), "dev", "ext0", "nud", "permanent"]);
    expect(await probe([HEP], 22)).toBe("open");
    expect(await probe([HEP], 8080)).toBe("timeout");
  });

  it("preDNAT policy matches the port before the ip6tables DNAT", async () => {
    await dp.apply(stateOf(HEP, ALLOW_8081));
    expect(await probe([HEP, ALLOW_8081], 8081)).toBe("open");
    expect(await connect(30080)).toBe("open");
    const docs = [HEP, ALLOW_8081, DENY_NODEPORT];
    const r = await dp.apply(stateOf(...docs));
    expect(r.transactions[0]?.iptables).toContain("*mangle");
    expect(await probe(docs, 30080)).toBe("timeout");
    expect(await probe(docs, 8081)).toBe("open");
    expect(await probe(docs, 8080)).toBe("timeout");
  });

  it("untracked IPv6 policy: the connection works and leaves no IPv6 conntrack entry", async () => {
    await node.exec("conntrack", ["-F", "-f", "ipv6"]);
    const docs = [HEP, UNTRACKED_9000];
    const state = stateOf(...docs);
    const r = await dp.apply(state);
    expect(r.transactions[0]?.iptables).toContain("*raw");
    expect(await probe(docs, 9000)).toBe("open");
    expect(await conntrackEntries(9000)).toBe("");
    const reply = traceHostPath(state, { kind: "Packet", srcIp: NODE_IP, dstIp: EXT_IP, protocol: 6, srcPort: 9000, dstPort: 40000, inInterface: "", outInterface: "eth0", ctState: "NEW" }, "output");
    expect(reply.verdict).toBe("allow");
    expect(reply.tables[0]).toMatchObject({ table: "raw", hook: "OUTPUT", untracked: true });
    // A tracked (failsafe) connection does create one, so the check can see entries.
    expect(await probe(docs, 22)).toBe("open");
    expect(await probe(docs, 8080)).toBe("timeout");
    expect(await conntrackEntries(22)).toMatch(/dport=22/);
  });

  it("removing the host endpoint removes our ip6tables mangle and raw content, the foreign nat rule stays", async () => {
    const r = await dp.apply(stateOf(ALLOW_8081));
    expect(r.changed).toBe(true);
    for (const table of ["mangle", "raw"]) {
      const save = await node.exec(`ip6tables-${backend}-save`, ["-t", table]);
      expect(save).not.toMatch(/cali/);
    }
    expect(await node.exec(`ip6tables-${backend}-save`, ["-t", "nat"])).toContain(`--to-destination [${NODE_IP}]:8081`);
    expect(await connect(8080)).toBe("open");
    expect((await dp.plan(stateOf(ALLOW_8081))).iptables).toEqual([]);
  });
});
