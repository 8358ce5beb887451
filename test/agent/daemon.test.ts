/**
 * The daemon's loop with a manual clock, sources driven by the test and a dataplane in memory,
 * and the real (pure) engine: when it applies, what it plans against, how it survives failures.
 */
import { describe, expect, it } from "vitest";
import { AgentDaemon } from "../../src/agent/daemon.js";
import { AgentEngine, diffDirty } from "../../src/agent/engine/index.js";
import { Ipv6Family } from "../../src/agent/ipv6.js";
import { FakeDataplane, FakeSource, ManualClock, memoryLog } from "./fakes.js";

const pod = (name: string, ip: string, labels: string, node = "node-1") =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default, labels: {${labels}}}\nspec: {nodeName: ${node}}\nstatus: {podIP: ${ip}}\n`;
const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n";
const policy = (selector: string) =>
  `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: allow-80, namespace: default}\nspec:\n  selector: ${selector}\n  ingress:\n    - action: Allow\n      protocol: TCP\n      source: {selector: app == 'client'}\n      destination: {ports: [80]}\n`;

function setup(sources = [new FakeSource("files")], sliceSize?: number, pipeline?: boolean) {
  const clock = new ManualClock();
  const dataplane = new FakeDataplane();
  const logs = memoryLog();
  const daemon = new AgentDaemon({
    node: "node-1",
    engine: new AgentEngine({ node: "node-1" }),
    diffDirty,
    dataplane,
    sources,
    log: logs.log,
    clock,
    batchMs: 50,
    resyncMs: 90_000,
    ...(sliceSize !== undefined ? { sliceSize, pipeline: true } : {}),
    ...(pipeline !== undefined ? { pipeline } : {}),
  });
  /** Advances the clock and lets the step it triggered finish. */
  const tick = async (ms: number) => {
    clock.advance(ms);
    await new Promise((r) => setImmediate(r));
    await daemon.whenIdle();
  };
  return { clock, dataplane, logs, daemon, sources, tick };
}

describe("agent daemon", () => {
  it("applies nothing until every source delivered a snapshot, then converges with one full apply", async () => {
    const a = new FakeSource("files");
    const b = new FakeSource("etcd");
    const { daemon, dataplane, tick } = setup([a, b]);
    await daemon.start();
    a.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "10.0.0.5", "app: web") });
    await tick(1000);
    expect(dataplane.calls).toEqual([]);
    b.snapshot({});
    await tick(0);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply"]);
    expect(daemon.status().desired.chains).toBeGreaterThan(0);
  });

  it("coalesces a burst within the batch window into one update, planned against its own view", async () => {
    const { daemon, dataplane, logs, tick, sources } = setup();
    const src = sources[0] as FakeSource;
    await daemon.start();
    src.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "10.0.0.5", "app: web"), "pol.yaml": policy("app == 'web'") });
    await tick(0);
    src.put("client.yaml", pod("client", "10.0.9.1", "app: client", "node-2"));
    await tick(20);
    src.put("client.yaml", pod("client", "10.0.9.2", "app: client", "node-2"));
    src.put("client2.yaml", pod("client2", "10.0.9.3", "app: client", "node-2"));
    await tick(20);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply"]);
    await tick(10);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
    const planned = dataplane.calls[1];
    // Planned against the view, the transaction is exactly what a fresh read would have given.
    expect(planned?.tx).toEqual(planned?.freshPlan);
    expect(planned?.tx?.ipsetsBefore).toEqual([expect.stringMatching(/^add cali40s:\S+ 10\.0\.9\.2\/32$/), expect.stringMatching(/^add cali40s:\S+ 10\.0\.9\.3\/32$/)]);
    // The daemon's advanced view (members patched from the engine's deltas) is what the kernel holds.
    expect(planned?.after).toBeDefined();
    expect(planned?.after).toEqual(dataplane.state);
    const apply = logs.entries.find((e) => e.event === "apply");
    expect(apply).toMatchObject({ changes: 2, sources: ["+client.yaml", "+client2.yaml"], changed: true, latencyMs: 50, ipsets: { membersAdded: 2, membersRemoved: 0 } });
  });

  it("times every event to the kernel: a remote pod's once the members are written, a local pod's after the iptables step", async () => {
    const { daemon, dataplane, logs, tick, clock, sources } = setup();
    const src = sources[0] as FakeSource;
    await daemon.start();
    src.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "10.0.0.5", "app: web"), "pol.yaml": policy("app == 'web'") });
    await tick(0);
    dataplane.hold = true;
    dataplane.membersAtMs = 5;
    src.put("client.yaml", pod("client", "10.0.9.1", "app: client", "node-2"));
    await tick(10);
    src.put("client.yaml", pod("client", "10.0.9.2", "app: client", "node-2"));
    src.put("web.yaml", pod("web", "10.0.0.5", "app: web, tier: a"));
    // The window closes 50 ms after the first event; the kernel then takes 30 ms, members first.
    clock.advance(40);
    await new Promise((r) => setImmediate(r));
    expect(dataplane.holding).toBe(1);
    clock.advance(30);
    dataplane.release();
    await daemon.whenIdle();
    const apply = logs.entries.find((e) => e.event === "apply");
    // client.yaml: events at 0 and 10, in force at 55 (members); web.yaml: at 10, in force at 80.
    expect(apply).toMatchObject({ changes: 2, latencyMs: 80, eventLatencyMs: { events: 3, p50: 55, p99: 70, max: 70 } });
    // Those three and the snapshot's three (the first converge).
    expect(daemon.status().latencyMs).toMatchObject({ count: 6 });
  });

  it("plans IPv6 updates against the family's view from the engine's dirty6 (no read), as IPv4", async () => {
    const clock = new ManualClock();
    const dataplane = new FakeDataplane();
    const dataplane6 = new FakeDataplane(6);
    const src = new FakeSource("files");
    const daemon = new AgentDaemon({ node: "node-1", engine: new AgentEngine({ node: "node-1" }), diffDirty, dataplane, sources: [src], log: memoryLog().log, clock, batchMs: 50, resyncMs: 90_000, ipv6: { family: new Ipv6Family(), dataplane: dataplane6 } });
    const dual = (name: string, v4: string, v6: string, labels: string, node = "node-1") =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default, labels: {${labels}}}\nspec: {nodeName: ${node}}\nstatus: {podIP: ${v4}, podIPs: [{ip: ${v4}}, {ip: "${v6}"}]}\n`;
    await daemon.start();
    src.snapshot({ "ns.yaml": ns, "web.yaml": dual("web", "10.0.0.5", "fd00::5", "app: web"), "pol.yaml": policy("app == 'web'") });
    clock.advance(0);
    await new Promise((r) => setImmediate(r));
    await daemon.whenIdle();
    expect(dataplane6.calls.map((c) => c.kind)).toEqual(["apply"]);
    src.put("client.yaml", dual("client", "10.0.9.1", "fd00::9:1", "app: client", "node-2"));
    clock.advance(50);
    await new Promise((r) => setImmediate(r));
    await daemon.whenIdle();
    expect(dataplane6.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
    const planned = dataplane6.calls[1];
    expect(planned?.tx).toEqual(planned?.freshPlan);
    expect(planned?.tx?.ipsetsBefore).toEqual([expect.stringMatching(/^add cali60s:\S+ fd00::9:1\/128$/)]);
    expect(planned?.after).toEqual(dataplane6.state);
    // An IPv4-only change leaves the IPv6 state alone: no IPv6 write at all.
    src.put("client4.yaml", pod("client4", "10.0.9.2", "app: client", "node-2"));
    clock.advance(50);
    await new Promise((r) => setImmediate(r));
    await daemon.whenIdle();
    expect(dataplane6.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
  });

  it("a file its source refuses (unreadable, a FIFO ...) is a rejected input with its diagnostic until the source clears it; nothing is written", async () => {
    const { daemon, dataplane, tick, sources } = setup();
    const src = sources[0] as FakeSource;
    await daemon.start();
    src.snapshot({ "ns.yaml": ns, "pol.yaml": policy("app == 'web'") });
    await tick(0);
    const before = dataplane.state;
    src.sink?.refused?.("pol.yaml", { code: "PC1013", severity: "error", message: "cannot read: permission denied (EACCES)", span: { file: "pol.yaml", start: 0, end: 0 } });
    await tick(50);
    expect(daemon.status().inputs.rejected).toEqual({ "pol.yaml": "pol.yaml: error PC1013: cannot read: permission denied (EACCES)" });
    expect(dataplane.state).toBe(before);
    src.sink?.refused?.("pol.yaml", null);
    expect(daemon.status().inputs.rejected).toEqual({});
  });

  it("reports invalid input at file:line:col, keeps the last good version and writes nothing", async () => {
    const { daemon, dataplane, logs, tick, sources } = setup();
    const src = sources[0] as FakeSource;
    await daemon.start();
    src.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "10.0.0.5", "app: web"), "pol.yaml": policy("app == 'web'") });
    await tick(0);
    const before = dataplane.state;
    src.put("pol.yaml", policy("app == "));
    await tick(50);
    const d = logs.entries.find((e) => e.event === "diagnostics");
    expect(d).toMatchObject({ level: "error", rejected: ["pol.yaml"], keptLastGood: true });
    expect(String(d?.text)).toMatch(/^pol\.yaml:5:19: error PC1002: /);
    expect(dataplane.state).toBe(before);
    expect(daemon.status().inputs.rejected).toEqual({ "pol.yaml": expect.stringMatching(/^pol\.yaml:5:19: error PC1002/) });
    // Fixing it clears the rejection and applies.
    src.put("pol.yaml", policy("app == 'other'"));
    await tick(50);
    expect(daemon.status().inputs.rejected).toEqual({});
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
  });

  it("after a failed apply keeps running: logs it, forgets its view and converges from a fresh read with backoff", async () => {
    const { daemon, dataplane, logs, tick, sources } = setup();
    const src = sources[0] as FakeSource;
    await daemon.start();
    src.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "10.0.0.5", "app: web") });
    await tick(0);
    dataplane.fail = 2;
    src.put("pol.yaml", policy("app == 'web'"));
    await tick(50);
    expect(logs.entries.filter((e) => e.event === "apply-failed")).toMatchObject([{ stage: "dataplane", retryInMs: 1000 }]);
    expect(daemon.status().kernelViewKnown).toBe(false);
    src.put("client.yaml", pod("client", "10.0.9.1", "app: client", "node-2"));
    await tick(999);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
    await tick(1);
    expect(logs.entries.filter((e) => e.event === "apply-failed")).toMatchObject([{ retryInMs: 1000 }, { retryInMs: 2000 }]);
    await tick(2000);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned", "apply", "apply"]);
    expect(daemon.status().kernelViewKnown).toBe(true);
    expect(logs.entries.at(-1)).toMatchObject({ event: "converge", changed: true });
    expect(dataplane.state.ipsets.map((s) => s.members)).toContainEqual(["10.0.9.1/32"]);
  });

  it("resyncs every resyncMs from a full read; an unchanged re-list snapshot costs no engine update", async () => {
    const { daemon, dataplane, logs, tick, sources } = setup();
    const src = sources[0] as FakeSource;
    await daemon.start();
    const files = { "ns.yaml": ns, "web.yaml": pod("web", "10.0.0.5", "app: web") };
    src.snapshot(files);
    await tick(0);
    src.snapshot(files);
    await tick(50);
    expect(daemon.status().counters.updates).toBe(1);
    await tick(89_949);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply"]);
    await tick(1);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "apply"]);
    expect(logs.entries.at(-1)).toMatchObject({ event: "converge", changed: false, changes: 0 });
    // A snapshot that lacks a name deletes it.
    src.snapshot({ "ns.yaml": ns });
    await tick(50);
    expect(logs.entries.at(-1)).toMatchObject({ event: "apply", sources: ["-web.yaml"], changed: true });
  });

  it("stop() waits for the running step and stops the timers", async () => {
    const { daemon, clock, logs, tick, sources } = setup();
    const src = sources[0] as FakeSource;
    await daemon.start();
    src.snapshot({ "ns.yaml": ns });
    await tick(0);
    src.put("web.yaml", pod("web", "10.0.0.5", "app: web"));
    await daemon.stop();
    expect(clock.pending()).toEqual([]);
    expect(logs.events().at(-1)).toBe("stopped");
  });

  it("a batch fed to the engine in slices (sliceSize 1) plans one transaction: the full diff", async () => {
    const { daemon, dataplane, logs, tick, sources } = setup([new FakeSource("files")], 1);
    const src = sources[0] as FakeSource;
    await daemon.start();
    src.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "10.0.0.5", "app: web") });
    await tick(0);
    src.put("pol.yaml", policy("app == 'web'"));
    src.put("client.yaml", pod("client", "10.0.9.1", "app: client", "node-2"));
    src.put("client2.yaml", pod("client2", "10.0.9.2", "app: client", "node-2"));
    src.delete("web.yaml");
    src.put("web2.yaml", pod("web2", "10.0.0.6", "app: web"));
    await tick(50);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
    const planned = dataplane.calls[1];
    expect(planned?.tx).toEqual(planned?.freshPlan);
    expect(planned?.after).toEqual(dataplane.state);
    expect(daemon.status().counters.updates).toBe(2);
    expect(logs.entries.filter((e) => e.event === "apply")).toMatchObject([{ changes: 5, ipsets: { membersAdded: 2 } }]);
  });

  describe("pipelining: the next batch is computed while the kernel applies the current one", () => {
    /** Fires due timers and lets the daemon run as far as it can without waiting for it to be idle. */
    const advance = async (clock: ManualClock, ms: number) => {
      clock.advance(ms);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    async function started() {
      const s = setup(undefined, undefined, true);
      const src = s.sources[0] as FakeSource;
      await s.daemon.start();
      src.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "10.0.0.5", "app: web"), "pol.yaml": policy("app == 'web'") });
      await s.tick(0);
      s.dataplane.hold = true;
      src.put("client.yaml", pod("client", "10.0.9.1", "app: client", "node-2"));
      await advance(s.clock, 50);
      src.put("client2.yaml", pod("client2", "10.0.9.2", "app: client", "node-2"));
      await advance(s.clock, 50);
      return { ...s, src };
    }
    const members = (d: FakeDataplane) => d.state.ipsets.flatMap((x) => x.members).sort();

    it("plans batch 2 during batch 1's apply against the view batch 1 leaves, and writes them one at a time in order", async () => {
      const { daemon, dataplane, logs, clock } = await started();
      // Batch 2 went through the engine, but its transaction waits for batch 1's.
      expect(daemon.status().counters.updates).toBe(3);
      expect(daemon.status().inputs.pending).toBe(0);
      expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
      expect(dataplane.holding).toBe(1);
      dataplane.hold = false;
      dataplane.release();
      await advance(clock, 0);
      await daemon.whenIdle();
      expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned", "planned"]);
      const [, first, second] = dataplane.calls;
      expect(second?.known).toBe(first?.after);
      // Planned against the prediction, batch 2 is exactly what a fresh read would have given.
      expect(second?.tx).toEqual(second?.freshPlan);
      expect(second?.tx?.ipsetsBefore).toEqual([expect.stringMatching(/^add cali40s:\S+ 10\.0\.9\.2\/32$/)]);
      expect(logs.entries.filter((e) => e.event === "apply").map((e) => e.sources)).toEqual([["+client.yaml"], ["+client2.yaml"]]);
      expect(dataplane.state).toEqual(second?.after);
      expect(members(dataplane)).toEqual(["10.0.9.1/32", "10.0.9.2/32"]);
    });

    it("a failure of batch 1's apply drops batch 2's plan; the converge retry applies both from a fresh read", async () => {
      const { daemon, dataplane, logs, clock, tick } = await started();
      dataplane.fail = 1;
      dataplane.hold = false;
      dataplane.release();
      await advance(clock, 0);
      await daemon.whenIdle();
      expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
      expect(logs.entries.filter((e) => e.event === "apply-failed")).toMatchObject([{ stage: "dataplane", retryInMs: 1000 }]);
      expect(daemon.status().kernelViewKnown).toBe(false);
      await tick(1000);
      expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned", "apply"]);
      expect(daemon.status().kernelViewKnown).toBe(true);
      expect(members(dataplane)).toEqual(["10.0.9.1/32", "10.0.9.2/32"]);
    });

    it("when batch 1 recovers from a fresh read, batch 2 is applied by a full read and diff, not its stale plan", async () => {
      const { daemon, dataplane, logs, clock } = await started();
      dataplane.recover = true;
      dataplane.hold = false;
      dataplane.release();
      await advance(clock, 0);
      await daemon.whenIdle();
      expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned", "apply"]);
      expect(daemon.status().counters.replanned).toBe(1);
      expect(logs.entries.filter((e) => e.event === "apply" || e.event === "converge").map((e) => [e.event, e.sources])).toEqual([
        ["converge", ["+ns.yaml", "+pol.yaml", "+web.yaml"]],
        ["apply", ["+client.yaml"]],
        ["converge", ["+client2.yaml"]],
      ]);
      expect(members(dataplane)).toEqual(["10.0.9.1/32", "10.0.9.2/32"]);
    });

    it("off (the default), batch 2 waits for batch 1's apply before it reaches the engine", async () => {
      const { daemon, dataplane, clock, sources } = setup();
      const src = sources[0] as FakeSource;
      await daemon.start();
      src.snapshot({ "ns.yaml": ns, "web.yaml": pod("web", "10.0.0.5", "app: web"), "pol.yaml": policy("app == 'web'") });
      clock.advance(0);
      await daemon.whenIdle();
      dataplane.hold = true;
      src.put("client.yaml", pod("client", "10.0.9.1", "app: client", "node-2"));
      await advance(clock, 50);
      src.put("client2.yaml", pod("client2", "10.0.9.2", "app: client", "node-2"));
      await advance(clock, 50);
      expect(daemon.status().counters.updates).toBe(2);
      expect(daemon.status().inputs.pending).toBe(1);
      dataplane.hold = false;
      dataplane.release();
      await advance(clock, 0);
      await daemon.whenIdle();
      expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned", "planned"]);
      expect(members(dataplane)).toEqual(["10.0.9.1/32", "10.0.9.2/32"]);
    });

    it("stop() during an overlapped apply waits for it; nothing is cut in half", async () => {
      const { daemon, dataplane, logs } = await started();
      const stopping = daemon.stop();
      dataplane.hold = false;
      dataplane.release();
      await stopping;
      expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned", "planned"]);
      expect(logs.events().at(-1)).toBe("stopped");
      expect(members(dataplane)).toEqual(["10.0.9.1/32", "10.0.9.2/32"]);
    });
  });
});
