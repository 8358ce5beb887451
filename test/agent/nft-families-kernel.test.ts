/**
 * The agent on native nftables with IPv6 and with host endpoints, on a real kernel: in a fresh
 * namespace, watching a directory, after every step the kernel's `ip calico` (and `ip6 calico`)
 * table is what compileNft makes of the directory (the engine keeps the nftables state
 * incrementally, through the shared IR, and the agent plans from its own view of the table):
 * - dual-stack pods: both tables; moving a pod's IPv6 address is an `ip6 calico` element change
 *   alone (nothing written to `ip calico`); an IPv4-only input never creates `ip6 calico`;
 * - host endpoints: their chains in the filter layer, a preDNAT policy in the mangle layer
 *   alone, an untracked one in the raw layer, and all of it gone with the last host endpoint;
 *   real TCP from a client through the host endpoint (eth0, a veth to an "ext" namespace)
 *   decides at each step, and every probe's trace (explainFlow over the directory, nftables)
 *   must give the kernel's verdict: failsafe 22 and an allowed 8081 connect, 8080 is dropped, a
 *   preDNAT deny closes a foreign nft DNAT's NodePort, an untracked 9000 connects without a
 *   conntrack entry, and with the host endpoint gone eth0 is unfiltered and the foreign table
 *   untouched (the same steps host-endpoint.test.ts takes for the compiled table, here through
 *   the agent's incremental transactions).
 * (The kernel suites of the iptables agent check the same against iptables-save, hosts-kernel
 * and ipv6-kernel.)
 */
import { execa, type ResultPromise } from "execa";
import { cp, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LogEntry } from "../../src/agent/log.js";
import { parseNftJson } from "../../src/diff/nftables/parse-json.js";
import { diffNft } from "../../src/diff/nftables/plan.js";
import { loadSources } from "../../src/model/load.js";
import { compileNft } from "../../src/render/compile.js";
import { execaRunner } from "../../src/dataplane/runner.js";
import { announceSkip, createNetns, kernelProblems, type Netns } from "../dataplane/kernel/netns.js";
import { startAgentProcess, type AgentProcess } from "./agent-process.js";
import { nftProblems } from "./dataplanes.js";
import { explainFlow } from "../../src/trace/index.js";
import { hepDataplane } from "../dataplane/kernel/hep-backends.js";
import { ALLOW_8081, DENY_NODEPORT, hostEndpoint, linkNodeToExt, tcpClient, tcpServer, untracked9000 } from "../dataplane/kernel/host-policies.js";
import { isCI } from "../ci.js";

const conntrackMissing = (await execaRunner("sh", ["-c", "command -v conntrack"])).exitCode === 0 ? [] : ["conntrack not found on PATH (Debian package conntrack)"];
const problems = [...(await kernelProblems()), ...(await nftProblems()), ...conntrackMissing];
if (problems.length && isCI) throw new Error(`agent nftables kernel tests cannot run: ${problems.join("; ")}`);
if (problems.length) announceSkip("agent on native nftables: IPv6 and host endpoints", problems);

type Lines = { ipset: number; iptables: number; nft?: number };
type Step = LogEntry & { readonly changed?: boolean; readonly lines?: Lines; readonly ipv6?: { readonly changed: boolean; readonly lines: Lines } };

const NODE_IP = "10.99.0.1";
const CLIENT = tcpClient(700);

