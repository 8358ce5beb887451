/**
 * The agent on native nftables with IPv6 and with host endpoints, on a real kernel: in a fresh
 * namespace, watching a directory, after every step the kernel's `ip calico` (and `ip6 calico`)
 * table is what compileNft makes of the directory (the engine keeps the nftables state
 * incrementally, through the shared IR, and the agent plans from its own view of the table):
 * - dual-stack pods: both tables; moving a pod's IPv6 address is an `ip6 calico` element change
 *   alone (nothing written to `ip calico`); an IPv4-only input never creates `ip6 calico`;
 * - host endpoints: their chains in the filter layer, a preDNAT policy in the mangle layer
 *   alone, an untracked one in the raw layer, and all of it gone with the last host endpoint.
 * (The kernel suites of the iptables agent check the same against iptables-save, hosts-kernel
 * and ipv6-kernel; traffic through nftables host endpoint chains is proven by
 * test/dataplane/kernel for the compiled table the agent converges to.)
 */
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
import { isCI } from "../ci.js";

const nftMissing = (await execaRunner("sh", ["-c", "command -v nft"])).exitCode === 0 ? [] : ["nft not found on PATH"];
const problems = [...(await kernelProblems()), ...nftMissing];
if (problems.length && isCI) throw new Error(`agent nftables kernel tests cannot run: ${problems.join("; ")}`);
if (problems.length) announceSkip("agent on native nftables: IPv6 and host endpoints", problems);

type Lines = { ipset: number; iptables: number; nft?: number };
type Step = LogEntry & { readonly changed?: boolean; readonly lines?: Lines; readonly ipv6?: { readonly changed: boolean; readonly lines: Lines } };

const hep = (name: string, iface: string) => `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: ${name}, labels: {role: edge}}
spec: {node: node-1, interfaceName: ${iface}, expectedIPs: [10.99.0.1]}
`;
const policy = (name: string, flags: string, port: number, action = "Allow") => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec:
  selector: role == 'edge'
  applyOnForward: true
${flags}  ingress: [{action: ${action}, protocol: TCP, destination: {ports: [${port}]}}]
`;

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
  /** Both families' tables are what compileNft makes of the directory now. */
  const matchesDirectory = async (node: string, families: readonly (4 | 6)[]) => {
    const names = (await readdir(dir)).filter((f) => f.endsWith(".yaml"));
    const model = loadSources(await Promise.all(names.map(async (f) => ({ file: f, text: await readFile(join(dir, f), "utf8") })))).model;
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

  it("follows host endpoint and preDNAT/untracked policy changes into the filter, mangle and raw layers", async () => {
    const chains = async () => (await read(4)).chains.map((c) => c.name);
    await writeFile(join(dir, "hep-eth0.yaml"), hep("eth0-hep", "eth0"));
    await writeFile(join(dir, "allow.yaml"), policy("allow-8081", "", 8081));
    agent = startAgentProcess(ns.name, ["--node", "node-1", "--watch", dir, "--dataplane", "nftables", "--batch-ms", "20"]);
    await agent.until((e) => e.event === "converge");
    expect(await chains()).toEqual(expect.arrayContaining(["filter-cali-fh-eth0", "filter-cali-th-eth0", "filter-cali-pi-gnp/allow-8081", "mangle-cali-PREROUTING"]));
    await matchesDirectory("node-1", [4]);

    let from = agent.logs.length;
    await writeFile(join(dir, "prednat.yaml"), policy("deny-30080", "  preDNAT: true\n", 30080, "Deny"));
    await changedStep(from);
    expect(await chains()).toContain("mangle-cali-pi-gnp/deny-30080");
    expect(await chains()).not.toContain("filter-cali-pi-gnp/deny-30080");
    await matchesDirectory("node-1", [4]);

    from = agent.logs.length;
    await writeFile(join(dir, "untracked.yaml"), policy("untracked-9000", "  doNotTrack: true\n", 9000));
    await changedStep(from);
    expect(await chains()).toEqual(expect.arrayContaining(["raw-cali-PREROUTING", "raw-cali-pi-gnp/untracked-9000"]));
    await matchesDirectory("node-1", [4]);

    from = agent.logs.length;
    await unlink(join(dir, "hep-eth0.yaml"));
    await changedStep(from);
    expect((await chains()).filter((c) => /cali-(fh|th|fhfw|thfw)-|cali-pi-|^(mangle|raw)-cali-/.test(c))).toEqual([]);
    await matchesDirectory("node-1", [4]);
  });
});
