/**
 * Policy groups (render/policy-groups.ts) in a real kernel, on the x/y/z cluster (namespaces
 * labelled ns=<name>, pods pod=<name>): consecutive policies with one selector run through one
 * `cali-gi-`/`cali-go-` chain, and the verdicts must be exactly those of evaluating the policies
 * one by one in order (reference/k8s-semantics.md §3.2): the first rule that matches wins,
 * across the "Return on verdict" after the fifth member too; a Pass inside a group ends the
 * group and the tier. Expectations written from the policies alone, before running anything.
 */
import type { KernelCase } from "../harness/case.js";
import { CALICO_V3 as V3, calicoPolicy, globalPolicy } from "../harness/resources.js";

const ALL = ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"];

/** Six NetworkPolicies of namespace x, all `pod == 'a'`: one ingress group past the block of five. */
const sixOnXa = (): object[] =>
  [
    // 1: x/b may not reach port 80.
    { action: "Deny", protocol: "TCP", source: { selector: "pod == 'b'" }, destination: { ports: [80] } },
    // 2: namespace z passes: the rest of the group and the tier are skipped, the profile allows.
    { action: "Pass", source: { namespaceSelector: "ns == 'z'" } },
    // 3: x/c may reach port 80.
    { action: "Allow", protocol: "TCP", source: { selector: "pod == 'c'" }, destination: { ports: [80] } },
    // 4: y/b may reach neither port (it sorts before the Allow of namespace y).
    { action: "Deny", protocol: "TCP", source: { namespaceSelector: "ns == 'y'", selector: "pod == 'b'" }, destination: { ports: [80, 81] } },
    // 5: namespace y may reach port 81.
    { action: "Allow", protocol: "TCP", source: { namespaceSelector: "ns == 'y'" }, destination: { ports: [81] } },
    // 6 (after "Return on verdict", unguarded): everything else is denied.
    { action: "Deny" },
  ].map((rule, i) => calicoPolicy("x", `group-${i + 1}`, { order: 10 + i, selector: "pod == 'a'", types: ["Ingress"], ingress: [rule] }));

export const GROUP_CASES: readonly KernelCase[] = [
  {
    name: "a group of six NetworkPolicies on x/a: first match wins across the stride, a Pass inside the group",
    pods: ALL,
    resources: sixOnXa,
    probes: [
      {
        protocol: "TCP",
        port: 80,
        // x/b: member 1 denies. x/c: member 3 allows. y/b: member 4 denies. y/a, y/c: member 6
        // denies. z/*: member 2 passes, the namespace profile allows.
        expect: (r) => r.expect("x/b", "x/a", false).expect("y/a", "x/a", false).expect("y/b", "x/a", false).expect("y/c", "x/a", false),
      },
      {
        protocol: "TCP",
        port: 81,
        // x/b, x/c: only member 6 matches. y/b: member 4 denies before member 5 could allow.
        // y/a, y/c: member 5 allows (the Return on verdict keeps member 6 from running). z/*: Pass.
        expect: (r) => r.expect("x/b", "x/a", false).expect("x/c", "x/a", false).expect("y/b", "x/a", false),
      },
      {
        protocol: "UDP",
        port: 80,
        // Members 1, 3, 4, 5 are TCP only: member 6 denies everything but namespace z (Pass).
        expect: (r) => r.expect("x/b", "x/a", false).expect("x/c", "x/a", false).expect("y/a", "x/a", false).expect("y/b", "x/a", false).expect("y/c", "x/a", false),
      },
    ],
  },
  {
    name: "an egress group of three global policies in a tier of its own: Pass, Deny, Allow in order",
    pods: ALL,
    resources: () => [
      { apiVersion: V3, kind: "Tier", metadata: { name: "security" }, spec: { order: 100 } },
      ...[
        // 1: to namespace z: Pass (to the default tier, which has nothing for x/a: the profile allows).
        { action: "Pass", destination: { namespaceSelector: "ns == 'z'" } },
        // 2: port 81 is denied to everyone else.
        { action: "Deny", protocol: "TCP", destination: { ports: [81] } },
        // 3: namespace y is allowed (port 81 was denied first).
        { action: "Allow", destination: { namespaceSelector: "ns == 'y'" } },
      ].map((rule, i) =>
        globalPolicy(`egress-group-${i + 1}`, { tier: "security", order: 10 + i, selector: "projectcalico.org/namespace == 'x' && pod == 'a'", types: ["Egress"], egress: [rule] }),
      ),
    ],
    probes: [
      {
        protocol: "TCP",
        port: 80,
        // x/b, x/c: no member matches: the end of tier security drops.
        expect: (r) => r.expect("x/a", "x/b", false).expect("x/a", "x/c", false),
      },
      {
        protocol: "TCP",
        port: 81,
        // z: Pass before the Deny. y and x: the Deny.
        expect: (r) => r.expect("x/a", "x/b", false).expect("x/a", "x/c", false).expect("x/a", "y/a", false).expect("x/a", "y/b", false).expect("x/a", "y/c", false),
      },
    ],
  },
];
