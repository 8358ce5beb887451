/**
 * What the agent promises about bad inputs and its own status: a huge broken source costs a
 * bounded log line and does not stop the others converging; `synced` in the status means the
 * kernel holds what the sources say, never just that the sources are in.
 */
import { describe, expect, it } from "vitest";
import { AgentDaemon } from "../../src/agent/daemon.js";
import { DIAGNOSTICS_PER_SOURCE } from "../../src/agent/engine/sources.js";
import { jsonLinesLogger, MAX_LOG_FIELD } from "../../src/agent/log.js";
import { hugeBadList } from "../hostile/texts.js";
import { daemonHarness } from "./fakes.js";

const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n";
const web = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default, labels: {app: web}}\nspec: {nodeName: node-1}\nstatus: {podIP: 10.0.0.5}\n";
const policy = `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: allow-80}\nspec:\n  selector: all()\n  ingress:\n    - action: Allow\n      protocol: TCP\n      destination: {ports: [80]}\n`;

const setup = () => daemonHarness();

const synced = (d: AgentDaemon) => {
  const s = d.status();
  return { synced: s.synced, sourcesSynced: s.sourcesSynced, kernelViewKnown: s.kernelViewKnown };
};

describe("agent status: synced means the kernel holds what the sources say", () => {
  it("is false before the first converge, even with every source in; true after it", async () => {
    const { daemon, source, tick } = setup();
    await daemon.start();
    expect(synced(daemon)).toEqual({ synced: false, sourcesSynced: false, kernelViewKnown: false });
    source.snapshot({ "ns.yaml": ns, "web.yaml": web, "p.yaml": policy });
    expect(synced(daemon)).toEqual({ synced: false, sourcesSynced: true, kernelViewKnown: false });
    await tick(0);
    expect(synced(daemon)).toEqual({ synced: true, sourcesSynced: true, kernelViewKnown: true });
  });

  it("is false while the first converge keeps failing, and after a failed update until a converge succeeds", async () => {
    const { daemon, dataplane, source, tick } = setup();
    await daemon.start();
    dataplane.fail = 1;
    source.snapshot({ "ns.yaml": ns, "web.yaml": web, "p.yaml": policy });
    await tick(0);
    expect(synced(daemon)).toEqual({ synced: false, sourcesSynced: true, kernelViewKnown: false });
    await tick(1000); // the retry converges
    expect(synced(daemon)).toEqual({ synced: true, sourcesSynced: true, kernelViewKnown: true });
    dataplane.fail = 1;
    source.put("p.yaml", policy.replace("80]", "81]"));
    await tick(50);
    expect(synced(daemon)).toEqual({ synced: false, sourcesSynced: true, kernelViewKnown: false });
    await tick(1000);
    expect(synced(daemon)).toEqual({ synced: true, sourcesSynced: true, kernelViewKnown: true });
  });
});

describe("agent: a huge broken source is bounded and does not hold the others back", () => {
  it(`logs at most ${DIAGNOSTICS_PER_SOURCE} of its diagnostics and a count of the rest, in a small line, and applies the good source`, async () => {
    const { daemon, dataplane, logs, source, tick } = setup();
    await daemon.start();
    const started = Date.now();
    source.snapshot({ "bad.json": hugeBadList(750), "ns.yaml": ns, "web.yaml": web, "good.yaml": policy });
    await tick(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The good policy is in the kernel.
    expect(dataplane.state.chains.map((c) => c.name)).toContainEqual(expect.stringMatching(/^cali-pi-.*allow-80/));
    const d = logs.entries.find((e) => e.event === "diagnostics");
    expect(d).toMatchObject({ level: "error", rejected: ["bad.json"], count: DIAGNOSTICS_PER_SOURCE + 1 });
    const text = String(d?.text);
    expect(text.length).toBeLessThan(30_000);
    expect(text.match(/^bad\.json:1:\d+: error /gm)).toHaveLength(DIAGNOSTICS_PER_SOURCE);
    expect(text).toMatch(/^notice PC9001: 2980 more diagnostics of bad\.json not shown \(2980 of them errors\)/m);
    expect(JSON.stringify(daemon.status()).length).toBeLessThan(20_000);
    expect(daemon.status().inputs.rejected["bad.json"]).toMatch(/^bad\.json:1:\d+: error PC2010: invalid label value "y{80}…" \(1000 characters\)/);
    expect(synced(daemon).synced).toBe(true);
  });
});

describe("agent log lines are bounded", () => {
  it.each([
    ["a short field is written as it is", "x".repeat(10), "x".repeat(10)],
    ["a field of MAX_LOG_FIELD characters is written as it is", "y".repeat(MAX_LOG_FIELD), "y".repeat(MAX_LOG_FIELD)],
    ["a longer field keeps its start and says its length", "z".repeat(MAX_LOG_FIELD + 1), `${"z".repeat(MAX_LOG_FIELD)}… (${MAX_LOG_FIELD + 1} characters)`],
  ])("%s", (_name, message, written) => {
    const lines: string[] = [];
    jsonLinesLogger((l) => lines.push(l), () => new Date(0))({ level: "error", event: "apply-failed", message, retryInMs: 1000 });
    expect(lines).toEqual([`${JSON.stringify({ ts: "1970-01-01T00:00:00.000Z", level: "error", event: "apply-failed", message: written, retryInMs: 1000 })}\n`]);
  });
});
