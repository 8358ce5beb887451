/**
 * Calico-specific semantics on the x/y/z cluster (namespaces labelled ns=<name>, pods pod=<name>):
 * order across policy kinds, tiers and Pass, a GlobalNetworkPolicy default deny, network sets,
 * notPorts and Log. Expectations follow Calico's documented evaluation
 * (reference/k8s-semantics.md §3.2–§3.6), written before running anything.
 */
import type { KernelCase } from "../harness/case.js";
import { CALICO_V3 as V3, calicoPolicy, globalPolicy, k8sPolicy } from "../harness/resources.js";
import { nsIs, podIs } from "./e2e-helpers.js";

export const CALICO_CASES: readonly KernelCase[] = [
  {
    name: "a Calico Deny at a lower order beats a Kubernetes allow",
    pods: ["x/a", "x/b", "x/c", "y/b"],
    resources: () => [
      k8sPolicy("x", "allow-all-to-a", podIs("a"), { ingress: [{}] }),
      calicoPolicy("x", "deny-b-to-a", {
        order: 500,
        selector: "pod == 'a'",
        types: ["Ingress"],
        // Namespaced: `pod == 'b'` only means pods of namespace x, so y/b is still allowed.
        ingress: [{ action: "Deny", source: { selector: "pod == 'b'" } }],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expect("x/b", "x/a", false) },
      { protocol: "UDP", port: 80, expect: (r) => r.expect("x/b", "x/a", false) },
    ],
  },
  {
    name: "a Calico Allow at a higher order still applies after Kubernetes isolation (fall-through per policy)",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [
      k8sPolicy("x", "deny-ingress", {}, { ingress: [] }),
      calicoPolicy("x", "allow-y-on-80", {
        order: 2000,
        selector: "all()",
        types: ["Ingress"],
        ingress: [{ action: "Allow", protocol: "TCP", source: { namespaceSelector: "ns == 'y'" }, destination: { ports: [80] } }],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({}, { namespace: "x" }, false).expectPeer({ namespace: "y" }, { namespace: "x" }, true) },
      { protocol: "TCP", port: 81, expect: (r) => r.expectPeer({}, { namespace: "x" }, false) },
    ],
  },
  {
    name: "Pass leaves a higher-precedence tier and the default tier decides; no match ends that tier with a deny",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
    resources: () => [
      { apiVersion: V3, kind: "Tier", metadata: { name: "security" }, spec: { order: 100 } },
      globalPolicy("security.x-ingress", {
        tier: "security",
        order: 10,
        selector: "projectcalico.org/namespace == 'x'",
        types: ["Ingress"],
        ingress: [
          { action: "Pass", source: { namespaceSelector: "ns == 'y'" } },
          { action: "Allow", source: { namespaceSelector: "ns == 'x'" } },
        ],
      }),
      k8sPolicy("x", "allow-y-b-to-a", podIs("a"), { ingress: [{ from: [{ namespaceSelector: nsIs("y"), podSelector: podIs("b") }] }] }),
    ],
    probes: [
      {
        protocol: "TCP",
        port: 80,
        // z → x: no security rule matches → end of tier "security" drops.
        // y → x: Pass → default tier: x/a is isolated by the K8s policy (only y/b allowed);
        //        x/b has no default-tier policy → namespace profile allows.
        // x → x: allowed in tier "security" (final, the K8s isolation of x/a is never reached).
        expect: (r) => r.expectPeer({ namespace: "z" }, { namespace: "x" }, false).expect("y/a", "x/a", false),
      },
    ],
  },
  {
    name: "GlobalNetworkPolicy default deny (all(), order 2000) with Kubernetes allows at order 1000",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
    resources: () => [
      globalPolicy("default-deny", { order: 2000, selector: "all()", types: ["Ingress", "Egress"] }),
      k8sPolicy("x", "allow-ingress-from-y", podIs("a"), { ingress: [{ from: [{ namespaceSelector: nsIs("y") }] }] }),
      k8sPolicy("y", "allow-egress-to-x-a", {}, { egress: [{ to: [{ namespaceSelector: nsIs("x"), podSelector: podIs("a") }] }] }),
    ],
    probes: [
      { protocol: "TCP", port: 80, defaultExpectation: false, expect: (r) => r.expect("y/a", "x/a", true).expect("y/b", "x/a", true) },
      { protocol: "UDP", port: 81, defaultExpectation: false, expect: (r) => r.expect("y/a", "x/a", true).expect("y/b", "x/a", true) },
    ],
  },
  {
    name: "a GlobalNetworkSet holding y/b's /32, selected by a GlobalNetworkPolicy rule",
    pods: ["x/a", "x/b", "y/a", "y/b"],
    resources: (t) => [
      { apiVersion: V3, kind: "GlobalNetworkSet", metadata: { name: "trusted-hosts", labels: { role: "trusted" } }, spec: { nets: [`${t.ip("y/b")}/32`] } },
      globalPolicy("allow-trusted-to-x-a", {
        order: 100,
        selector: "projectcalico.org/namespace == 'x' && pod == 'a'",
        types: ["Ingress"],
        ingress: [{ action: "Allow", source: { selector: "role == 'trusted'" } }],
      }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("y/b", "x/a", true) }],
  },
  {
    name: "a namespaced NetworkSet is matched by its namespace's policy; a GlobalNetworkSet with the same label is not",
    pods: ["x/a", "x/b", "y/b", "z/c"],
    resources: (t) => [
      { apiVersion: V3, kind: "NetworkSet", metadata: { name: "z-c-host", namespace: "x", labels: { role: "trusted" } }, spec: { nets: [`${t.ip("z/c")}/32`] } },
      { apiVersion: V3, kind: "GlobalNetworkSet", metadata: { name: "y-b-host", labels: { role: "trusted" } }, spec: { nets: [`${t.ip("y/b")}/32`] } },
      calicoPolicy("x", "allow-trusted", {
        selector: "pod == 'a'",
        types: ["Ingress"],
        ingress: [{ action: "Allow", source: { selector: "role == 'trusted'" } }],
      }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("z/c", "x/a", true) }],
  },
  {
    name: "notPorts: TCP to every port but 80",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [
      calicoPolicy("x", "all-but-80", {
        selector: "all()",
        types: ["Ingress"],
        ingress: [{ action: "Allow", protocol: "TCP", destination: { notPorts: [80] } }],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({}, { namespace: "x" }, false) },
      { protocol: "TCP", port: 81 },
      { protocol: "UDP", port: 81, expect: (r) => r.expectPeer({}, { namespace: "x" }, false) },
    ],
  },
  {
    name: "Log does not decide: traffic continues to the next rule",
    pods: ["x/a", "y/a"],
    resources: () => [
      calicoPolicy("x", "log-then-allow-80", {
        selector: "pod == 'a'",
        types: ["Ingress"],
        ingress: [{ action: "Log" }, { action: "Allow", protocol: "TCP", destination: { ports: [80] } }],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80 },
      { protocol: "TCP", port: 81, expect: (r) => r.expectAllIngress("x/a", false) },
    ],
  },
  {
    // The harness sends from fresh source ports in 20000-60999 (the ephemeral range and below),
    // so a source-port rule covering that range allows every probe and one for 1-1023 none; the
    // trace check also runs each pair with the source port the kernel saw.
    name: "source ports: a rule for 20000-60999 allows the probes' ports, a rule for 1-1023 does not",
    pods: ["x/a", "x/b", "y/a", "y/b"],
    resources: () => [
      calicoPolicy("x", "from-ephemeral", {
        selector: "pod == 'a'",
        types: ["Ingress"],
        ingress: [{ action: "Allow", protocol: "TCP", source: { ports: ["20000:60999"] } }],
      }),
      calicoPolicy("y", "from-privileged", {
        selector: "pod == 'a'",
        types: ["Ingress"],
        ingress: [{ action: "Allow", protocol: "TCP", source: { ports: ["1:1023"] } }],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({}, { namespace: "y", pod: "a" }, false) },
      // UDP matches neither rule (both are TCP): x/a and y/a take nothing.
      { protocol: "UDP", port: 80, expect: (r) => r.expectPeer({}, { namespace: "x", pod: "a" }, false).expectPeer({}, { namespace: "y", pod: "a" }, false) },
    ],
  },
];
