/**
 * Agent benchmark: the real daemon (AgentDaemon: 50 ms batch window, AgentEngine, diffDirty,
 * Dataplane with iptables-legacy, or iptables-nft with AGENT_BENCH_BACKEND=nft; or native
 * nftables with AGENT_BENCH_BACKEND=nftables: the engine's state projected to `ip calico`,
 * planNftDirty, NftDataplane) on a real kernel in a fresh network namespace, fed by an
 * in-process source with the shared synthetic cluster (test/agent/engine/cluster.ts: 100,000
 * pods, 2,000 namespaces, 500 nodes, 5,000 NetworkPolicies, 250 GlobalNetworkPolicies in two
 * tiers, 20 GlobalNetworkSets; one JSON source per resource, as the etcd source delivers them),
 * compiled for node-1. Three phases:
 * 1. first start: the snapshot arrives, the daemon converges an empty kernel;
 * 2. sustained: 1,000 endpoint events per second for 10 s (endpointEvents: remote and local
 *    pods relabelled, added, deleted). Latency is the daemon's own, per batch from its oldest
 *    event's arrival to the kernel holding it (so an upper bound for every event in the batch).
 *    Every apply's compute and apply time and transaction size come from its log line; every
 *    ipset / iptables-restore run is timed at the runner; GC pauses from the perf hooks;
 * 3. restart: a new daemon (new engine, new Dataplane) converges against the kernel the first
 *    one left; it must write nothing (no flush, counters kept). The first daemon is dropped
 *    before, so the restart's memory is its own.
 * Each start prints its time to convergence and RSS: right after converging, and "steady" after
 * a full GC (run with NODE_OPTIONS=--expose-gc; without it the steady figure is not printed).
 * The RSS is this process's: the daemon plus the benchmark's generator, which holds the
 * cluster's 107k source texts (~100 MiB) as a datastore would. The last line sums both starts up.
 * AGENT_BENCH_START_ONLY=1 skips the sustained phases (start, restart and the summary only).
 * Seeded, so runs compare; but wall times depend on the machine's load. Skipped (with a message)
 * when not root.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";
import { loadavg } from "node:os";
import { execa } from "execa";
import { AgentDaemon } from "../../src/agent/daemon.js";
import { AgentEngine, diffDirty } from "../../src/agent/engine/index.js";
import type { LogEntry } from "../../src/agent/log.js";
import type { Source, SourceSink } from "../../src/agent/sources/types.js";
import { Dataplane } from "../../src/dataplane/dataplane.js";
import { NftDataplane } from "../../src/dataplane/nftables.js";
import { nftablesKernel } from "../../src/agent/kernel.js";
import { execaRunner, type CommandRunner } from "../../src/dataplane/runner.js";
import { endpointEvents, syntheticSources } from "../agent/engine/cluster.js";

const NODE = "node-1";
const PODS = 100_000;
const RATE = 1000;
const SECONDS = Number(process.env.AGENT_BENCH_SECONDS ?? 10);
/** AGENT_BENCH_BACKEND=nft measures iptables-nft (legacy rewrites the whole table per commit); =nftables native nftables. */
const BACKEND = process.env.AGENT_BENCH_BACKEND === "nft" ? "nft" : "legacy";
const NATIVE = process.env.AGENT_BENCH_BACKEND === "nftables";
const DATAPLANE = NATIVE ? "native nftables" : `iptables-${BACKEND}`;
/** AGENT_BENCH_PIPELINE=1: plan the next batch while the kernel applies the current one (the daemon's default is off). */
const PIPELINE = process.env.AGENT_BENCH_PIPELINE === "1";
/** AGENT_BENCH_SLICE=N: changes per engine.update call within a batch (the daemon's default: 200). */
const SLICE = process.env.AGENT_BENCH_SLICE === undefined ? undefined : Number(process.env.AGENT_BENCH_SLICE);
/** AGENT_BENCH_START_ONLY=1: first start and restart only. */
const START_ONLY = process.env.AGENT_BENCH_START_ONLY === "1";

/** One start's figures, for the summary line. */
interface StartFigures {
  readonly wall: number;
  readonly engine: number;
  /** This process's CPU seconds from start to convergence (the machine's load stretches wall time, hardly CPU). */
  readonly cpu: number;
  readonly rss: number;
  readonly steady: number | null;
}
const starts: StartFigures[] = [];

