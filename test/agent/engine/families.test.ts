/**
 * The IPv6 family of the engine on hand-written cases, and the agent's Ipv6Family on top of it:
 * IPv6 starts when the first IPv6 address arrives, stays when the last one goes, and the state
 * object changes exactly when its content does (the agent applies IPv6 only then).
 */
import { describe, expect, it } from "vitest";
import { AgentEngine } from "../../../src/agent/engine/index.js";
import { Ipv6Family } from "../../../src/agent/ipv6.js";
import { compile } from "../../../src/render/compile.js";
import { loadSources } from "../../../src/model/load.js";
import { del, put } from "./cluster.js";
import { restoreOf, source } from "./oracle.js";

const pod = (name: string, node: string, ips: string[], labels: Record<string, string>): string =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { nodeName: node, containers: [{ name: "c", image: "x" }] },
    status: { phase: "Running", podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) },
  });
const policy = JSON.stringify({
  apiVersion: "projectcalico.org/v3",
  kind: "NetworkPolicy",
  metadata: { name: "allow-web", namespace: "default" },
  spec: { selector: "app == 'web'", ingress: [{ action: "Allow", source: { selector: "role == 'client'" } }] },
});

describe("engine IPv6 family", () => {
  it("starts with the first IPv6 address, keeps one state object while IPv6 is unchanged, and stays", () => {
    const engine = new AgentEngine({ node: "n1" });
    const inForce = new Map<string, string>();
    const compile6 = () => compile(loadSources([...inForce].map(([f, t]) => source(f, t))).model, { node: "n1", ipVersion: 6 });
    const apply = (name: string, text: string | undefined) => {
      if (text === undefined) inForce.delete(name);
      else inForce.set(name, text);
      return engine.update([text === undefined ? del(name) : put(name, text)]);
    };
    const family = new Ipv6Family();

    let u = apply("pods/web", pod("web", "n1", ["10.0.0.1"], { app: "web" }));
    apply("policies/allow-web", policy);
    expect(engine.current6()).toBeUndefined();
    expect(family.desired(engine.current6(), false)).toBeUndefined();

    // The first IPv6 address: the IPv6 state appears, everything in it dirty.
    u = apply("pods/web", pod("web", "n1", ["10.0.0.1", "fd00::1"], { app: "web" }));
    expect(u.desired6).toBeDefined();
    expect(restoreOf(u.desired6!)).toBe(restoreOf(compile6()));
    expect(u.dirty6?.chains).toEqual(u.desired6!.chains.map((c) => c.name));
    expect(u.dirty6?.hooks).toBe(true);
    expect(family.desired(engine.current6(), false)).toBe(u.desired6);
    family.applied();

    // An IPv4-only client: the IPv4 set gains a member, IPv6 is untouched (same object, nothing to apply).
    const before6 = engine.current6();
    u = apply("pods/client4", pod("client4", "n2", ["10.0.0.9"], { role: "client" }));
    expect(u.dirty.members?.size).toBe(1);
    expect(u.dirty6).toEqual({ chains: [], ipsets: [], hooks: false });
    expect(engine.current6()).toBe(before6);
    expect(family.desired(engine.current6(), false)).toBeUndefined();
    expect(family.desired(engine.current6(), true)).toBe(before6); // a converge always applies

    // A dual-stack client: the cali60 set gains exactly its IPv6 address.
    u = apply("pods/client6", pod("client6", "n2", ["10.0.0.8", "fd00::8"], { role: "client" }));
    const set6 = u.desired6!.ipsets.find((s) => s.members.includes("fd00::8/128"));
    expect(set6?.name.startsWith("cali60s:")).toBe(true);
    expect(u.dirty6?.members?.get(set6!.name)).toEqual({ added: ["fd00::8/128"], removed: [] });
    expect(restoreOf(u.desired6!)).toBe(restoreOf(compile6()));
    expect(family.desired(engine.current6(), false)).toBe(u.desired6);

    // The last IPv6 address goes: the IPv6 state stays (so its rules and sets are cleaned up).
    apply("pods/client6", undefined);
    u = apply("pods/web", pod("web", "n1", ["10.0.0.1"], { app: "web" }));
    expect(u.desired6).toBeDefined();
    expect(restoreOf(u.desired6!)).toBe(restoreOf(compile6()));
    expect(u.desired6!.ipsets.every((s) => s.members.length === 0)).toBe(true);
  });
});
