/**
 * The upstream network-policy-api conformance tests (kubernetes-sigs/network-policy-api,
 * conformance/tests, AdminNetworkPolicy and BaselineAdminNetworkPolicy core and standard), their
 * policies transcribed into the current v1alpha1 shape and their truth tables written out for
 * every probed pair: upstream pokes single (client, server) pairs; each case probes all pairs of
 * the pods upstream uses, on every port and protocol upstream pokes, and the pairs upstream does
 * not poke are derived from the same rules (documented per case). Mutations upstream makes in a
 * test (swap rules, change an action, change a priority, delete the NetworkPolicy) become one case
 * per state. SCTP steps are compiled and loaded but not probed.
 *
 * Evaluation (Calico): tier `adminnetworkpolicy` (ANPs by priority; Allow/Deny final, Pass or no
 * match goes on), then the default tier (NetworkPolicies), then `baselineadminnetworkpolicy`
 * (BANP), then the namespace profile, which allows.
 */
import type { KernelCase } from "../harness/case.js";
import { k8sPolicy } from "../harness/resources.js";
import {
  CEDRIC0,
  CEDRIC1,
  DRACO0,
  DRACO1,
  DUM,
  DUMBLEDORE,
  G,
  HARRY0,
  HARRY1,
  HUF,
  LUNA0,
  LUNA1,
  QUI,
  QUIRRELL,
  R,
  S,
  anp,
  banp,
  house,
  namedPort,
  namespacesPeer,
  namespacesSubject,
  networksPeer,
  nsNamed,
  podNamed,
  podsPeer,
  podsSubject,
  portNumber,
  portRange,
  prepend,
  swap,
  withAction,
  type AdminRule,
} from "./admin-helpers.js";
import { STAFF } from "./hogwarts-family.js";

const ravenclaw = namespacesPeer(nsNamed("ravenclaw"));
const slytherin = namespacesPeer(nsNamed("slytherin"));
const hufflepuff = namespacesPeer(nsNamed("hufflepuff"));
const dumbledore = podsPeer(nsNamed(STAFF), podNamed("professor-dumbledore-0"));
const quirrell = podsPeer(nsNamed(STAFF), podNamed("professor-quirrell-0"));
const ports80_53_9003 = [portNumber("TCP", 80), portNumber("UDP", 53), portNumber("SCTP", 9003)];
const ports8080_5353_9003 = [portNumber("TCP", 8080), portNumber("UDP", 5353), portNumber("SCTP", 9003)];
const ports80_5353_9003 = [portNumber("TCP", 80), portNumber("UDP", 5353), portNumber("SCTP", 9003)];

// ---- base/admin_network_policy/core-gress-rules-combined.yaml (ANP "gress-rules", priority 15) ----

const GRESS_EGRESS: readonly AdminRule[] = [
  { name: "allow-to-ravenclaw-everything", action: "Allow", peers: [ravenclaw] },
  { name: "deny-to-ravenclaw-everything", action: "Deny", peers: [ravenclaw] },
  { name: "pass-to-ravenclaw-everything", action: "Pass", peers: [ravenclaw] },
  { name: "deny-to-slytherin-at-ports-80-53-9003", action: "Deny", peers: [slytherin], ports: ports80_53_9003 },
  { name: "pass-to-slytherin-at-port-80-53-9003", action: "Pass", peers: [slytherin], ports: ports80_53_9003 },
  { name: "allow-to-hufflepuff-at-ports-8080-5353", action: "Allow", peers: [hufflepuff], ports: ports8080_5353_9003 },
  { name: "deny-to-hufflepuff-everything-else", action: "Deny", peers: [hufflepuff] },
  { name: "allow-to-dumbledore-at-tcp-udp-sctp", action: "Allow", peers: [dumbledore], ports: ports8080_5353_9003 },
  { name: "deny-to-dumbledore-everything-else", action: "Deny", peers: [dumbledore] },
  { name: "deny-to-quirrell-at-tcp-udp-sctp", action: "Deny", peers: [quirrell], ports: ports8080_5353_9003 },
];
const GRESS_INGRESS: readonly AdminRule[] = [
  { name: "allow-from-ravenclaw-everything", action: "Allow", peers: [ravenclaw] },
  { name: "deny-from-ravenclaw-everything", action: "Deny", peers: [ravenclaw] },
  { name: "pass-from-ravenclaw-everything", action: "Pass", peers: [ravenclaw] },
  { name: "deny-from-slytherin-at-port-80-53-9003", action: "Deny", peers: [slytherin], ports: ports80_53_9003 },
  { name: "pass-from-slytherin-at-port-80-53-9003", action: "Pass", peers: [slytherin], ports: ports80_53_9003 },
  { name: "allow-from-hufflepuff-at-port-80-5353-9003", action: "Allow", peers: [hufflepuff], ports: ports80_5353_9003 },
  { name: "deny-from-hufflepuff-everything-else", action: "Deny", peers: [hufflepuff] },
  { name: "allow-from-dumbledore-at-tcp-udp-sctp", action: "Allow", peers: [dumbledore], ports: ports8080_5353_9003 },
  { name: "deny-from-dumbledore-everything-else", action: "Deny", peers: [dumbledore] },
  { name: "deny-from-quirrell-at-tcp-udp-sctp", action: "Deny", peers: [quirrell], ports: ports8080_5353_9003 },
];
const gressRules = (ingress: readonly AdminRule[], egress: readonly AdminRule[]) => () => [
  anp("gress-rules", 15, { subject: namespacesSubject(nsNamed("gryffindor")), ingress, egress }),
];

