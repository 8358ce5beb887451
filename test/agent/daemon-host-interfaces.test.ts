/**
 * The daemon and the node's interfaces (fake watch, manual clock, in-memory dataplane, real
 * engine): the list is read before the first apply, and an address change is applied within the
 * batch window, with no source change.
 */
import { describe, expect, it } from "vitest";
import { AgentDaemon } from "../../src/agent/daemon.js";
import { AgentEngine, diffDirty } from "../../src/agent/engine/index.js";
import type { HostInterfaceWatch } from "../../src/agent/host-interfaces.js";
import type { HostInterface } from "../../src/resolve/index.js";
import { FakeDataplane, FakeSource, ManualClock, memoryLog } from "./fakes.js";

const HEP = `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: uplink, labels: {role: edge}}
spec:
  node: node-1
  expectedIPs: [10.0.0.5]
`;

describe("agent daemon host interfaces", () => {
  it("reads interfaces before the first apply and applies an address change within the batch window", async () => {
    let list: HostInterface[] = [{ name: "eth0", addresses: [] }];
    let changed: () => void = () => undefined;
    const watch: HostInterfaceWatch = {
      read: async () => list,
      watch: (c) => {
        changed = c;
        return () => undefined;
      },
    };
    const clock = new ManualClock();
    const dataplane = new FakeDataplane();
    const logs = memoryLog();
    const src = new FakeSource("files");
    const daemon = new AgentDaemon({ node: "node-1", engine: new AgentEngine({ node: "node-1" }), diffDirty, dataplane, sources: [src], log: logs.log, clock, batchMs: 50, resyncMs: 90_000, hostInterfaces: watch });
    const tick = async (ms: number) => {
      clock.advance(ms);
      await new Promise((r) => setImmediate(r));
      await daemon.whenIdle();
    };
    await daemon.start();
    src.snapshot({ "hep.yaml": HEP });
    await tick(0);
    // Accepted (no PC3040: the interfaces were known), but no interface holds the address yet.
    expect(logs.entries.filter((e) => e.event === "diagnostics")).toEqual([]);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply"]);
    expect(daemon.status().desired.chains).toBeGreaterThan(0);
    const chainsOf = () => dataplane.state.chains.map((c) => c.name).filter((n) => n.startsWith("cali-fh-"));
    expect(chainsOf()).toEqual([]);

    list = [{ name: "eth0", addresses: ["10.0.0.5"] }];
    changed();
    await new Promise((r) => setImmediate(r));
    await tick(49);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply"]);
    await tick(1);
    // The update's transaction writes the endpoint's chains on eth0 (planned against the view).
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
    const tx = JSON.stringify(dataplane.calls[1]?.tx);
    expect(tx).toContain(":cali-fh-eth0");
    expect(tx).toContain("--in-interface eth0 --goto cali-fh-eth0");
    expect(logs.events()).toContain("host-interfaces");
    await daemon.stop();
  });
});
