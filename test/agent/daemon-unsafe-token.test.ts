/**
 * The agent when the renderer's guard (src/render/safe-token.ts) refuses a token: the loader
 * keeps such values out, so this is the second line of defence, simulated with an engine that
 * refuses one file as the guard would. The daemon logs the refusal as a located diagnostic,
 * writes nothing to the kernel for it, and keeps running.
 */
import { describe, expect, it } from "vitest";
import type { SourceChange } from "../../src/agent/contract.js";
import { AgentEngine } from "../../src/agent/engine/index.js";
import { locatedAt, safeInterfaceName } from "../../src/render/safe-token.js";
import { daemonHarness } from "./fakes.js";

const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n";
const wep = "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: w, namespace: default}\nspec: {node: node-1, interfaceName: cali7, ipNetworks: [10.0.0.7/32]}\n";

/** The real engine, except that a change to `bad.yaml` meets the guard's refusal. */
class GuardedEngine extends AgentEngine {
  override update(changes: readonly SourceChange[]) {
    const bad = changes.find((c) => c.name === "bad.yaml" && c.kind !== "delete");
    if (bad) {
      const start = wep.indexOf("cali7");
      // Exactly what renderNodeView throws for this endpoint: the guard's refusal, located.
      locatedAt({ file: "bad.yaml", start, end: start + 5 }, () => safeInterfaceName("cali+"));
    }
    return super.update(changes);
  }
}

describe("agent daemon and the renderer's guard", () => {
  it("logs the refusal with file:line:col, applies nothing for it, and keeps going", async () => {
    const { dataplane, logs, source: src, daemon, tick } = daemonHarness({ engine: new GuardedEngine({ node: "node-1" }) });
    await daemon.start();
    src.snapshot({ "ns.yaml": ns });
    await tick(0);
    const applied = dataplane.calls.length;

    src.put("bad.yaml", wep);
    await tick(50);
    const failed = logs.entries.filter((e) => e.event === "apply-failed");
    expect(failed).toMatchObject([{ level: "error", stage: "engine" }]);
    expect(String(failed[0]?.message)).toMatch(/^bad\.yaml:4:37: error PC3045: refusing to write interface name "cali\+" into the kernel's rules: expected a-z A-Z 0-9 _ \. - only \(no '\+' wildcard\); nothing was written\n/);
    expect(dataplane.calls.length).toBe(applied);

    src.put("good.yaml", wep);
    await tick(50);
    expect(dataplane.calls.length).toBeGreaterThan(applied);
    await daemon.stop();
  });
});
