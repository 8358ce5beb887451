/**
 * The README's examples, loaded verbatim from fixtures/examples (byte-identical copies of the
 * policies users learn with), on a small cluster: namespace `default` with web, client1, client2
 * and my-nginx, and namespace `azhe` whose pods carry the same labels as default's (so a policy
 * that forgot its namespace scope would show).
 */
import { readFileSync } from "node:fs";
import type { CaseFamily, KernelCase } from "../harness/case.js";
import { servePorts, type PodDef } from "../harness/resources.js";

const fixture = (name: string) => ({
  file: `examples/${name}`,
  text: readFileSync(new URL(`../fixtures/examples/${name}`, import.meta.url), "utf8"),
});

const pod = (namespace: string, name: string, node: string, ip: string, labels: Record<string, string>): PodDef => ({
  namespace,
  name,
  node,
  ip,
  labels,
  containerPorts: servePorts([80, 81]),
});

export const README_FAMILY: CaseFamily = {
  name: "README examples",
  tag: "readme",
  nodes: ["node-1", "node-2"],
  namespaces: [
    { name: "default", labels: {} },
    { name: "azhe", labels: {} },
  ],
  pods: [
    pod("default", "web", "node-1", "10.66.0.1", { app: "web" }),
    pod("default", "client1", "node-2", "10.66.0.65", { run: "client1" }),
    pod("default", "client2", "node-1", "10.66.0.2", { run: "client2" }),
    pod("default", "my-nginx", "node-2", "10.66.0.66", { app: "my-nginx" }),
    pod("azhe", "client1", "node-1", "10.66.0.3", { run: "client1" }),
    pod("azhe", "web", "node-2", "10.66.0.67", { app: "web" }),
  ],
  servePorts: [80, 81],
};

const ALL = README_FAMILY.pods.map((p) => `${p.namespace}/${p.name}`);

export const README_CASES: readonly KernelCase[] = [
  {
    name: "k8s-web-from-client1.yaml: client1 reaches web on TCP 80, client2 (and azhe's client1) cannot",
    pods: ALL,
    files: [fixture("k8s-web-from-client1.yaml")],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("default/web", false).expect("default/client1", "default/web", true) },
      { protocol: "TCP", port: 81, expect: (r) => r.expectAllIngress("default/web", false) },
    ],
  },
  {
    name: "k8s-deny-from-other-namespaces.yaml: default's pods reach each other, azhe's pods cannot reach default",
    pods: ALL,
    files: [fixture("k8s-deny-from-other-namespaces.yaml")],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({ namespace: "azhe" }, { namespace: "default" }, false) },
      { protocol: "UDP", port: 81, expect: (r) => r.expectPeer({ namespace: "azhe" }, { namespace: "default" }, false) },
    ],
  },
  {
    name: "calico-allow-80.yaml: my-nginx accepts TCP 80 from anyone, nothing else",
    pods: ALL,
    files: [fixture("calico-allow-80.yaml")],
    probes: [
      { protocol: "TCP", port: 80 },
      { protocol: "TCP", port: 81, expect: (r) => r.expectAllIngress("default/my-nginx", false) },
      { protocol: "UDP", port: 80, expect: (r) => r.expectAllIngress("default/my-nginx", false) },
    ],
  },
];
