/**
 * The agent on native nftables, on a real kernel (the routed topology of test/kernel/harness):
 * node-1's namespace holds kube-proxy's `ip kube-proxy` table, an `inet filter` table,
 * iptables-nft and iptables-legacy rules and an ipset, so `--dataplane auto` chooses nftables;
 * the agent watches a directory of pods and policies, and real TCP decides.
 *
 * In order: the start converges and a policy file and a relabel flip traffic (each step one
 * `nft -f`, the relabel element lines only), the kernel's table is compileNft of the directory;
 * hand damage (a rule deleted by handle, a set flushed) is repaired by the resync; kill -9 and a
 * restart write nothing and keep counters; a transaction nft rejects (an `nft` wrapper that
 * fails while a marker file exists) is reported with the line nft named, counts as a failure
 * and makes the agent unready, and the retry converges once nft accepts again. Throughout, the
 * foreign state is byte-identical (counters aside), and no iptables rule or ipset is ours.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogEntry } from "../../src/agent/log.js";
import { parseNftJson } from "../../src/diff/nftables/parse-json.js";
import { diffNft } from "../../src/diff/nftables/plan.js";
import { execaRunner } from "../../src/dataplane/runner.js";
import { loadSources } from "../../src/model/load.js";
import { compileNft } from "../../src/render/compile.js";
import { nftCounts } from "../../src/agent/status.js";
import { buildTopology, calicoInterfaceName, type Topology } from "../kernel/harness/topology.js";
import { foreignState, loadForeignState } from "../dataplane/kernel/foreign-state.js";
import { announceSkip, kernelProblems } from "../dataplane/kernel/netns.js";
import { startAgentProcess, type AgentProcess } from "./agent-process.js";
import { untilFlipped } from "./flips.js";
import { nftProblems } from "./dataplanes.js";
import { isCI } from "../ci.js";

const problems = [...(await kernelProblems()), ...(await nftProblems())];
if (problems.length && isCI) throw new Error(`agent nftables kernel tests cannot run: ${problems.join("; ")}`);
if (problems.length) announceSkip("agent on native nftables", problems);

const POD = (name: string, node: string, ip: string, app: string) => ({ namespace: "default", name, node, ip, interfaceName: calicoInterfaceName("default", name), app });
const PODS = [POD("web", "node-1", "10.65.1.10", "web"), POD("client", "node-2", "10.65.2.10", "client"), POD("other", "node-2", "10.65.2.11", "other")];
const FLIP_BUDGET_MS = 3000;

function podsYaml(apps: Record<string, string>): string {
  const docs = ["apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n"];
  for (const p of PODS) docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: ${p.name}, namespace: default, labels: {app: ${apps[p.name] ?? p.app}}}\nspec: {nodeName: ${p.node}}\nstatus: {podIP: ${p.ip}}\n`);
  return docs.join("---\n");
}
const DENY = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-web, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n";
const ALLOW = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-80, namespace: default}
spec:
  selector: app == 'web'
  ingress: [{action: Allow, protocol: TCP, source: {selector: app == 'client'}, destination: {ports: [80]}}]
`;

type Step = LogEntry & { readonly changed?: boolean; readonly lines?: { ipset: number; iptables: number; nft?: number }; readonly ipsets?: { membersAdded: number } };

describe.skipIf(problems.length > 0)("agent on native nftables (real kernel)", () => {
  let topo: Topology;
  let dir: string;
  let agent: AgentProcess | null = null;
  let foreignBefore: Record<string, string>;
  const n1 = () => topo.node("node-1").netns;
  const ok = async (file: string, args: readonly string[], input?: string): Promise<string> => {
    const r = await execaRunner("ip", ["netns", "exec", n1(), file, ...args], input);
    if (r.exitCode !== 0) throw new Error(`${file} ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const nftWrapper = () => join(dir, "nft");
  const agentArgs = () => ["--node", "node-1", "--watch", join(dir, "pol"), "--dataplane", "auto", "--nft", nftWrapper(), "--resync-seconds", "2", "--status-file", join(dir, "status.json")];
  const probe = async (from: string, timeoutMs = 500): Promise<boolean> => {
    const r = await topo.pod(`default/${from}`).agent.probe({ proto: "tcp", host: PODS[0]!.ip, port: 80, srcPort: topo.nextSourcePort(), timeoutMs });
    return r.ok && r.reply === "default/web";
  };
  const flips = (from: string, want: boolean, ms = FLIP_BUDGET_MS): Promise<number> => untilFlipped(() => probe(from, 300), `${from} -> web:80`, want, ms, agent);
  const startAgent = async (extra: readonly string[] = []) => {
    const a = startAgentProcess(n1(), [...agentArgs(), ...extra]);
    agent = a;
    await a.until((e) => e.event === "converge");
    return a;
  };
  const table = async () => parseNftJson(await ok("nft", ["--json", "list", "table", "ip", "calico"]), 4);
  /** The kernel's table is what compileNft makes of the watched directory. */
  const matchesDirectory = async () => {
    const text = await readFile(join(dir, "pol", "pods.yaml"), "utf8");
    const files = [{ file: "pods.yaml", text }, { file: "deny.yaml", text: DENY }, ...(allowWritten ? [{ file: "allow.yaml", text: ALLOW }] : [])];
    const desired = compileNft(loadSources(files).model, { node: "node-1" });
    expect(diffNft(await table(), desired).lines).toEqual([]);
    return desired;
  };
  let allowWritten = false;
  type Status = { backend: string; desired: Record<string, number>; health: { ready: boolean }; counters: { failures: number; applies: number }; lastError: { message: string } | null };
  /** The status file (written after each step, atomically: it may not exist for a moment after the first). */
  const status = async (): Promise<Status> => {
    for (let i = 0; ; i++) {
      try {
        return JSON.parse(await readFile(join(dir, "status.json"), "utf8")) as Status;
      } catch (e) {
        if (i >= 40) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  /** The status once it says what `pred` wants (the file is rewritten just after the log line). */
  const statusUntil = async (pred: (s: Status) => boolean): Promise<Status> => {
    for (let i = 0; i < 60; i++) {
      const s = await status();
      if (pred(s)) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    return status();
  };

  beforeAll(async () => {
    topo = await buildTopology({ tag: "agnft", nodes: ["node-1", "node-2"], pods: PODS, ports: [80] });
    dir = await mkdtemp(join(tmpdir(), "pc-agent-nft-"));
    await ok("mkdir", ["-p", join(dir, "pol")]);
    await writeFile(join(dir, "pol", "pods.yaml"), podsYaml({}));
    await writeFile(join(dir, "pol", "deny.yaml"), DENY);
    // nft, except that `nft -f` fails (reading its input, as nft does) while the marker exists.
    await writeFile(nftWrapper(), `#!/bin/sh\nif [ "$1" = "-f" ] && [ -e "${join(dir, "fail")}" ]; then cat >/dev/null; echo "/dev/stdin:1:1-3: Error: injected by the test" >&2; exit 1; fi\nexec nft "$@"\n`);
    await chmod(nftWrapper(), 0o755);
    await loadForeignState(ok);
    foreignBefore = await foreignState(ok);
  }, 120_000);

  afterAll(async () => {
    agent?.signal("SIGKILL");
    await topo?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("auto chooses nftables; a policy file and a relabel flip real TCP, each as one nft transaction; the table is compileNft's", async () => {
    await startAgent();
    expect((await status()).backend).toBe("nftables");
    expect(await probe("client")).toBe(false);
    await matchesDirectory();
    let from = agent!.logs.length;
    await writeFile(join(dir, "pol", "allow.yaml"), ALLOW);
    allowWritten = true;
    const opened = await flips("client", true);
    const policyStep = (await agent!.until((e) => e.event === "apply" && (e as Step).changed === true, from)) as Step;
    expect(policyStep.lines).toMatchObject({ ipset: 0, iptables: 0 });
    expect(policyStep.lines?.nft).toBeGreaterThan(0);
    expect(await probe("other")).toBe(false);
    from = agent!.logs.length;
    await writeFile(join(dir, "pol", "pods.yaml"), podsYaml({ other: "client" }));
    const relabelled = await flips("other", true);
    // A remote pod's relabel is one element added to the selector set: one line.
    const relabel = (await agent!.until((e) => e.event === "apply" && (e as Step).changed === true, from)) as Step;
    expect(relabel.lines).toEqual({ ipset: 0, iptables: 0, nft: 1 });
    console.log(`[native nftables] policy file -> client connected in ${opened} ms; relabel -> other connected in ${relabelled} ms`);
    const desired = await matchesDirectory();
    // The status counts the table's own chains, rules, sets and elements (not the iptables form).
    const counts = nftCounts(desired);
    expect(counts.sets).toBeGreaterThan(0);
    expect((await statusUntil((s) => s.desired.elements === counts.elements)).desired).toEqual(counts);
    expect(await foreignState(ok)).toEqual(foreignBefore);
  }, 60_000);

  it("resync repairs a rule deleted by handle and a flushed set", async () => {
    const from = agent!.logs.length;
    const t = await table();
    const policy = t.chains.find((c) => c.name.startsWith("filter-cali-pi-") && c.rules.length > 0);
    const set = t.sets.find((s) => s.elements.length > 0);
    expect(policy).toBeDefined();
    expect(set).toBeDefined();
    await ok("sh", ["-c", `nft delete rule ip calico ${policy!.name} handle ${policy!.rules[0]!.handle} && nft flush set ip calico ${set!.name}`]);
    const repaired = (await agent!.until((e) => e.event === "converge" && (e as Step).changed === true, from, 10_000)) as Step;
    expect(repaired.ipsets?.membersAdded).toBeGreaterThan(0);
    await flips("client", true, 2000);
    await matchesDirectory();
    expect(await foreignState(ok)).toEqual(foreignBefore);
  }, 30_000);

  it("kill -9 and a restart write nothing and keep the counters", async () => {
    for (let i = 0; i < 3; i++) await probe("client");
    const counted = (text: string) => new Map([...text.matchAll(/counter packets (\d+) .*comment "cali:([\w-]+);/g)].map((m) => [m[2] as string, Number(m[1])]));
    const before = counted(await ok("nft", ["list", "table", "ip", "calico"]));
    expect([...before.values()].some((n) => n > 0)).toBe(true);
    agent!.signal("SIGKILL");
    await agent!.exited;
    const restarted = await startAgent(["--pipeline"]);
    const converge = restarted.logs.find((e) => e.event === "converge") as Step;
    expect(converge).toMatchObject({ changed: false, lines: { ipset: 0, iptables: 0, nft: 0 } });
    const after = counted(await ok("nft", ["list", "table", "ip", "calico"]));
    for (const [hash, n] of before) expect(after.get(hash) ?? -1).toBeGreaterThanOrEqual(n);
    expect(await probe("client")).toBe(true);
  }, 60_000);

  it("a transaction nft rejects changes nothing, is reported with the line nft named, and is retried until nft accepts", async () => {
    const from = agent!.logs.length;
    await writeFile(join(dir, "fail"), "");
    try {
      await writeFile(join(dir, "pol", "pods.yaml"), podsYaml({}));
      const failed = await agent!.until((e) => e.event === "apply-failed", from, 15_000);
      expect(String(failed.message)).toContain("injected by the test");
      expect(String(failed.message)).toMatch(/failing line 1: \S/);
      const s = await statusUntil((x) => !x.health.ready);
      expect(s.health.ready).toBe(false);
      expect(s.counters.failures).toBeGreaterThan(0);
      expect(s.lastError?.message).toContain("injected by the test");
      // Refused whole: the relabel is not in the kernel, so `other` still connects.
      expect(await probe("other")).toBe(true);
    } finally {
      await rm(join(dir, "fail"), { force: true });
    }
    await agent!.until((e) => e.event === "converge" && (e as Step).changed === true, from, 20_000);
    await flips("other", false);
    expect((await statusUntil((x) => x.health.ready)).health.ready).toBe(true);
    await matchesDirectory();
    expect(await foreignState(ok)).toEqual(foreignBefore);
    // Nothing of ours outside ip calico: no iptables rule, no ipset.
    expect(await ok("iptables-nft-save", [])).not.toContain("cali");
    expect(await ok("ipset", ["list", "-n"])).not.toMatch(/^cali/m);
    agent!.signal("SIGTERM");
    expect(await agent!.exited).toBe(0);
    agent = null;
  }, 60_000);
});
