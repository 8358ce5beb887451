/**
 * Host endpoints in a real kernel, on iptables-legacy, iptables-nft and native nftables
 * (hep-backends.ts). Two namespaces joined by a veth pair: a "node" (10.99.0.1, interface eth0,
 * the host endpoint) and an "ext" client (10.99.0.2). The compiled state is applied with
 * Dataplane or NftDataplane (so the diff and apply of the mangle and raw tables, or layers, are
 * exercised too) and real TCP connections from ext decide:
 *
 * 1. a host endpoint with no policy: failsafe tcp/22 still connects, tcp/8080 is dropped;
 * 2. a normal policy allowing tcp/8081 and a foreign DNAT 30080 → 8081 (the node's iptables nat
 *    table; on native nftables a foreign nft table at nat priority -100, as kube-proxy has it):
 *    30080 connects (DNAT then filter allows 8081); adding a preDNAT policy that denies dst port
 *    30080 closes it while 8081 still connects, so preDNAT policy sees the pre-DNAT port;
 * 3. an untracked (doNotTrack) policy allowing tcp/9000 both ways: the connection works and the
 *    node's conntrack table has no entry for it, while a failsafe connection does get one;
 * 4. removing every host endpoint removes our mangle and raw chains and hooks, and leaves the
 *    foreign nat rule alone.
 *
 * Every probe is also traced over the same dataplane (explainFlow from ext's address to
 * `host:node-1`, which walks raw, mangle and filter as the kernel does; the nft table's base
 * chains on native nftables) and the trace's verdict must equal the kernel's. The
 * one probe not traced is 30080 while the foreign DNAT alone decides it: the trace does not
 * model nat rules it did not write.
 */
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explainFlow } from "../../../src/trace/index.js";
import { HEP_BACKENDS, hepBackendProblems, hepDataplane, type HepDataplane } from "./hep-backends.js";
import { ALLOW_8081, DENY_NODEPORT, hostEndpoint, linkNodeToExt, modelOf, tcpClient, tcpServer, untracked9000 } from "./host-policies.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "./netns.js";

const problems = await kernelProblems();
const conntrack = await execa("sh", ["-c", "command -v conntrack"], { reject: false });
if (conntrack.exitCode !== 0) problems.push("conntrack not found on PATH (Debian package conntrack)");
problems.push(...(await hepBackendProblems("nftables")));
if (problems.length) announceSkip("host endpoints", problems);

const NODE_IP = "10.99.0.1";

const HEP = hostEndpoint(NODE_IP);
const UNTRACKED_9000 = untracked9000();

const NODE = { node: "node-1" };

/** The trace's verdict for a TCP connection from ext to the node (ingress to the host). */
function traced(docs: readonly string[], port: number, dataplane: HepDataplane["traceDataplane"]): "open" | "closed" {
  const e = explainFlow(modelOf(...docs), { from: { kind: "ip", ip: "10.99.0.2" }, to: { kind: "host", node: "node-1" }, protocol: "TCP", port }, { dataplane });
  return e.verdict === "allow" ? "open" : "closed";
}

const SERVER = tcpServer([22, 8080, 8081, 9000]);

const CLIENT = tcpClient();

describe.skipIf(problems.length > 0).each(HEP_BACKENDS)("host endpoints in a real kernel (%s)", (backend) => {
  let node: Netns;
  let ext: Netns;
  let server: ResultPromise | undefined;
  let dp: HepDataplane;
  const connect = async (port: number): Promise<string> =>
    (await ext.exec(process.execPath, ["-e", CLIENT, NODE_IP, String(port)])).trim();
  /** Connect, and require the trace of the same connection to agree with the kernel. */
  const probe = async (docs: readonly string[], port: number): Promise<string> => {
    const kernel = await connect(port);
    expect(traced(docs, port, dp.traceDataplane), `trace of tcp/${port} vs the kernel (${kernel})`).toBe(kernel === "open" ? "open" : "closed");
    return kernel;
  };
  const conntrackEntries = async (port: number): Promise<string> => {
    const r = await node.runner("conntrack", ["-L", "-p", "tcp", "--dport", String(port)]);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    node = await createNetns(`hep-node-${backend}`);
    ext = await createNetns(`hep-ext-${backend}`);
    await linkNodeToExt(node, ext, NODE_IP);
    dp = hepDataplane(backend, node, 4);
    // A foreign NodePort-style DNAT, as kube-proxy would write it.
    await dp.addForeignDnat("10.99.0.1:8081");
    server = execa("ip", ["netns", "exec", node.name, process.execPath, "-e", SERVER], { reject: false });
    // Wait until the server listens (no rules yet, so every port answers).
    for (let i = 0; i < 50 && (await connect(8080)) !== "open"; i++) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    if (server?.pid !== undefined) process.kill(server.pid);
    await server?.catch(() => undefined);
    await node?.destroy();
    await ext?.destroy();
  });

  it("no policy: failsafe tcp/22 connects, tcp/8080 is dropped", async () => {
    await dp.apply(modelOf(HEP), NODE);
    expect(await probe([HEP], 22)).toBe("open");
    expect(await probe([HEP], 8080)).toBe("timeout");
  });

  it("preDNAT policy matches the port before DNAT", async () => {
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

  it("untracked policy: the connection works and leaves no conntrack entry", async () => {
    await node.exec("conntrack", ["-F"]);
    const docs = [HEP, UNTRACKED_9000];
    const r = await dp.apply(modelOf(...docs), NODE);
    expect(r.written).toContain(dp.writes.raw);
    expect(await probe(docs, 9000)).toBe("open");
    expect(await conntrackEntries(9000)).toBe("");
    // The reply is untracked too, so it is a fresh packet on the host's output path: the trace
    // must let it out (through the raw table's egress policy) for the connection to open.
    const reply = dp.tracePath(modelOf(...docs), NODE, { kind: "Packet", srcIp: NODE_IP, dstIp: "10.99.0.2", protocol: 6, srcPort: 9000, dstPort: 40000, inInterface: "", outInterface: "eth0", ctState: "NEW" }, "output");
    expect(reply.verdict).toBe("allow");
    expect(reply.tables[0]).toMatchObject({ table: "raw", hook: "OUTPUT", untracked: true });
    // A tracked (failsafe) connection does create one, so the check can see entries.
    expect(await probe(docs, 22)).toBe("open");
    expect(await probe(docs, 8080)).toBe("timeout");
    expect(await conntrackEntries(22)).toMatch(/dport=22/);
  });

  it("removing the host endpoint removes our mangle and raw content, foreign nat stays", async () => {
    expect(await dp.hostTables()).not.toBe("");
    const r = await dp.apply(modelOf(ALLOW_8081), NODE);
    expect(r.changed).toBe(true);
    expect(await dp.hostTables()).toBe("");
    expect(await dp.foreignNat()).toMatch(/--to-destination 10.99.0.1:8081|dnat to 10.99.0.1:8081/);
    // No host endpoint any more: no host policy, so the trace has no host to reach.
    expect(() => traced([ALLOW_8081], 8080, dp.traceDataplane)).toThrow(/PC8030|no HostEndpoint/);
    expect(await connect(8080)).toBe("open");
    expect(await dp.pending(modelOf(ALLOW_8081), NODE)).toBe(0);
  });
});
