/**
 * ClusterNetworkPolicy on the x/y/z cluster (namespaces labelled ns=<name> and
 * kubernetes.io/metadata.name, pods pod=<name>, container ports serve-<port>-<tcp|udp|sctp>),
 * as Calico v3.32 enforces it: tier kube-admin (order 1,000, default Pass) before the default tier
 * where NetworkPolicies live, tier kube-baseline (10,000,000, Pass) after it, reached only by pods
 * no NetworkPolicy selects in that direction; protocol-less named ports matched under the
 * protocol the pod declares; a rule with a peer Calico does not implement failing closed.
 * Expectations follow calico-332.md §1.3, §2.5 and §3.4, written before running anything.
 */
import type { KernelCase } from "../harness/case.js";
import { k8sPolicy, type LabelSelector } from "../harness/resources.js";
import { match, podIs } from "./e2e-helpers.js";

const CNP_API = "policy.networking.k8s.io/v1alpha2";
const ns = (name: string): LabelSelector => match({ ns: name });

function cnp(name: string, spec: object): object {
  return { apiVersion: CNP_API, kind: "ClusterNetworkPolicy", metadata: { name }, spec };
}

export const CNP_CASES: readonly KernelCase[] = [
  {
    name: "an Admin Deny beats a NetworkPolicy that allows everything",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
    resources: () => [
      k8sPolicy("x", "allow-all-to-a", podIs("a"), { ingress: [{}] }),
      cnp("deny-y-to-x-a", {
        tier: "Admin",
        priority: 10,
        subject: { pods: { namespaceSelector: ns("x"), podSelector: podIs("a") } },
        ingress: [{ name: "deny-from-y", action: "Deny", from: [{ namespaces: ns("y") }] }],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expect("y/a", "x/a", false).expect("y/b", "x/a", false) },
      { protocol: "UDP", port: 81, expect: (r) => r.expect("y/a", "x/a", false).expect("y/b", "x/a", false) },
    ],
  },
  {
    name: "an Admin Accept beats a NetworkPolicy deny; Pass hands the decision to the NetworkPolicy",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [
      k8sPolicy("x", "deny-ingress", {}, { ingress: [] }),
      cnp("y-in-z-passed", {
        tier: "Admin",
        priority: 20,
        subject: { namespaces: ns("x") },
        ingress: [
          { name: "accept-y-80", action: "Accept", from: [{ namespaces: ns("y") }], protocols: [{ tcp: { destinationPort: { number: 80 } } }] },
          { name: "pass-z", action: "Pass", from: [{ namespaces: ns("z") }] },
        ],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({}, { namespace: "x" }, false).expectPeer({ namespace: "y" }, { namespace: "x" }, true) },
      { protocol: "TCP", port: 81, expect: (r) => r.expectPeer({}, { namespace: "x" }, false) },
    ],
  },
  {
    name: "Baseline is reached only for pods no NetworkPolicy selects",
    pods: ["x/a", "x/b", "x/c", "y/a", "z/b"],
    resources: () => [
      // x/a is selected by a NetworkPolicy: the default tier decides for it (allow from all).
      k8sPolicy("x", "allow-all-to-a", podIs("a"), { ingress: [{}] }),
      cnp("default", {
        tier: "Baseline",
        priority: 1,
        subject: { namespaces: ns("x") },
        ingress: [{ name: "deny-all", action: "Deny", from: [{ namespaces: {} }] }],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/b", false).expectAllIngress("x/c", false) },
      { protocol: "UDP", port: 80, expect: (r) => r.expectAllIngress("x/b", false).expectAllIngress("x/c", false) },
    ],
  },
  {
    name: "a protocol-less named port matches the UDP port the pod declares under that name, and nothing else",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [
      cnp("udp-80-from-y", {
        tier: "Admin",
        priority: 30,
        subject: { namespaces: ns("x") },
        ingress: [
          { name: "named-udp", action: "Accept", from: [{ namespaces: ns("y") }], protocols: [{ destinationNamedPort: "serve-80-udp" }] },
          { name: "deny-rest", action: "Deny", from: [{ namespaces: {} }] },
        ],
      }),
    ],
    probes: [
      { protocol: "UDP", port: 80, expect: (r) => r.expectPeer({}, { namespace: "x" }, false).expectPeer({ namespace: "y" }, { namespace: "x" }, true) },
      // serve-80-tcp is another name: TCP/80 is not matched (in v3.31 the rule meant TCP only and would have matched nothing at all).
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({}, { namespace: "x" }, false) },
      { protocol: "UDP", port: 81, expect: (r) => r.expectPeer({}, { namespace: "x" }, false) },
    ],
  },
  {
    name: "a Pass rule with a nodes peer fails closed: all egress after the rules before it is denied",
    pods: ["x/a", "y/a", "y/b", "z/a"],
    resources: () => [
      cnp("z-a-egress", {
        tier: "Admin",
        priority: 40,
        subject: { pods: { namespaceSelector: ns("z"), podSelector: podIs("a") } },
        egress: [
          { name: "accept-y", action: "Accept", to: [{ namespaces: ns("y") }] },
          { name: "pass-nodes", action: "Pass", to: [{ nodes: {} }] },
          { name: "accept-x", action: "Accept", to: [{ namespaces: ns("x") }] },
        ],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expect("z/a", "x/a", false) },
      { protocol: "UDP", port: 81, expect: (r) => r.expect("z/a", "x/a", false) },
    ],
  },
];
