/**
 * AgentEngine's contract on hand-written cases: the desired state equals a from-scratch compile
 * of the sources in force; invalid texts and uncompilable batches are rejected with located
 * diagnostics and the last good state stays; dirty names exactly what changed.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AgentEngine, dirtyBetween } from "../../../src/agent/engine/index.js";
import { lineColumn } from "../../../src/diagnostics/position.js";
import { del, namespaceJson, namespaceKey, podJson, podKey, put } from "./cluster.js";
import { Oracle, restoreOf } from "./oracle.js";

const example = (f: string): string => readFileSync(`/work/shared/examples/${f}`, "utf8");
const allow80 = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-80
  namespace: default
spec:
  selector: app == "my-nginx"
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports:
      - 80
`;

const nginx = (node: string, ip: string, labels: Record<string, string> = { app: "my-nginx" }) => podJson({ ns: "default", name: "nginx", node, ip, labels });

describe("AgentEngine", () => {
  it("starts with what compile gives for no input", () => {
    const engine = new AgentEngine({ node: "n1" });
    expect(restoreOf(engine.current())).toBe(new Oracle("n1").restore());
  });

  it("equals a full compile of the sources in force after each batch, and dirty names exactly what changed", () => {
    const engine = new AgentEngine({ node: "n1" });
    const oracle = new Oracle("n1");
    const batches = [
      [put("allow-80.yaml", allow80), put(namespaceKey("default"), namespaceJson("default", {}))],
      [put(podKey("default", "nginx"), nginx("n1", "10.0.0.5"))],
      [put(podKey("default", "client"), podJson({ ns: "default", name: "client", node: "n2", ip: "10.0.0.6", labels: { run: "client1" } })), put("web.yaml", example("k8s-web-from-client1.yaml"))],
      [put(podKey("default", "nginx"), nginx("n1", "10.0.0.5", { app: "web" }))],
      [del("allow-80.yaml"), del(podKey("default", "client"))],
      [del(podKey("default", "nginx"))],
    ];
    for (const batch of batches) {
      const before = engine.current();
      const u = engine.update(batch);
      expect(oracle.apply(batch)).toEqual(u.rejected);
      expect(restoreOf(u.desired)).toBe(oracle.restore());
      expect(u.desired).toBe(engine.current());
      expect(u.dirty).toEqual(dirtyBetween(before, u.desired));
    }
  });

  it("a set whose policy leaves the node comes back with the members of now, not of then", () => {
    // The engine keeps an unreferenced set dormant (members kept up to date, not desired): the
    // state must still be compile()'s at every step, and the woken set is new to the desired
    // state (no member delta from a state that did not hold it).
    const engine = new AgentEngine({ node: "n1" });
    const oracle = new Oracle("n1");
    const client = (name: string, ip: string) => put(podKey("default", name), podJson({ ns: "default", name, node: "n2", ip, labels: { run: "client1" } }));
    const batches = [
      [put(namespaceKey("default"), namespaceJson("default", {})), put("web.yaml", example("k8s-web-from-client1.yaml")), put(podKey("default", "nginx"), nginx("n1", "10.0.0.5", { app: "web" })), client("a", "10.0.0.6")],
      [del(podKey("default", "nginx"))],
      [client("b", "10.0.0.7"), del(podKey("default", "a"))],
      [put(podKey("default", "nginx"), nginx("n1", "10.0.0.5", { app: "web" }))],
    ];
    const setsWith: string[][] = [];
    let woken: ReturnType<AgentEngine["update"]>["dirty"] | undefined;
    for (const batch of batches) {
      const before = engine.current();
      const u = engine.update(batch);
      expect(oracle.apply(batch)).toEqual(u.rejected);
      expect(restoreOf(u.desired)).toBe(oracle.restore());
      const { members, ...names } = u.dirty;
      const { members: expected, ...expectedNames } = dirtyBetween(before, u.desired);
      expect(names).toEqual(expectedNames);
      if (batch === batches[3]) woken = u.dirty;
      else expect(members).toEqual(expected);
      setsWith.push(u.desired.ipsets.filter((x) => x.name.startsWith("cali40s:")).map((x) => x.members.join(" ")));
    }
    expect(setsWith).toEqual([["10.0.0.6/32"], [], [], ["10.0.0.7/32"]]);
    // The set that came back carries its delta from the members it left with (what a kernel
    // that kept it unreferenced holds): 10.0.0.6 went, 10.0.0.7 came, while it slept.
    const name = [...(woken?.members?.keys() ?? [])].find((n) => n.startsWith("cali40s:"));
    expect(name).toBeDefined();
    expect(woken?.members?.get(name as string)).toEqual({ added: ["10.0.0.7/32"], removed: ["10.0.0.6/32"] });
  });

  it("names the sources that only ipset members enforce: pods of other nodes, before and after", () => {
    const engine = new AgentEngine({ node: "n1" });
    const p = (name: string, node: string, ip: string) => put(podKey("default", name), podJson({ ns: "default", name, node, ip, labels: { app: "my-nginx" } }));
    const first = engine.update([put("allow-80.yaml", allow80), put(namespaceKey("default"), namespaceJson("default", {})), p("far", "n2", "10.0.0.7"), p("mover", "n2", "10.0.0.8")]);
    expect(first.diagnostics).toEqual([]);
    const u = engine.update([p("far", "n2", "10.0.0.9"), p("new-far", "n3", "10.0.0.10"), p("mover", "n1", "10.0.0.8"), p("here", "n1", "10.0.0.11"), put("allow-80.yaml", allow80.replace("80", "81"))]);
    expect(u.membersOnly).toEqual([podKey("default", "far"), podKey("default", "new-far")].sort());
    // Leaving the node is not members-only either; a remote pod's delete is.
    expect(engine.update([p("mover", "n2", "10.0.0.8"), del(podKey("default", "far"))]).membersOnly).toEqual([podKey("default", "far")]);
  });

  it("a local pod added dirties its endpoint chains and the dispatch chains", () => {
    const engine = new AgentEngine({ node: "n1" });
    engine.update([put("allow-80.yaml", allow80), put(namespaceKey("default"), namespaceJson("default", {}))]);
    const u = engine.update([put(podKey("default", "nginx"), nginx("n1", "10.0.0.5"))]);
    const ifaceChains = u.dirty.chains.filter((c) => c.startsWith("cali-tw-") || c.startsWith("cali-fw-"));
    expect(ifaceChains).toHaveLength(2);
    expect(u.dirty.chains).toContain("cali-to-wl-dispatch");
    expect(u.dirty.chains).toContain("cali-from-wl-dispatch");
    expect(u.dirty.chains.some((c) => c.startsWith("cali-pi-"))).toBe(true);
    expect(u.dirty.hooks).toBe(false);
  });

  it("a text that fails validation is rejected with a located diagnostic, and its last good version stays", () => {
    const engine = new AgentEngine({ node: "n1" });
    engine.update([put("allow-80.yaml", allow80), put(podKey("default", "nginx"), nginx("n1", "10.0.0.5"))]);
    const good = restoreOf(engine.current());
    const broken = allow80.replace("protocol: TCP", "protocol: TPC");
    const u = engine.update([put("allow-80.yaml", broken)]);
    expect(u.rejected).toEqual(["allow-80.yaml"]);
    expect(u.dirty).toEqual({ chains: [], ipsets: [], hooks: false });
    expect(restoreOf(u.desired)).toBe(good);
    const d = u.diagnostics.find((x) => x.severity === "error");
    expect(d?.span?.file).toBe("allow-80.yaml");
    expect(lineColumn(broken, d?.span?.start ?? 0)).toEqual({ line: 10, column: 15 });
    // A later good version is taken.
    const fixed = engine.update([put("allow-80.yaml", allow80.replace("- 80", "- 8080"))]);
    expect(fixed.rejected).toEqual([]);
    expect(restoreOf(fixed.desired)).not.toBe(good);
  });

  it("with a host endpoint on the node it still equals a full compile, mangle and raw tables included", () => {
    const engine = new AgentEngine({ node: "n1" });
    const hep = JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "eth0", labels: { role: "edge" } }, spec: { node: "n1", interfaceName: "eth0" } });
    const raw = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: raw}
spec: {selector: role == 'edge', doNotTrack: true, applyOnForward: true, ingress: [{action: Allow, protocol: UDP, destination: {ports: [53]}}]}
`;
    const oracle = new Oracle("n1");
    for (const batch of [[put("hep.json", hep)], [put("raw.yaml", raw), put(podKey("default", "nginx"), nginx("n1", "10.0.0.5"))], [put("allow-80.yaml", allow80)], [del("raw.yaml")], [del("hep.json")]]) {
      const before = engine.current();
      const u = engine.update(batch);
      expect(u.rejected).toEqual([]);
      oracle.apply(batch);
      expect(restoreOf(u.desired)).toBe(oracle.restore());
      expect(u.dirty).toEqual(dirtyBetween(before, u.desired));
    }
    expect(engine.current().tables).toBeUndefined();
  });

  it("a batch that cannot be compiled is rejected whole", () => {
    const engine = new AgentEngine({ node: "n1" });
    engine.update([put("allow-80.yaml", allow80), put(podKey("default", "nginx"), nginx("n1", "10.0.0.5"))]);
    const good = restoreOf(engine.current());
    const hep = JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "eth0" }, spec: { node: "n1", expectedIPs: ["10.0.0.1"] } });
    const u = engine.update([put("hep.json", hep), del("allow-80.yaml")]);
    expect(u.rejected).toEqual(["allow-80.yaml", "hep.json"]);
    expect(u.diagnostics.map((d) => d.code)).toContain("PC3040");
    expect(restoreOf(engine.current())).toBe(good);
    // The sources really are as before: deleting the policy alone now works.
    const next = engine.update([del("allow-80.yaml")]);
    expect(next.rejected).toEqual([]);
    expect(restoreOf(next.desired)).not.toBe(good);
  });
});
