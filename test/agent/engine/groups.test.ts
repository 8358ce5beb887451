/**
 * The engine's policy-group chains on hand-written batches: one chain per group however many
 * local endpoints share it, created with the first endpoint that needs it and deleted with the
 * last, renamed (old deleted, new created) when an order change reorders the run; `dirty` names
 * the group chain exactly when it appears or goes, and every state equals a full compile.
 */
import { describe, expect, it } from "vitest";
import { AgentEngine } from "../../../src/agent/engine/index.js";
import { del, namespaceJson, namespaceKey, podJson, podKey, put } from "./cluster.js";
import { Oracle, restoreOf } from "./oracle.js";

const gnp = (name: string, order: number) =>
  JSON.stringify({
    apiVersion: "projectcalico.org/v3",
    kind: "GlobalNetworkPolicy",
    metadata: { name },
    spec: { order, selector: "app == 'web'", types: ["Ingress"], ingress: [{ action: "Allow", protocol: "TCP", destination: { ports: [order] } }] },
  });
const web = (name: string, node = "n1") => put(podKey("default", name), podJson({ ns: "default", name, node, ip: `10.0.0.${name.length}`, labels: { app: "web" } }));

describe("AgentEngine policy groups", () => {
  it("shares one group chain, creates it with its first user and deletes it with its last", () => {
    const engine = new AgentEngine({ node: "n1" });
    const oracle = new Oracle("n1");
    const groups = (): string[] => engine.current().chains.map((c) => c.name).filter((n) => n.startsWith("cali-gi-"));
    const step = (batch: Parameters<AgentEngine["update"]>[0]) => {
      const u = engine.update(batch);
      expect(u.rejected).toEqual(oracle.apply(batch));
      expect(restoreOf(u.desired)).toBe(oracle.restore());
      return u.dirty.chains.filter((n) => n.startsWith("cali-g"));
    };

    // Policies first: no local endpoint yet, so no group chain.
    expect(step([put(namespaceKey("default"), namespaceJson("default", {})), put("p1.yaml", gnp("p1", 80)), put("p2.yaml", gnp("p2", 81))])).toEqual([]);
    expect(groups()).toEqual([]);
    // The first endpoint creates it.
    const created = step([web("a")]);
    expect(created).toHaveLength(1);
    expect(groups()).toEqual(created);
    const [group] = created as [string];
    // A second endpoint with the same run shares it: the group chain is not touched.
    expect(step([web("bb")])).toEqual([]);
    expect(groups()).toEqual([group]);
    // A remote endpoint has nothing to do with it.
    expect(step([web("ccc", "n2")])).toEqual([]);
    // The first user leaves: still there.
    expect(step([del(podKey("default", "a"))])).toEqual([]);
    expect(groups()).toEqual([group]);
    // An order change renames the group: the old chain goes, the new one comes, in one batch.
    const renamed = step([put("p1.yaml", gnp("p1", 82))]);
    expect(renamed).toHaveLength(2);
    expect(renamed).toContain(group);
    const [now] = groups() as [string];
    expect(now).not.toBe(group);
    // A third policy joins the run: renamed again (the UID lists the members).
    const grown = step([put("p3.yaml", gnp("p3", 90))]);
    expect(grown).toEqual(expect.arrayContaining([now]));
    expect(groups()).toHaveLength(1);
    // The last user leaves: the group chain is deleted.
    const last = groups()[0] as string;
    expect(step([del(podKey("default", "bb"))])).toEqual([last]);
    expect(groups()).toEqual([]);
    // It comes back with a new user.
    expect(step([web("a")])).toEqual([last]);
  });
});
