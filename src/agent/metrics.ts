/**
 * The agent's Prometheus metrics (`--metrics-port`), on prom-client: the maintained client
 * library the Node ecosystem standardised on. It writes the text exposition format exactly
 * (escaping, `# HELP`/`# TYPE`, cumulative `_bucket{le=…}`/`_sum`/`_count` of histograms),
 * keeps label sets, and brings the process_ and nodejs_ metrics (RSS, CPU, heap, event-loop
 * lag) that Felix's go_ and process_ metrics give, so none of that is ours to get right.
 *
 * Two kinds of figure:
 * - what happened (histograms, counters): pushed by the daemon as it happens (DaemonObserver),
 *   so a scrape between two steps loses nothing;
 * - what is (gauges): read from the daemon's status when Prometheus scrapes (`collect`), so
 *   they are never stale and cost nothing between scrapes.
 *
 * Naming follows Prometheus's conventions: one `policy_compile_agent_` prefix, base units
 * (`_seconds`), `_total` on counters, and labels for the dimensions (family, tool, kind, reason,
 * stage, source, state). The list is in docs/agent.md.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DaemonObserver, ProgrammedCounts, ResyncReason } from "./daemon.js";
import type { AgentHealth } from "./health.js";
import type { AgentStatus, StepRecord } from "./status.js";

const P = "policy_compile_agent_";

/** Event-to-kernel latency buckets: the agent's own batch window (50 ms) up to a stalled kernel. */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Step part buckets: a one-line apply (~5 ms) up to a 100k-pod first start (seconds). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Family = "ipv4" | "ipv6";
const SOURCE_STATES = ["syncing", "synced", "disconnected"] as const;


export class AgentMetrics implements DaemonObserver {
  readonly registry = new Registry();
  private readonly latency: Histogram;
  private readonly applyDuration: Histogram<"kind">;
  private readonly computeDuration: Histogram<"kind">;
  private readonly transactions: Counter<"family">;
  private readonly lines: Counter<"family" | "tool">;
  private readonly resyncs: Counter<"reason">;
  private readonly repairs: Counter<"reason">;
  private readonly failures: Counter<"stage">;
  private readonly rejections: Counter;
  private readonly programmed = new Map<Family, ProgrammedCounts>();

