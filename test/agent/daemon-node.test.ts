/**
 * The agent on a node its sources do not name (a mistyped --node, a watched directory that is
 * still empty): it writes nothing, says why once, and starts as soon as a change names the node.
 * Once it has written, a node losing its last endpoint is an ordinary change.
 */
import { describe, expect, it } from "vitest";
import { daemonHarness } from "./fakes.js";

const pod = (name: string, node: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default, labels: {app: web}}\nspec: {nodeName: ${node}}\nstatus: {podIP: 10.0.0.${name.length}}\n`;
const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n";

function setup(allowEmptyNode?: boolean) {
  const statuses: string[] = [];
  const harness = daemonHarness({ onStatus: (s) => statuses.push(s.lastError?.message ?? ""), ...(allowEmptyNode !== undefined && { allowEmptyNode }) });
  return { ...harness, statuses };
}

describe("agent: the sources must name the node before the first write", () => {
  it("waits without writing, reports once with the named nodes, and starts when a change names the node", async () => {
    const { daemon, dataplane, logs, source, tick, statuses } = setup();
    await daemon.start();
    source.snapshot({ "ns.yaml": ns, "a.yaml": pod("a", "nod-1"), "b.yaml": pod("bb", "node-2") });
    await tick(0);
    expect(dataplane.calls).toEqual([]);
    const waits = logs.entries.filter((e) => e.event === "node-not-named");
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ level: "error", code: "PC3050", node: "node-1", nodes: ["nod-1", "node-2"] });
    expect(String(waits[0]?.message)).toContain('node "node-1" has no endpoint in the inputs (did you mean "nod-1"?)');
    expect(String(waits[0]?.message)).toContain("Nothing is written until the sources name the node.");
    // The status file says why nothing is programmed.
    expect(statuses.at(-1)).toContain('node "node-1" has no endpoint in the inputs');
    expect(daemon.status().kernelViewKnown).toBe(false);

    // A change that still does not name it: nothing written, nothing logged again.
    source.put("c.yaml", pod("ccc", "node-2"));
    await tick(50);
    expect(dataplane.calls).toEqual([]);
    expect(logs.entries.filter((e) => e.event === "node-not-named")).toHaveLength(1);

    // The fix: the pod moves to node-1; the agent converges within the batch window.
    source.put("a.yaml", pod("a", "node-1"));
    await tick(50);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply"]);
    expect(logs.events()).toContain("node-named");
    expect(daemon.status().kernelViewKnown).toBe(true);
    expect(dataplane.state.chains.some((c) => c.name.startsWith("cali-tw-"))).toBe(true);

    // Once running, losing the node's last endpoint is applied like any change.
    source.delete("a.yaml");
    await tick(50);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply", "planned"]);
    expect(dataplane.state.chains.some((c) => c.name.startsWith("cali-tw-"))).toBe(false);
    await daemon.stop();
  });

  it("with allowEmptyNode it converges an empty node at once", async () => {
    const { daemon, dataplane, logs, source, tick } = setup(true);
    await daemon.start();
    source.snapshot({});
    await tick(0);
    expect(dataplane.calls.map((c) => c.kind)).toEqual(["apply"]);
    expect(logs.events()).not.toContain("node-not-named");
    await daemon.stop();
  });
});