const GRESS_PODS = [HARRY0, HARRY1, DRACO0, CEDRIC0, LUNA0, DUMBLEDORE, QUIRRELL];

// ---- base/baseline_admin_network_policy/core-gress-rules-combined.yaml (BANP "default") ----

const BANP_EGRESS: readonly AdminRule[] = [
  { name: "allow-to-ravenclaw-everything", action: "Allow", peers: [ravenclaw] },
  { name: "deny-to-ravenclaw-everything", action: "Deny", peers: [ravenclaw] },
  { name: "deny-to-slytherin-at-ports-80-53-9003", action: "Deny", peers: [slytherin], ports: ports80_53_9003 },
  { name: "allow-to-hufflepuff-at-ports-8080-5353", action: "Allow", peers: [hufflepuff], ports: ports8080_5353_9003 },
  { name: "deny-to-hufflepuff-everything-else", action: "Deny", peers: [hufflepuff] },
  { name: "allow-from-dumbledore-at-tcp-udp-sctp", action: "Allow", peers: [dumbledore], ports: ports8080_5353_9003 },
  { name: "deny-to-quirrell-at-tcp-udp-sctp", action: "Deny", peers: [quirrell], ports: ports8080_5353_9003 },
];
const BANP_INGRESS: readonly AdminRule[] = [
  { name: "allow-from-ravenclaw-everything", action: "Allow", peers: [ravenclaw] },
  { name: "deny-from-ravenclaw-everything", action: "Deny", peers: [ravenclaw] },
  { name: "deny-from-slytherin-at-port-80-53-9003", action: "Deny", peers: [slytherin], ports: ports80_53_9003 },
  { name: "allow-from-hufflepuff-at-port-80-5353-9003", action: "Allow", peers: [hufflepuff], ports: ports80_5353_9003 },
  { name: "deny-from-hufflepuff-everything-else", action: "Deny", peers: [hufflepuff] },
];
const banpGress = (ingress: readonly AdminRule[], egress: readonly AdminRule[]) => () => [
  banp({ subject: namespacesSubject(nsNamed("gryffindor")), ingress, egress }),
];

// ---- base/admin_network_policy/core-priority-field.yaml ----

const gryffindorPods = podsSubject(house("gryffindor"), house("gryffindor"));
const slytherinPods = podsPeer(house("slytherin"), house("slytherin"));
const priorityPolicies = (passPriority: number) => () => [
  anp("priority-50-example", 50, {
    subject: gryffindorPods,
    ingress: [{ name: "deny-all-ingress-from-slytherin", action: "Deny", peers: [slytherinPods] }],
    egress: [{ name: "deny-all-egress-to-slytherin", action: "Deny", peers: [slytherinPods] }],
  }),
  anp("old-priority-60-new-priority-40-example", passPriority, {
    subject: gryffindorPods,
    ingress: [{ name: "pass-all-ingress-from-slytherin", action: "Pass", peers: [slytherinPods] }],
    egress: [{ name: "pass-all-egress-to-slytherin", action: "Pass", peers: [slytherinPods] }],
  }),
  banp({
    subject: gryffindorPods,
    ingress: [{ name: "allow-all-ingress-from-slytherin", action: "Allow", peers: [slytherinPods] }],
    egress: [{ name: "allow-all-egress-to-slytherin", action: "Allow", peers: [slytherinPods] }],
  }),
];

