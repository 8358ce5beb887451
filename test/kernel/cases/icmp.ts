/**
 * ICMP echo under Kubernetes and Calico policy, on the x/y/z cluster (namespaces labelled
 * ns=<name>, pods pod=<name>). Kubernetes only defines TCP, UDP and SCTP; what Calico does with
 * ICMP is written in reference/k8s-semantics.md §1.9, §2.4 and §3.5, and the expectations below
 * come from there, written before running anything:
 *
 * - a K8s rule without `ports` becomes a Calico rule without a protocol: every IP protocol,
 *   ICMP included, from its peers;
 * - a K8s rule with ports allows only those protocols; isolation (end of tier) drops the rest,
 *   ICMP included;
 * - Calico `protocol: ICMP` with `icmp`/`notICMP` matches on type (and code); an echo request is
 *   type 8, code 0.
 *
 * Every probe here is a new echo request; its reply comes back as ESTABLISHED, which the
 * endpoint chains accept before any policy.
 */
import type { KernelCase } from "../harness/case.js";
import { CALICO_V3 as V3, calicoPolicy, k8sPolicy } from "../harness/resources.js";
import { podIs } from "./e2e-helpers.js";

/** Ingress to x/a only: the rules given, nothing else. */
const calicoIngressToA = (name: string, ingress: readonly object[], order?: number): object =>
  calicoPolicy("x", name, { ...(order !== undefined ? { order } : {}), selector: "pod == 'a'", types: ["Ingress"], ingress });

export const ICMP_CASES: readonly KernelCase[] = [
  {
    name: "K8s: an ingress rule with a pod peer and no ports allows ICMP from that peer; isolation drops it from everyone else",
    pods: ["x/a", "x/b", "x/c", "y/b"],
    resources: () => [k8sPolicy("x", "allow-b-to-a", podIs("a"), { ingress: [{ from: [{ podSelector: podIs("b") }] }] })],
    probes: [
      // y/b carries pod=b too, but a podSelector alone only means the policy's namespace.
      { protocol: "ICMP", expect: (r) => r.expectAllIngress("x/a", false).expect("x/b", "x/a", true) },
      { protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("x/b", "x/a", true) },
    ],
  },
  {
    name: "K8s: a rule with ports [{port: 80}] allows TCP/80 from everyone and no ICMP at all to the isolated pod",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [k8sPolicy("x", "allow-80-to-a", podIs("a"), { ingress: [{ ports: [{ port: 80 }] }] })],
    probes: [
      { protocol: "ICMP", expect: (r) => r.expectAllIngress("x/a", false) },
      { protocol: "TCP", port: 80 },
      { protocol: "TCP", port: 81, expect: (r) => r.expectAllIngress("x/a", false) },
    ],
  },
  {
    name: "K8s: an egress rule with a pod peer and no ports allows ICMP to that peer only",
    pods: ["x/a", "x/b", "x/c", "y/a"],
    resources: () => [k8sPolicy("x", "a-egress-to-c", podIs("a"), { egress: [{ to: [{ podSelector: podIs("c") }] }] })],
    probes: [
      { protocol: "ICMP", expect: (r) => r.expectAllEgress("x/a", false).expect("x/a", "x/c", true) },
      { protocol: "UDP", port: 81, expect: (r) => r.expectAllEgress("x/a", false).expect("x/a", "x/c", true) },
    ],
  },
  {
    name: "Calico: Allow protocol ICMP with icmp {type: 8} admits ping from everyone; TCP stays isolated",
    pods: ["x/a", "x/b", "y/a", "z/c"],
    resources: () => [calicoIngressToA("allow-echo", [{ action: "Allow", protocol: "ICMP", icmp: { type: 8 } }])],
    probes: [
      { protocol: "ICMP" },
      { protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false) },
    ],
  },
  {
    name: "Calico: Allow protocol ICMP with notICMP {type: 8} (every ICMP but echo request) does not admit ping",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [calicoIngressToA("allow-icmp-but-echo", [{ action: "Allow", protocol: "ICMP", notICMP: { type: 8 } }])],
    probes: [
      { protocol: "ICMP", expect: (r) => r.expectAllIngress("x/a", false) },
      { protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false) },
    ],
  },
  {
    name: "Calico: icmp type and code both match (echo request is 8/0): 8/0 admits ping, 8/1 and 0 (echo reply) do not",
    pods: ["x/a", "x/b", "x/c", "y/a"],
    resources: () => [
      calicoIngressToA("allow-echo-code-0", [{ action: "Allow", protocol: "ICMP", icmp: { type: 8, code: 0 } }]),
      calicoPolicy("x", "allow-echo-code-1", {
        selector: "pod == 'b'",
        types: ["Ingress"],
        ingress: [{ action: "Allow", protocol: "ICMP", icmp: { type: 8, code: 1 } }],
      }),
      calicoPolicy("x", "allow-echo-reply", {
        selector: "pod == 'c'",
        types: ["Ingress"],
        ingress: [{ action: "Allow", protocol: "ICMP", icmp: { type: 0 } }],
      }),
    ],
    probes: [{ protocol: "ICMP", expect: (r) => r.expectAllIngress("x/b", false).expectAllIngress("x/c", false) }],
  },
  {
    name: "Calico: Deny ICMP at order 100, then an allow-all at order 200: ping denied, TCP and UDP allowed",
    pods: ["x/a", "x/b", "y/a", "z/b"],
    resources: () => [
      calicoIngressToA("deny-icmp", [{ action: "Deny", protocol: "ICMP" }], 100),
      calicoIngressToA("allow-all", [{ action: "Allow" }], 200),
    ],
    probes: [
      { protocol: "ICMP", expect: (r) => r.expectAllIngress("x/a", false) },
      { protocol: "TCP", port: 80 },
      { protocol: "UDP", port: 81 },
    ],
  },
];