  /** `status` and `health`: read at each scrape for the gauges. */
  constructor(status: () => AgentStatus, health: () => AgentHealth) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry });
    const registers = [registry];
    this.latency = new Histogram({
      name: `${P}event_to_kernel_seconds`,
      help: "Per source event: from its arrival to the kernel holding it (a remote pod's event ends when its ipset members are written).",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.applyDuration = new Histogram({ name: `${P}apply_duration_seconds`, help: "Kernel part of a step: read (converge), restore runs, verification.", labelNames: ["kind"], buckets: DURATION_BUCKETS, registers });
    this.computeDuration = new Histogram({ name: `${P}compute_duration_seconds`, help: "Engine part of a step: the batch's changes through the incremental engine.", labelNames: ["kind"], buckets: DURATION_BUCKETS, registers });
    this.transactions = new Counter({ name: `${P}transactions_total`, help: "Transactions written that changed the kernel, per IP family.", labelNames: ["family"], registers });
    this.lines = new Counter({ name: `${P}lines_written_total`, help: "Lines written, per IP family and tool (ipset, iptables; nft with --dataplane nftables).", labelNames: ["family", "tool"], registers });
    this.resyncs = new Counter({ name: `${P}resyncs_total`, help: "Full kernel reads and diffs (converges): start, periodic, retry after a failure.", labelNames: ["reason"], registers });
    this.repairs = new Counter({
      name: `${P}repairs_total`,
      help: "Kernel drift put right: a periodic resync that had to write with no source change (resync), an update whose plan did not hold and a fresh read took over (recovered).",
      labelNames: ["reason"],
      registers,
    });
    this.failures = new Counter({ name: `${P}failures_total`, help: "Failed steps, by stage (engine, dataplane); a dataplane failure is retried by a converge with backoff.", labelNames: ["stage"], registers });
    this.rejections = new Counter({ name: `${P}input_rejections_total`, help: "Inputs refused (invalid text, or unreadable by its source); the last good version stays in force.", registers });

    // Gauges, read at scrape time.
    new Gauge({
      name: `${P}rejected_inputs`,
      help: "Inputs whose current version is refused (see the status file for their first diagnostic).",
      registers,
      collect() {
        this.set(Object.keys(status().inputs.rejected).length);
      },
    });
    new Gauge({
      name: `${P}pending_changes`,
      help: "Source changes waiting for the next step.",
      registers,
      collect() {
        this.set(status().inputs.pending);
      },
    });
    const programmed = this.programmed;
    const programmedGauge = (what: keyof ProgrammedCounts, name: string, help: string): void => {
      new Gauge({
        name: `${P}${name}`,
        help,
        labelNames: ["family"],
        registers,
        collect() {
          this.reset();
          for (const [family, p] of programmed) this.set({ family }, p[what]);
        },
      });
    };
    programmedGauge("chains", "programmed_chains", "Owned chains in the kernel as of the last successful step, per IP family (nftables: the calico table's, base chains included).");
    programmedGauge("rules", "programmed_rules", "Rules of the owned chains in the kernel as of the last successful step, per IP family.");
    programmedGauge("ipsets", "programmed_ipsets", "Owned ipsets the rules use (nftables: the calico table's sets), as of the last successful step, per IP family.");
    programmedGauge("members", "programmed_ipset_members", "Members of those ipsets (nftables: the sets' elements as written), as of the last successful step, per IP family.");
    new Gauge({
      name: `${P}datastore_state`,
      help: "Each source's state: 1 for the state it is in (syncing, synced, disconnected), 0 for the others.",
      labelNames: ["source", "state"],
      registers,
      collect() {
        this.reset();
        for (const s of status().sources) for (const state of SOURCE_STATES) this.set({ source: s.source, state }, s.state === state ? 1 : 0);
      },
    });
    new Gauge({
      name: `${P}datastore_revision`,
      help: "The datastore revision a source's view is at (etcd: the revision of its last list or watch event).",
      labelNames: ["source"],
      registers,
      collect() {
        this.reset();
        for (const s of status().sources) {
          const revision = Number(s.detail?.revision ?? NaN);
          if (s.detail?.revision !== null && s.detail?.revision !== undefined && Number.isFinite(revision)) this.set({ source: s.source }, revision);
        }
      },
    });
    new Gauge({
      name: `${P}datastore_entries`,
      help: "Resource texts a source holds (files, etcd keys).",
      labelNames: ["source"],
      registers,
      collect() {
        this.reset();
        for (const s of status().sources) this.set({ source: s.source }, s.entries);
      },
    });
    new Gauge({
      name: `${P}ready`,
      help: "1 when /readiness says ready: every source synced and the last step succeeded.",
      registers,
      collect() {
        this.set(health().ready ? 1 : 0);
      },
    });
    new Gauge({
      name: `${P}live`,
      help: "1 when /liveness says live: the loop runs and no step is stuck.",
      registers,
      collect() {
        this.set(health().live ? 1 : 0);
      },
    });
  }

  latencies(ms: readonly number[]): void {
    for (const m of ms) this.latency.observe(m / 1000);
  }

  step(record: StepRecord, programmed: ReadonlyMap<Family, ProgrammedCounts>): void {
    const kind = record.kind;
    this.applyDuration.observe({ kind }, record.applyMs / 1000);
    this.computeDuration.observe({ kind }, record.computeMs / 1000);
    if (record.changed) this.transactions.inc({ family: "ipv4" }, countChanged(record));
    this.lines.inc({ family: "ipv4", tool: "ipset" }, record.lines.ipset);
    this.lines.inc({ family: "ipv4", tool: "iptables" }, record.lines.iptables);
    if (record.lines.nft !== undefined) this.lines.inc({ family: "ipv4", tool: "nft" }, record.lines.nft);
    const v6 = record.ipv6 as { readonly changed: boolean; readonly lines: { readonly ipset: number; readonly iptables: number; readonly nft?: number } } | undefined;
    if (v6) {
      if (v6.changed) this.transactions.inc({ family: "ipv6" });
      this.lines.inc({ family: "ipv6", tool: "ipset" }, v6.lines.ipset);
      this.lines.inc({ family: "ipv6", tool: "iptables" }, v6.lines.iptables);
      if (v6.lines.nft !== undefined) this.lines.inc({ family: "ipv6", tool: "nft" }, v6.lines.nft);
    }
    for (const [family, p] of programmed) this.programmed.set(family, p);
  }

  resync(reason: ResyncReason): void {
    this.resyncs.inc({ reason });
  }

  repair(reason: "resync" | "recovered"): void {
    this.repairs.inc({ reason });
  }

  failure(stage: "engine" | "dataplane"): void {
    this.failures.inc({ stage });
  }

  rejected(count: number): void {
    if (count > 0) this.rejections.inc(count);
  }

  /** The exposition text and its content type (text/plain; version=0.0.4). */
  async scrape(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Transactions of a step that changed the kernel (a retried apply writes more than one). */
function countChanged(record: StepRecord): number {
  return Math.max(1, record.transactions);
}