// ---- base/api_integration/core-anp-np-banp.yaml ----

const houseSlytherin = namespacesPeer(house("slytherin"));
const INTEGRATION_ANP_INGRESS: readonly AdminRule[] = [{ name: "deny-all-ingress-from-slytherin", action: "Deny", peers: [houseSlytherin] }];
const INTEGRATION_ANP_EGRESS: readonly AdminRule[] = [{ name: "deny-all-egress-to-slytherin", action: "Deny", peers: [houseSlytherin] }];
const integration = (ingressAction: "Deny" | "Pass", egressAction: "Deny" | "Pass", withNetworkPolicy: boolean) => () => [
  anp("pass-example", 10, {
    subject: namespacesSubject(house("gryffindor")),
    ingress: withAction(INTEGRATION_ANP_INGRESS, 0, ingressAction),
    egress: withAction(INTEGRATION_ANP_EGRESS, 0, egressAction),
  }),
  ...(withNetworkPolicy
    ? [
        k8sPolicy(
          "gryffindor",
          "allow-gress-from-to-slytherin-to-gryffindor",
          {},
          { ingress: [{ from: [{ namespaceSelector: house("slytherin") }] }], egress: [{ to: [{ namespaceSelector: house("slytherin") }] }] },
        ),
      ]
    : []),
  banp({
    subject: namespacesSubject(house("gryffindor")),
    ingress: [{ name: "deny-all-ingress-from-slytherin", action: "Deny", peers: [houseSlytherin] }],
    egress: [{ name: "deny-all-egress-to-slytherin", action: "Deny", peers: [houseSlytherin] }],
  }),
];
const INTEGRATION_PODS = [HARRY0, HARRY1, DRACO0, DRACO1];

// ---- the inline-CIDR (networks) tests: ANP "inline-cidr-as-peers-example", priority 85 ----

const INLINE_CIDR_EGRESS: readonly AdminRule[] = [
  { name: "allow-egress-to-slytherin", action: "Allow", peers: [slytherinPods] },
  { name: "deny-egress-to-internet", action: "Deny", peers: [networksPeer("0.0.0.0/0", "::/0")] },
];
const inlineCidr = (egress: readonly AdminRule[]) => () => [anp("inline-cidr-as-peers-example", 85, { subject: gryffindorPods, egress })];

