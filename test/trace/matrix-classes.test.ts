/**
 * Named cases for the class matrix: clusters where pods that share an endpoint chain shape
 * still differ through their own address (a named port one declares, a selector on the
 * endpoint itself), or share a shape across nodes. Each is checked against the naive all-pairs
 * trace and against verdicts reviewed by hand.
 */
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import { matrixChanges, reachabilityMatrix, type MatrixOptions } from "../../src/trace/index.js";
import { matrixLines, naiveLines } from "./naive.js";

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name}, labels: { env: ${name}-env } }\n---\n`;
const pod = (name: string, node: string, ip: string, labels: string, ports = "") =>
  `apiVersion: v1\nkind: Pod\nmetadata: { name: "${name}", namespace: a, labels: ${labels} }\nspec: { nodeName: ${node}, containers: [{ name: c, image: x${ports} }] }\nstatus: { podIP: ${ip}, phase: Running }\n---\n`;

const cases: { name: string; yaml: string; options: MatrixOptions; want: string[] }[] = [
  {
    // Shrunk from the differential run with ingress rows that ignored the destination's address:
    // pod0 and pod1 share the ingress chain, but only pod1 is in the named-port set for http.
    name: "same ingress chain, different named ports",
    yaml:
      ns("a") +
      pod("pod0", "node-1", "10.0.0.10", "{ app: web }") +
      pod("pod1", "node-1", "10.0.1.11", "{ app: web }", ", ports: [{ name: http, containerPort: 8080, protocol: TCP }]") +
      `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: k0, namespace: a }\nspec: { podSelector: {}, policyTypes: [Ingress], ingress: [{ ports: [{ protocol: TCP, port: http }] }] }\n`,
    options: { port: 8080 },
    want: ["a/pod0 -> a/pod1 TCP/8080: allow", "a/pod1 -> a/pod0 TCP/8080: deny"],
  },
  {
    // An egress rule's source selector matches the sending endpoint itself: pods with the same
    // egress chain differ by their own labels (ipset membership of the source address).
    name: "same egress chain, egress rule selects the source by label",
    yaml:
      ns("a") +
      pod("web", "node-1", "10.0.0.10", "{ app: web }") +
      pod("db", "node-2", "10.0.0.11", "{ app: db }") +
      pod("cache", "node-1", "10.0.0.12", "{ app: cache }") +
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: { name: e, namespace: a }\nspec: { selector: all(), types: [Egress], egress: [{ action: Allow, source: { selector: app == "web" } }] }\n`,
    options: { port: 80 },
    want: [
      "a/cache -> a/db TCP/80: deny",
      "a/cache -> a/web TCP/80: deny",
      "a/db -> a/cache TCP/80: deny",
      "a/db -> a/web TCP/80: deny",
      "a/web -> a/cache TCP/80: allow",
      "a/web -> a/db TCP/80: allow",
    ],
  },
  {
    // Same policy on two nodes: one shape, but the rules still tell the destinations apart by CIDR.
    name: "one shape on two nodes, destinations told apart by a literal CIDR",
    yaml:
      ns("a") +
      pod("x", "node-1", "10.0.0.10", "{ app: web }") +
      pod("y", "node-2", "10.0.1.10", "{ app: web }") +
      pod("z", "node-3", "10.0.2.10", "{ app: web }") +
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: { name: e, namespace: a }\nspec: { selector: all(), types: [Egress], egress: [{ action: Allow, destination: { nets: [10.0.1.0/24] } }] }\n`,
    options: { port: 80 },
    want: [
      "a/x -> a/y TCP/80: allow",
      "a/x -> a/z TCP/80: deny",
      "a/y -> a/x TCP/80: deny",
      "a/y -> a/z TCP/80: deny",
      "a/z -> a/x TCP/80: deny",
      "a/z -> a/y TCP/80: allow",
    ],
  },
  {
    // Shrunk from hep-dual-stack, where the matrix said allow and `explain` deny: a pre-DNAT
    // policy on node-2's uplink host endpoint (raw/mangle, applyOnForward) closes 30080 to pods
    // arriving from node-1. The workload chains' classes never saw the host chains. The pair on
    // one node (x -> z) never crosses the uplink, so the host endpoint does not police it.
    name: "pre-DNAT host endpoint policy on the receiving node's uplink",
    yaml:
      ns("a") +
      pod("x", "node-1", "10.0.0.10", "{ app: web }") +
      pod("y", "node-2", "10.0.1.10", "{ app: api }") +
      pod("z", "node-1", "10.0.0.11", "{ app: web }") +
      `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: { name: n2, labels: { role: edge } }\nspec: { node: node-2, interfaceName: eth0, expectedIPs: [192.168.1.11] }\n---\n` +
      `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: { name: n1, labels: { role: edge } }\nspec: { node: node-1, interfaceName: eth0, expectedIPs: [192.168.1.10] }\n---\n` +
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: { name: nodeport }\nspec: { selector: role == "edge", preDNAT: true, applyOnForward: true, ingress: [{ action: Deny, protocol: TCP, destination: { ports: [30080] } }] }\n`,
    options: { port: 30080 },
    want: [
      "a/x -> a/y TCP/30080: deny",
      "a/x -> a/z TCP/30080: allow",
      "a/y -> a/x TCP/30080: deny",
      "a/y -> a/z TCP/30080: deny",
      "a/z -> a/x TCP/30080: allow",
      "a/z -> a/y TCP/30080: deny",
    ],
  },
  {
    // The pre-DNAT policy on node-2's uplink tells x and w apart by source address alone: same
    // labels, same node, same endpoint chain, so only the host tables' own nets (a feature of
    // every shape on a node with host endpoints) keep them in different classes.
    name: "pre-DNAT source nets on the receiving node: pods of one class told apart by the host chain alone",
    yaml:
      ns("a") +
      pod("x", "node-1", "10.0.0.10", "{ app: web }") +
      pod("w", "node-1", "10.0.0.12", "{ app: web }") +
      pod("y", "node-2", "10.0.1.10", "{ app: api }") +
      `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: { name: n2, labels: { role: edge } }\nspec: { node: node-2, interfaceName: eth0, expectedIPs: [192.168.1.11] }\n---\n` +
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: { name: nodeport }\nspec: { selector: role == "edge", preDNAT: true, applyOnForward: true, ingress: [{ action: Allow, protocol: TCP, source: { nets: [10.0.0.10/32] }, destination: { ports: [30080] } }, { action: Deny, protocol: TCP, destination: { ports: [30080] } }] }\n`,
    options: { port: 30080 },
    want: [
      "a/w -> a/x TCP/30080: allow",
      "a/w -> a/y TCP/30080: deny",
      "a/x -> a/w TCP/30080: allow",
      "a/x -> a/y TCP/30080: allow",
      "a/y -> a/w TCP/30080: allow",
      "a/y -> a/x TCP/30080: allow",
    ],
  },
];

describe("class matrix on named cases", () => {
  it.each(cases)("$name", ({ yaml, options, want }) => {
    const { model, diagnostics } = loadSources([{ file: "c.yaml", text: yaml }]);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const m = reachabilityMatrix(model, options);
    expect(matrixLines(m)).toEqual(want);
    expect(naiveLines(model, m)).toEqual(want);
  });
});

describe("matrixChanges on class matrices", () => {
  it("lists exactly the pairs a policy closes, in pair order", () => {
    const base = ns("a") + pod("x", "node-1", "10.0.0.10", "{ app: web }") + pod("y", "node-2", "10.0.0.11", "{ app: db }") + pod("z", "node-1", "10.0.0.12", "{ app: cache }");
    const policy = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: db, namespace: a }\nspec: { podSelector: { matchLabels: { app: db } }, policyTypes: [Ingress], ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }] }] }\n`;
    const matrix = (yaml: string) => reachabilityMatrix(loadSources([{ file: "c.yaml", text: yaml }]).model, { port: 80 });
    const before = matrix(base);
    const after = matrix(base + policy);
    expect(matrixChanges(before, after)).toEqual([{ from: "a/z", to: "a/y", port: 80, protocol: "TCP", change: "closed" }]);
    expect(matrixChanges(after, before)).toEqual([{ from: "a/z", to: "a/y", port: 80, protocol: "TCP", change: "opened" }]);
  });
});