describe.skipIf(problems.length > 0)("agent on native nftables: IPv6 and host endpoints", () => {
  let ns: Netns;
  let dir: string;
  let agent: AgentProcess | null = null;

  beforeEach(async () => {
    ns = await createNetns("agnft-fam");
    dir = await mkdtemp(join(tmpdir(), "pc-agent-nftf-"));
  });
  afterEach(async () => {
    agent?.signal("SIGTERM");
    await agent?.exited;
    agent = null;
    await ns?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const tables = async (): Promise<string[]> => (await ns.exec("nft", ["list", "tables"])).split("\n").filter((l) => l.startsWith("table "));
  const read = async (ipVersion: 4 | 6) => parseNftJson(await ns.exec("nft", ["--json", "list", "table", ipVersion === 4 ? "ip" : "ip6", "calico"]), ipVersion);
  const directoryModel = async () => {
    const names = (await readdir(dir)).filter((f) => f.endsWith(".yaml"));
    return loadSources(await Promise.all(names.map(async (f) => ({ file: f, text: await readFile(join(dir, f), "utf8") })))).model;
  };
  /** Both families' tables are what compileNft makes of the directory now. */
  const matchesDirectory = async (node: string, families: readonly (4 | 6)[]) => {
    const model = await directoryModel();
    for (const v of families) expect(diffNft(await read(v), compileNft(model, { node, ipVersion: v })).lines, `IPv${v}`).toEqual([]);
  };
  const changedStep = (from: number) => agent!.until((e) => (e.event === "apply" || e.event === "converge") && (e as Step).changed === true, from) as Promise<Step>;

  it("programs ip calico and ip6 calico, and follows an IPv6-only change in ip6 calico alone", async () => {
    await cp("golden/dual-stack-k8s/input", dir, { recursive: true });
    agent = startAgentProcess(ns.name, ["--node", "node-1", "--watch", dir, "--dataplane", "nftables"]);
    const converge = (await agent.until((e) => e.event === "converge")) as Step;
    expect(converge.ipv6?.changed).toBe(true);
    expect(await tables()).toEqual(expect.arrayContaining(["table ip calico", "table ip6 calico"]));
    await matchesDirectory("node-1", [4, 6]);

    const from = agent.logs.length;
    const file = join(dir, "cluster.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("fd00:10::1:14", "fd00:10::1:15"));
    const step = (await agent.until((e) => e.event === "apply" && (e as Step).ipv6 !== undefined, from)) as Step;
    expect(step.changed).toBe(false);
    expect(step.ipv6?.changed).toBe(true);
    // One element out, one in (deletes go first in a transaction).
    expect(step.ipv6?.lines).toEqual({ ipset: 0, iptables: 0, nft: 2 });
    expect(await ns.exec("nft", ["list", "table", "ip6", "calico"])).toContain("fd00:10::1:15");
    await matchesDirectory("node-1", [4, 6]);
  });

  it("never creates ip6 calico while the input is IPv4 only", async () => {
    await cp("golden/k8s-web-from-client1/input", dir, { recursive: true });
    agent = startAgentProcess(ns.name, ["--node", "node-2", "--watch", dir, "--dataplane", "nftables"]);
    const converge = (await agent.until((e) => e.event === "converge")) as Step;
    expect(converge.ipv6).toBeUndefined();
    expect(await tables()).toEqual(["table ip calico"]);
    await matchesDirectory("node-2", [4]);
  });

  it("follows host endpoint and preDNAT/untracked policy changes into the filter, mangle and raw layers; real TCP through the host endpoint and the trace agree", async () => {
    // The node's eth0 (10.99.0.1, the host endpoint) to an "ext" client (10.99.0.2), a server on
    // the node, and kube-proxy's kind of NodePort DNAT 30080 -> 8081 in a foreign nft table.
    const ext = await createNetns("agnft-ext");
    let server: ResultPromise | undefined;
    try {
      await linkNodeToExt(ns, ext, NODE_IP);
      const foreign = hepDataplane("nftables", ns, 4);
      await foreign.addForeignDnat(`${NODE_IP}:8081`);
      server = execa("ip", ["netns", "exec", ns.name, process.execPath, "-e", tcpServer([22, 8080, 8081, 9000])], { reject: false });
      const connect = async (port: number): Promise<string> => (await ext.exec(process.execPath, ["-e", CLIENT, NODE_IP, String(port)])).trim();
      for (let i = 0; i < 50 && (await connect(8080)) !== "open"; i++) await new Promise((r) => setTimeout(r, 100));
      /** Real TCP from ext, and the trace of the same connection over the directory's nftables state must agree. */
      const probe = async (port: number): Promise<string> => {
        const kernel = await connect(port);
        const e = explainFlow(await directoryModel(), { from: { kind: "ip", ip: "10.99.0.2" }, to: { kind: "host", node: "node-1" }, protocol: "TCP", port }, { dataplane: "nftables" });
        expect(e.verdict === "allow" ? "open" : "closed", `trace of tcp/${port} vs the kernel (${kernel})`).toBe(kernel === "open" ? "open" : "closed");
        return kernel;
      };
      const conntrackEntries = async (port: number) => (await ns.runner("conntrack", ["-L", "-p", "tcp", "--dport", String(port)])).stdout.trim();
      const chains = async () => (await read(4)).chains.map((c) => c.name);

      await writeFile(join(dir, "hep-eth0.yaml"), hostEndpoint(NODE_IP));
      await writeFile(join(dir, "allow.yaml"), ALLOW_8081);
      agent = startAgentProcess(ns.name, ["--node", "node-1", "--watch", dir, "--dataplane", "nftables", "--batch-ms", "20"]);
      await agent.until((e) => e.event === "converge");
      expect(await chains()).toEqual(expect.arrayContaining(["filter-cali-fh-eth0", "filter-cali-th-eth0", "filter-cali-pi-gnp/allow-8081", "mangle-cali-PREROUTING"]));
      await matchesDirectory("node-1", [4]);
      expect(await probe(8081)).toBe("open");
      expect(await probe(8080)).toBe("timeout");
      expect(await probe(22)).toBe("open"); // failsafe
      // The foreign DNAT alone decides 30080 -> 8081 (the trace does not model nat it did not write).
      expect(await connect(30080)).toBe("open");

      let from = agent.logs.length;
      await writeFile(join(dir, "prednat.yaml"), DENY_NODEPORT);
      await changedStep(from);
      expect(await chains()).toContain("mangle-cali-pi-gnp/deny-nodeport");
      expect(await chains()).not.toContain("filter-cali-pi-gnp/deny-nodeport");
      await matchesDirectory("node-1", [4]);
      // preDNAT policy sees the port before the foreign DNAT: 30080 closes, 8081 stays open.
      expect(await probe(30080)).toBe("timeout");
      expect(await probe(8081)).toBe("open");

      from = agent.logs.length;
      await writeFile(join(dir, "untracked.yaml"), untracked9000());
      await changedStep(from);
      expect(await chains()).toEqual(expect.arrayContaining(["raw-cali-PREROUTING", "raw-cali-pi-gnp/untracked-9000"]));
      await matchesDirectory("node-1", [4]);
      await ns.exec("conntrack", ["-F"]);
      expect(await probe(9000)).toBe("open");
      expect(await conntrackEntries(9000)).toBe("");
      expect(await probe(22)).toBe("open");
      expect(await conntrackEntries(22)).toMatch(/dport=22/);

      from = agent.logs.length;
      await unlink(join(dir, "hep-eth0.yaml"));
      await changedStep(from);
      expect((await chains()).filter((c) => /cali-(fh|th|fhfw|thfw)-|cali-pi-|^(mangle|raw)-cali-/.test(c))).toEqual([]);
      await matchesDirectory("node-1", [4]);
      // No host endpoint: eth0 is not filtered any more, and the foreign table is as it was.
      expect(await connect(8080)).toBe("open");
      expect(await foreign.foreignNat()).toMatch(`dnat to ${NODE_IP}:8081`);
    } finally {
      if (server?.pid !== undefined) process.kill(server.pid);
      await server?.catch(() => undefined);
      await ext.destroy();
    }
  }, 60_000);
});