export const ADMIN_CASES: readonly KernelCase[] = [
  {
    // AdminNetworkPolicyGress + AdminNetworkPolicyPodSelectorGress, rules in manifest order.
    // From gryffindor: ravenclaw Allow (rule 0 first); slytherin Deny on TCP/80 UDP/53, no rule
    // matches elsewhere (pass → allowed); hufflepuff and dumbledore Allow on TCP/8080 UDP/5353,
    // Deny on the rest; quirrell Deny on TCP/8080 UDP/5353. Into gryffindor: the same, except
    // that hufflepuff is allowed on TCP/80 (not 8080) and UDP/5353. Pairs without a gryffindor
    // pod and gryffindor↔gryffindor match nothing: allowed.
    name: "ANP core gress rules: ordering, ports across TCP/UDP/SCTP, namespaces and pods peers",
    pods: GRESS_PODS,
    resources: gressRules(GRESS_INGRESS, GRESS_EGRESS),
    probes: [
      {
        protocol: "TCP",
        port: 80,
        expect: (r) => r.expectPeer(G, S, false).expectPeer(G, HUF, false).expectPeer(G, DUM, false).expectPeer(S, G, false).expectPeer(DUM, G, false),
      },
      { protocol: "TCP", port: 8080, expect: (r) => r.expectPeer(G, QUI, false).expectPeer(HUF, G, false).expectPeer(QUI, G, false) },
      {
        protocol: "UDP",
        port: 53,
        expect: (r) =>
          r
            .expectPeer(G, S, false)
            .expectPeer(G, HUF, false)
            .expectPeer(G, DUM, false)
            .expectPeer(S, G, false)
            .expectPeer(HUF, G, false)
            .expectPeer(DUM, G, false),
      },
      { protocol: "UDP", port: 5353, expect: (r) => r.expectPeer(G, QUI, false).expectPeer(QUI, G, false) },
      { protocol: "SCTP", port: 9003 },
    ],
  },
  {
    // "deny-gress ... ensure rule ordering is respected": rules 0 and 1 swapped in both
    // directions, so Deny ravenclaw comes first.
    name: "ANP core gress rules: Deny before Allow for ravenclaw (rules 0 and 1 swapped)",
    pods: [HARRY0, HARRY1, LUNA0, LUNA1],
    resources: gressRules(swap(GRESS_INGRESS, 0, 1), swap(GRESS_EGRESS, 0, 1)),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, R, false).expectPeer(R, G, false) },
      { protocol: "UDP", port: 53, expect: (r) => r.expectPeer(G, R, false).expectPeer(R, G, false) },
      { protocol: "SCTP", port: 9003 },
    ],
  },
  {
    // "pass-gress ...": rules 0 and 2 swapped (Pass ravenclaw first) and rules 3 and 4 swapped
    // (Pass slytherin on 80/53 before the Deny): nothing after the ANP tier decides, so the
    // profiles allow. Against the first case this shows Pass is final for the ANP tier.
    name: "ANP core gress rules: Pass before Deny (rules 0/2 and 3/4 swapped) goes on and is allowed",
    pods: [HARRY0, HARRY1, DRACO0, LUNA0],
    resources: gressRules(swap(swap(GRESS_INGRESS, 0, 2), 3, 4), swap(swap(GRESS_EGRESS, 0, 2), 3, 4)),
    probes: [
      { protocol: "TCP", port: 80 },
      { protocol: "UDP", port: 53 },
    ],
  },
  {
    // BaselineAdminNetworkPolicyGress. From gryffindor: ravenclaw Allow; slytherin Deny on
    // TCP/80 UDP/53; hufflepuff Allow TCP/8080 UDP/5353, Deny the rest; dumbledore Allow on
    // 8080/5353 and nothing else matches (allowed); quirrell Deny on 8080/5353. Into gryffindor:
    // ravenclaw Allow; slytherin Deny on 80/53; hufflepuff Allow TCP/80 UDP/5353, Deny the rest;
    // no rule for the staff: allowed.
    name: "BANP core gress rules: ordering and ports; no ANP or NetworkPolicy, so the BANP decides",
    pods: GRESS_PODS,
    resources: banpGress(BANP_INGRESS, BANP_EGRESS),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, S, false).expectPeer(G, HUF, false).expectPeer(S, G, false) },
      { protocol: "TCP", port: 8080, expect: (r) => r.expectPeer(G, QUI, false).expectPeer(HUF, G, false) },
      {
        protocol: "UDP",
        port: 53,
        expect: (r) => r.expectPeer(G, S, false).expectPeer(G, HUF, false).expectPeer(S, G, false).expectPeer(HUF, G, false),
      },
      { protocol: "UDP", port: 5353, expect: (r) => r.expectPeer(G, QUI, false) },
      { protocol: "SCTP", port: 9003 },
    ],
  },
  {
    name: "BANP core gress rules: Deny before Allow for ravenclaw (rules 0 and 1 swapped)",
    pods: [HARRY0, HARRY1, LUNA0, LUNA1],
    resources: banpGress(swap(BANP_INGRESS, 0, 1), swap(BANP_EGRESS, 0, 1)),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, R, false).expectPeer(R, G, false) },
      { protocol: "UDP", port: 5353, expect: (r) => r.expectPeer(G, R, false).expectPeer(R, G, false) },
    ],
  },
  {
    // AdminNetworkPolicyPriorityField, first state: Deny at priority 50 is checked before the
    // Pass at 60, both ways between gryffindor and slytherin pods.
    name: "ANP priority: Deny at 50 beats Pass at 60 (and the BANP Allow is never reached)",
    pods: INTEGRATION_PODS,
    resources: priorityPolicies(60),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, S, false).expectPeer(S, G, false) },
      { protocol: "TCP", port: 8080, expect: (r) => r.expectPeer(G, S, false).expectPeer(S, G, false) },
    ],
  },
  {
    // Second state: the Pass policy's priority changed to 40, so it comes first; the traffic
    // passes to the BANP, which allows it.
    name: "ANP priority: Pass at 40 (changed from 60) beats Deny at 50; the BANP Allow decides",
    pods: INTEGRATION_PODS,
    resources: priorityPolicies(40),
    probes: [
      { protocol: "TCP", port: 80 },
      { protocol: "TCP", port: 8080 },
    ],
  },
  {
    // AdminNetworkPolicyIntegration, first state: the ANP denies slytherin both ways although
    // the NetworkPolicy allows it. gryffindor↔gryffindor matches no ANP rule and reaches the
    // NetworkPolicy, which isolates gryffindor (only slytherin in and out): blocked.
    name: "ANP + NP + BANP: ANP Deny beats the NetworkPolicy's allow",
    pods: INTEGRATION_PODS,
    resources: integration("Deny", "Deny", true),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, S, false).expectPeer(S, G, false).expectPeer(G, G, false) },
      { protocol: "TCP", port: 8080, expect: (r) => r.expectPeer(G, S, false).expectPeer(S, G, false).expectPeer(G, G, false) },
    ],
  },
  {
    // "pass-ingress ... respect the match for network policy": the ingress rule becomes Pass;
    // the NetworkPolicy allows slytherin in. Egress to slytherin is still denied by the ANP.
    name: "ANP + NP + BANP: ingress Pass hands slytherin → gryffindor to the NetworkPolicy, which allows",
    pods: INTEGRATION_PODS,
    resources: integration("Pass", "Deny", true),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, S, false).expectPeer(G, G, false) },
      { protocol: "TCP", port: 8080, expect: (r) => r.expectPeer(G, S, false).expectPeer(G, G, false) },
    ],
  },
  {
    // "pass-egress ...": upstream changes the egress rule too (the ingress change stays).
    name: "ANP + NP + BANP: egress Pass too; the NetworkPolicy allows gryffindor → slytherin",
    pods: INTEGRATION_PODS,
    resources: integration("Pass", "Pass", true),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, G, false) },
      { protocol: "TCP", port: 8080, expect: (r) => r.expectPeer(G, G, false) },
    ],
  },
  {
    // "pass-... respect the match for baseline admin network policy": the NetworkPolicy is
    // deleted, so passed traffic reaches the BANP, which denies slytherin both ways.
    // gryffindor↔gryffindor now matches nothing anywhere: allowed.
    name: "ANP + NP + BANP: without the NetworkPolicy, passed traffic reaches the BANP Deny",
    pods: INTEGRATION_PODS,
    resources: integration("Pass", "Pass", false),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, S, false).expectPeer(S, G, false) },
      { protocol: "TCP", port: 8080, expect: (r) => r.expectPeer(G, S, false).expectPeer(S, G, false) },
    ],
  },
  {
    // AdminNetworkPolicyStandardEgressInlineCIDRPeers: gryffindor pods may reach slytherin pods;
    // everything else is denied by `networks: [0.0.0.0/0, ::/0]` (the IPv6 CIDR drops out of
    // the IPv4 rules). Nothing restricts traffic into gryffindor or between the others.
    name: "ANP networks: Allow slytherin pods, then Deny 0.0.0.0/0 and ::/0",
    pods: [HARRY0, DRACO0, CEDRIC0, LUNA0],
    resources: inlineCidr(INLINE_CIDR_EGRESS),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, HUF, false).expectPeer(G, R, false) },
      { protocol: "UDP", port: 53, expect: (r) => r.expectPeer(G, HUF, false).expectPeer(G, R, false) },
    ],
  },
  {
    // Second state: a rule at index 0 allows two pod IPs (one peer, two CIDRs: one Calico rule
    // with both nets). luna-lovegood-1 and cedric-diggory-1 are still denied by 0.0.0.0/0.
    name: "ANP networks: one peer with two /32s allowed before the 0.0.0.0/0 Deny",
    pods: [HARRY0, DRACO0, CEDRIC0, CEDRIC1, LUNA0, LUNA1],
    resources: (ctx) =>
      inlineCidr(
        prepend(
          { name: "allow-egress-to-specific-podIPs", action: "Allow", peers: [networksPeer(`${ctx.ip(LUNA0)}/32`, `${ctx.ip(CEDRIC0)}/32`)] },
          INLINE_CIDR_EGRESS,
        ),
      )(),
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expect(HARRY0, CEDRIC1, false).expect(HARRY0, LUNA1, false) },
      { protocol: "UDP", port: 5353, expect: (r) => r.expect(HARRY0, CEDRIC1, false).expect(HARRY0, LUNA1, false) },
    ],
  },
  {
    // BaselineAdminNetworkPolicyStandardEgressInlineCIDRPeers, in the same shape: the BANP
    // allows one pod's /32 and denies 0.0.0.0/0 for gryffindor.
    name: "BANP networks: Allow one /32, then Deny 0.0.0.0/0",
    pods: [HARRY0, HARRY1, DRACO0, LUNA0],
    resources: (ctx) => [
      banp({
        subject: gryffindorPods,
        egress: [
          { name: "allow-egress-to-luna", action: "Allow", peers: [networksPeer(`${ctx.ip(LUNA0)}/32`)] },
          { name: "deny-egress-to-internet", action: "Deny", peers: [networksPeer("0.0.0.0/0")] },
        ],
      }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectPeer(G, S, false).expectPeer(G, G, false) }],
  },
  {
    // Port ranges (standard port-range tests): into gryffindor, slytherin is denied on TCP
    // 8000-9000 (no protocol: TCP) and UDP 5000-6000, so 8080 and 5353 are blocked, 80 and 53
    // not. Out of gryffindor, hufflepuff is allowed on TCP 1-100 and denied the rest.
    name: "ANP port ranges: TCP 8000-9000 (default protocol) and UDP 5000-6000 denied, TCP 1-100 allowed before a Deny",
    pods: [HARRY0, DRACO0, CEDRIC0, LUNA0],
    resources: () => [
      anp("port-ranges", 20, {
        subject: namespacesSubject(house("gryffindor")),
        ingress: [{ name: "deny-slytherin-ranges", action: "Deny", peers: [slytherin], ports: [portRange(8000, 9000), portRange(5000, 6000, "UDP")] }],
        egress: [
          { name: "allow-hufflepuff-low-tcp", action: "Allow", peers: [hufflepuff], ports: [portRange(1, 100, "TCP")] },
          { name: "deny-hufflepuff", action: "Deny", peers: [hufflepuff] },
        ],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80 },
      { protocol: "TCP", port: 8080, expect: (r) => r.expectPeer(S, G, false).expectPeer(G, HUF, false) },
      { protocol: "UDP", port: 53, expect: (r) => r.expectPeer(G, HUF, false) },
      { protocol: "UDP", port: 5353, expect: (r) => r.expectPeer(S, G, false).expectPeer(G, HUF, false) },
    ],
  },
  {
    // The named-port tests: `web` is TCP/80 in every pod's spec. Into gryffindor, hufflepuff is
    // allowed on `web` and denied the rest; out of gryffindor, ravenclaw likewise.
    name: "ANP named port: Allow `web` (TCP/80 in the pod spec) before a Deny, ingress and egress",
    pods: [HARRY0, HARRY1, CEDRIC0, LUNA0],
    resources: () => [
      anp("named-port", 30, {
        subject: namespacesSubject(house("gryffindor")),
        ingress: [
          { name: "allow-hufflepuff-web", action: "Allow", peers: [hufflepuff], ports: [namedPort("web")] },
          { name: "deny-hufflepuff", action: "Deny", peers: [hufflepuff] },
        ],
        egress: [
          { name: "allow-ravenclaw-web", action: "Allow", peers: [ravenclaw], ports: [namedPort("web")] },
          { name: "deny-ravenclaw", action: "Deny", peers: [ravenclaw] },
        ],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80 },
      { protocol: "TCP", port: 8080, expect: (r) => r.expectPeer(HUF, G, false).expectPeer(G, R, false) },
      { protocol: "UDP", port: 53, expect: (r) => r.expectPeer(HUF, G, false).expectPeer(G, R, false) },
    ],
  },
  {
    // Calico's conversion, not upstream's truth: a namedPort carries no protocol and Calico
    // gives it TCP, so `dns` (declared UDP/53) matches no TCP port and the Allow admits nothing;
    // the Deny after it blocks hufflepuff on UDP/53 as on everything else.
    name: "ANP named port naming a UDP container port: Calico's TCP default matches nothing",
    pods: [HARRY0, CEDRIC0, CEDRIC1],
    resources: () => [
      anp("named-port-udp", 31, {
        subject: namespacesSubject(house("gryffindor")),
        ingress: [
          { name: "allow-hufflepuff-dns", action: "Allow", peers: [hufflepuff], ports: [namedPort("dns")] },
          { name: "deny-hufflepuff", action: "Deny", peers: [hufflepuff] },
        ],
      }),
    ],
    probes: [
      { protocol: "UDP", port: 53, expect: (r) => r.expectPeer(HUF, G, false) },
      { protocol: "TCP", port: 53, expect: (r) => r.expectPeer(HUF, G, false) },
    ],
  },
];

