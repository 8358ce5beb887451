/**
 * Tier order as Calico v3.32 on the Kubernetes datastore (calico-332.md §3.1–§3.2, §7.2 item 1):
 * a Tier written without `order` reads as 1,000,000, ties with `default` and is placed by name.
 * (A tier that policies name but no Tier defines is refused at load, PC3013.)
 */
import { describe, expect, it } from "vitest";
import { resolveNode } from "../../src/resolve/index.js";
import { load } from "../ipv6/fixtures.js";

const tier = (name: string, order?: number): string => `---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: ${name}}
spec: {${order === undefined ? "" : `order: ${order}, `}defaultAction: Pass}
`;

const policy = (name: string, tier: string): string => `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec: {tier: ${tier}, selector: all(), types: [Ingress], ingress: [{action: Pass}]}
`;

const pod = `---
apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: main, image: x}]}
status: {podIP: 10.65.0.1, podIPs: [{ip: 10.65.0.1}]}
`;

describe("tier order", () => {
  it("tiers without order tie with default at 1,000,000 and sort by name", () => {
    const text =
      pod +
      tier("app") +
      tier("zeta") +
      tier("early", 500) +
      tier("late", 2_000_000) +
      ["app", "zeta", "early", "late", "default"].map((t) => policy(`p-${t}`, t)).join("");
    const view = resolveNode(load(text), "node-1");
    expect(view.endpoints[0]?.ingressTiers.map((t) => t.name)).toEqual(["early", "app", "default", "zeta", "late"]);
  });
});