/** What a restore line does, for the breakdown of where the lines of a step come from. */
function lineKind(line: string): string | null {
  const nft = /^(add rule|flush chain|delete rule|add chain|delete chain|add element|delete element|add set|delete set|flush map|delete map|add map) \S+ calico (\S+)/.exec(line);
  if (nft) {
    const name = nft[2] ?? "";
    const kind = /-cali-[tf]w-/.test(name) ? "endpoint" : /-cali-p[io]-/.test(name) ? "policy" : /-cali-pr[io]-/.test(name) ? "profile" : /-cali-g[io]-/.test(name) ? "group" : name.includes("dispatch") ? "dispatch" : /^cali[46]/.test(name) ? "set" : "other";
    return `nft ${nft[1] ?? ""} ${kind}`;
  }
  const ipt = /^(-[ARDI]|:|--delete-chain) ?(\S+)/.exec(line);
  if (ipt) {
    const chain = ipt[2] ?? "";
    const kind = /^cali-[tf]w-/.test(chain) ? "endpoint" : /^cali-p[io]-/.test(chain) ? "policy" : /^cali-pr[io]-/.test(chain) ? "profile" : /^cali-g[io]-/.test(chain) ? "group" : chain.includes("dispatch") ? "dispatch" : "other";
    return `iptables ${ipt[1] === ":" ? "declare" : (ipt[1] ?? "")} ${kind}`;
  }
  const set = /^(add|del|create|destroy|swap|flush) /.exec(line);
  return set ? `ipset ${set[1]}` : null;
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const pct = (sorted: readonly number[], p: number): number => (sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number));
const stats = (xs: readonly number[], unit = "ms"): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(0)} ${unit}, p99 ${pct(s, 99).toFixed(0)} ${unit}, max ${(s[s.length - 1] ?? NaN).toFixed(0)} ${unit}`;
};

interface Tool {
  tool: string;
  ms: number;
  lines: number;
  kinds: Map<string, number>;
}

class BenchSource implements Source {
  readonly id = "bench";
  sink: SourceSink | null = null;
  start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }
  status() {
    return { source: "bench", state: "synced" as const, entries: 0 };
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

function daemonWith(runner: CommandRunner, log: (e: LogEntry) => void): { daemon: AgentDaemon; source: BenchSource } {
  const source = new BenchSource();
  const daemon = new AgentDaemon({
    node: NODE,
    engine: new AgentEngine({ node: NODE }),
    ...(NATIVE ? { kernel: nftablesKernel(new NftDataplane({ runner })) } : { diffDirty, dataplane: new Dataplane({ backend: BACKEND, runner }) }),
    sources: [source],
    log,
    resyncMs: 3_600_000,
    pipeline: PIPELINE,
    ...(SLICE !== undefined ? { sliceSize: SLICE } : {}),
  });
  return { daemon, source };
}

/** Starts a daemon, hands it the snapshot, resolves with its first converge's log line. */
async function converge(label: string, runner: CommandRunner, snapshot: ReadonlyMap<string, string>, logs: LogEntry[]): Promise<{ daemon: AgentDaemon; source: BenchSource }> {
  let done: (e: LogEntry) => void = () => undefined;
  const converged = new Promise<LogEntry>((r) => (done = r));
  const { daemon, source } = daemonWith(runner, (e) => {
    logs.push(e);
    if (e.event === "converge") done(e);
    if (e.event === "apply-failed") console.log(JSON.stringify(e));
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await daemon.start();
  source.sink?.snapshot(snapshot);
  const c = await converged;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const lines = c.lines as { ipset: number; iptables: number; nft?: number };
  const rss = process.memoryUsage().rss;
  let steady: number | null = null;
  let heap = "";
  if (typeof globalThis.gc === "function") {
    globalThis.gc();
    const m = process.memoryUsage();
    steady = m.rss;
    heap = `; heap ${mib(m.heapUsed)} used of ${mib(m.heapTotal)}, external ${mib(m.external)}`;
  }
  starts.push({ wall, engine: Number(c.computeMs) / 1000, cpu: (cpu.user + cpu.system) / 1e6, rss, steady });
  console.log(
    `${label}: converged in ${wall.toFixed(1)} s (engine ${(Number(c.computeMs) / 1000).toFixed(1)} s, kernel read + diff + write ${(Number(c.applyMs) / 1000).toFixed(1)} s), ` +
      `wrote ${NATIVE ? `${lines.nft ?? 0} nft` : `${lines.ipset} ipset + ${lines.iptables} iptables`} lines; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; RSS ${mib(rss)}${steady === null ? "" : `, steady ${mib(steady)} after a full GC${heap}`}`,
  );
  return { daemon, source };
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("agent bench skipped: needs root (network namespace)");
    return;
  }
  const ns = `pcb-${process.pid}-agent`;
  await execa("ip", ["netns", "add", ns]);
  const tools: Tool[] = [];
  const runner: CommandRunner = async (file, args, input) => {
    const t = performance.now();
    const r = await execaRunner("ip", ["netns", "exec", ns, file, ...args], input);
    const kinds = new Map<string, number>();
    for (const line of (input ?? "").split("\n")) {
      const k = lineKind(line);
      if (k !== null) kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    tools.push({ tool: `${file.split("/").pop() ?? file} ${args[0] ?? ""}`, ms: performance.now() - t, lines: input === undefined ? 0 : input.split("\n").length - 1, kinds });
    return r;
  };
  const gc: number[] = [];
  const observer = new PerformanceObserver((list) => gc.push(...list.getEntries().map((e) => e.duration)));
  observer.observe({ entryTypes: ["gc"] });
  try {
    const cluster = syntheticSources(PODS);
    const snapshot = new Map(cluster.sources.map((s) => [s.name, s.kind === "put" ? s.text : ""]));
    console.log(`cluster: ${PODS} pods, ${cluster.namespaces} namespaces, ${cluster.nodes} nodes, ${snapshot.size} sources; node ${NODE}; ${DATAPLANE}; ${PIPELINE ? `pipelining on, engine slices of ${SLICE ?? "200 (default)"}` : "pipelining off (one engine call per batch)"}`);
    const logs: LogEntry[] = [];
    const firstStart: { daemon: AgentDaemon | null; readonly source: BenchSource } = await converge("first start (empty kernel)", runner, snapshot, logs);
    const { source } = firstStart;
    let first: AgentDaemon | null = firstStart.daemon as AgentDaemon;
    const desired = first.status().desired;
    console.log(`  desired: ${desired.chains} chains, ${"ipsets" in desired ? `${desired.ipsets} ipsets, ${desired.members} members` : `${desired.sets} sets, ${desired.elements} elements, ${desired.maps} maps`}`);

    // Sustained events: the stress (a fifth of the events about node-1's own pods), then the
    // cluster's own share (node-1 holds 1 in 500 pods, so 1 in 500 events are about them).
    const events = endpointEvents(cluster, NODE);
    const sustain = async (first: AgentDaemon, label: string, localShare: number): Promise<void> => {
      events.setLocalShare(localShare);
      const applies: LogEntry[] = [];
      logs.length = 0;
      tools.length = 0;
      gc.length = 0;
      const mark = first.latency.total;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let sent = 0;
      const total = RATE * SECONDS;
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE));
        for (; sent < due; sent++) {
          const c = events.next();
          if (c.kind === "put") snapshot.set(c.name, c.text);
          else snapshot.delete(c.name);
          source.sink?.change(c);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const sentAt = performance.now();
      // Until every event is in the kernel: the daemon is idle with nothing pending.
      for (;;) {
        await first.whenIdle();
        if (first.status().inputs.pending === 0) {
          await new Promise((r) => setTimeout(r, 100));
          await first.whenIdle();
          if (first.status().inputs.pending === 0) break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const rss = process.memoryUsage().rss;
      for (const e of logs) if (e.event === "apply") applies.push(e);
      const st = first.status();
      const lat = applies.flatMap((e) => (typeof e.latencyMs === "number" ? [e.latencyMs] : []));
      const size = applies.map((e) => {
        const l = e.lines as { ipset: number; iptables: number; nft?: number };
        return l.ipset + l.iptables + (l.nft ?? 0);
      });
      const changed = applies.filter((e) => e.changed === true).length;
      console.log(
        `sustained ${RATE} endpoint events/s for ${SECONDS} s (${total} events, 60% relabel, 20% add, 20% delete, ${label}; all sent after ${((sentAt - t0) / 1000).toFixed(1)} s, all applied after ${wall.toFixed(1)} s):`,
      );
      console.log(`  ${applies.length} batches, ${changed} transactions (${(changed / wall).toFixed(1)}/s), ${st.counters.failures} failures, ${applies.filter((e) => e.outcome === "recovered").length} recovered by a full apply`);
      const perEvent = first.latency.since(mark);
      console.log(`  event-to-kernel, per event (${perEvent.length} events; a remote pod's ends when its ipset members are written): ${stats(perEvent)}`);
      console.log(`  event-to-kernel, per batch from its oldest event to the end of its apply (an upper bound): ${stats(lat)}`);
      console.log(`  per batch: events ${stats(applies.map((e) => Number(e.changes)), "")}; engine + diffDirty ${stats(applies.map((e) => Number(e.computeMs)))}; kernel apply ${stats(applies.map((e) => Number(e.applyMs)))}`);
      console.log(`  transaction lines ${stats(size, "")}`);
      for (const tool of [...new Set(tools.map((t) => t.tool))].sort()) {
        const runs = tools.filter((t) => t.tool === tool);
        console.log(`  ${tool}: ${runs.length} runs, ${stats(runs.map((r) => r.ms))}; input lines ${stats(runs.map((r) => r.lines), "")}`);
      }
      const kinds = new Map<string, number>();
      for (const t of tools) for (const [k, n] of t.kinds) kinds.set(k, (kinds.get(k) ?? 0) + n);
      console.log(`  lines written, all batches (${total} events): ${[...kinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} ${n}`).join(", ")}`);
      const gs = [...gc].sort((a, b) => a - b);
      console.log(`  GC: ${gs.length} pauses, ${gs.reduce((n, x) => n + x, 0).toFixed(0)} ms in all, longest ${(gs[gs.length - 1] ?? 0).toFixed(0)} ms`);
      console.log(`  agent CPU ${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)}% of one core (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s over ${wall.toFixed(1)} s); RSS ${mib(rss)}, peak ${mib(process.resourceUsage().maxRSS * 1024)}`);
      const slow = applies.filter((e) => Number(e.latencyMs) > 1000);
      for (const e of slow.slice(0, 5)) console.log(`  slow batch: ${JSON.stringify({ changes: e.changes, computeMs: e.computeMs, applyMs: e.applyMs, latencyMs: e.latencyMs, lines: e.lines, outcome: e.outcome })}`);
    };
    if (!START_ONLY) {
      await sustain(first, "a fifth local to node-1 (stress)", 0.2);
      await sustain(first, `local at node-1's share of the pods (1 in ${cluster.nodes})`, 1 / cluster.nodes);
    }
    await first.stop();
    first = null; // the restart's memory is its own
    firstStart.daemon = null;
    source.sink = null; // its callbacks hold the first daemon

    // The fixed cost of one iptables-legacy-restore commit with this table (legacy replaces the
    // whole table per commit, whatever the input's size), and of a one-line ipset restore.
    const commit: number[] = [];
    const oneSet: number[] = [];
    for (let i = 0; i < 5 && NATIVE; i++) {
      // nft's fixed cost with this table: one process, one (empty-effect) netlink transaction.
      const t = performance.now();
      await runner("nft", ["-f", "-"], "add table ip calico\n");
      commit.push(performance.now() - t);
    }
    if (NATIVE) console.log(`  with this table, a no-op nft -f (add table ip calico) takes ${stats(commit)}`);
    for (let i = 0; i < 5 && !NATIVE; i++) {
      let t = performance.now();
      await runner(`iptables-${BACKEND}-restore`, ["--noflush", "--wait", "10"], "*filter\n:cali-bench-probe - [0:0]\n-A cali-bench-probe -j RETURN\nCOMMIT\n*filter\n-F cali-bench-probe\n-X cali-bench-probe\nCOMMIT\n");
      commit.push(performance.now() - t);
      t = performance.now();
      await runner("ipset", ["restore"], "create cali40bench-probe hash:net family inet maxelem 1024\ndestroy cali40bench-probe\n");
      oneSet.push(performance.now() - t);
    }
    if (!NATIVE) console.log(`  with this table, an almost empty iptables-${BACKEND}-restore --noflush (two commits) takes ${stats(commit)}; a two-line ipset restore ${stats(oneSet)}`);

    // Restart: a new daemon against the kernel the first one left.
    if (typeof globalThis.gc === "function") globalThis.gc();
    await converge("restart (kernel already programmed)", runner, snapshot, []).then((d) => d.daemon.stop());
    const [a, b] = starts as [StartFigures, StartFigures];
    const mem = (f: StartFigures): string => `RSS ${mib(f.rss)}${f.steady === null ? "" : ` (steady ${mib(f.steady)})`}`;
    const load = loadavg()[0] ?? NaN;
    console.log(`summary: first start ${a.wall.toFixed(1)} s (engine ${a.engine.toFixed(1)} s, CPU ${a.cpu.toFixed(1)} s), ${mem(a)}; restart ${b.wall.toFixed(1)} s (engine ${b.engine.toFixed(1)} s, CPU ${b.cpu.toFixed(1)} s), ${mem(b)}; peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}; load average ${load.toFixed(1)}`);
  } finally {
    observer.disconnect();
    await execa("ip", ["netns", "del", ns], { reject: false });
  }
}
