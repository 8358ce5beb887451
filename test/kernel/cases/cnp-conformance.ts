/**
 * The upstream network-policy-api **v1alpha2** conformance suite (kubernetes-sigs/network-policy-api
 * `conformance/tests`, ClusterNetworkPolicy; reference calico-332.md §6) as kernel cases on the
 * hogwarts cluster (cases/hogwarts-family.ts).
 *
 * Upstream runs each test's sub-tests in order and its patches accumulate; here every policy state
 * is one case, named by the upstream test and the sub-tests that run in that state, with the
 * accumulated mutations applied (`swap` of rule positions, actions changed, a priority changed,
 * the NetworkPolicy deleted, namespace labels changed). Each case probes every ordered pair of
 * the pods its sub-tests use, on both ports of the test's protocol (TCP 80/8080, UDP 53/5353,
 * SCTP 9003/9005): upstream's own probes are checked against upstream's table when this module
 * loads (checkUpstream), and the other pairs are derived by the same first-match evaluator.
 *
 * SCTP: every SCTP rule is compiled and loaded into both nodes; SCTP probe steps are skipped with
 * the harness's message (this kernel has no SCTP).
 *
 * What the harness cannot model: the `forbidden-forrest` namespace's `centaur` pods are
 * hostNetwork pods (their pod IP is a node IP), which are no Calico workload endpoints. They are
 * only the servers of the two NodePeers tests (experimental feature, which Calico's own
 * conformance run excludes). Calico cannot pass those tests anyway: every rule with a `nodes`
 * peer fails its conversion, so an Accept rule is dropped and a Deny or Pass rule becomes "deny
 * all egress" (§2.5, §6.5). The cases load upstream's policies unchanged and probe what Calico
 * does with them: the subject's egress to every pod is denied, on every port, where upstream's
 * s1/s2 expect the centaur to be reached (shown in the case names).
 */
import type { KernelCase, ProbeExpectation } from "../harness/case.js";
import type { Reachability } from "../harness/reachability.js";
import { k8sPolicy } from "../harness/resources.js";
import {
  POD,
  checkUpstream,
  cnp,
  expectFromRules,
  expectPairs,
  houseLabel,
  namespacesPeer,
  networksPeer,
  nodesPeer,
  nsNamed,
  podsOf,
  podsPeer,
  swap,
  type CnpAction,
  type CnpRule,
  type House,
  type PodRef,
  type Proto,
  type Protocol,
  type RuleLists,
  type UpstreamProbe,
} from "./cnp-conformance-helpers.js";

const PORTS: Readonly<Record<Proto, readonly [number, number]>> = { tcp: [80, 8080], udp: [53, 5353], sctp: [9003, 9005] };
const PROTO_NAME = { tcp: "TCP", udp: "UDP", sctp: "SCTP" } as const;

function rule(action: CnpAction, verb: string, direction: "ingress" | "egress", house: House, protocols?: readonly Protocol[]): CnpRule {
  const what = protocols ? `at-${protocols.map((p) => ("named" in p ? p.named : `${p.proto}-${p.port}`)).join("-")}` : "everything";
  return {
    name: `${verb}-${direction === "ingress" ? "from" : "to"}-${house}-${what}`,
    action,
    peers: [namespacesPeer(nsNamed(house))],
    ...(protocols ? { protocols } : {}),
    houses: [house],
  };
}

/** Steps over the given protocols' two ports each, every pair derived from the rules. */
function steps(pods: readonly PodRef[], subject: House, rules: RuleLists, protos: readonly Proto[]): ProbeExpectation[] {
  return protos.flatMap((proto) => PORTS[proto].map((port) => ({ protocol: PROTO_NAME[proto], port, expect: expectFromRules(pods, subject, rules, proto, port) })));
}

// ---- §6.2 the 12 single-protocol tests ----

interface SingleTest {
  readonly test: string;
  readonly name: string;
  readonly priority: number;
  readonly direction: "ingress" | "egress";
  readonly subject: House;
  readonly proto: Proto;
  readonly x: House;
  readonly y: House;
  readonly p: number;
  readonly z: House;
  readonly q: number;
  /** Upstream's probes of s1..s6 (Baseline: s1..s4). */
  readonly probes: readonly (readonly UpstreamProbe[])[];
}

const SUBTEST = [
  "s1 'allow'; ensure rule ordering is respected",
  "s2 'allow' at the specified port",
  "s3 'deny'; ensure rule ordering is respected (rules 0 and 1 swapped)",
  "s4 'deny' at the specified port",
  "s5 'pass'; ensure rule ordering is respected (positions 0 and 2 swapped)",
  "s6 'pass' at the specified port (rules 3 and 4 swapped)",
];

const at = (proto: Proto, port: number): Protocol[] => [{ proto, port }];

/** Admin layout: Accept X, Deny X, Pass X, Deny Y:p, Pass Y:p, Accept Z:q, Deny Z. */
function adminLayout(t: SingleTest, zProtocols?: readonly Protocol[]): CnpRule[] {
  const d = t.direction;
  return [
    rule("Accept", "allow", d, t.x),
    rule("Deny", "deny", d, t.x),
    rule("Pass", "pass", d, t.x),
    rule("Deny", "deny", d, t.y, at(t.proto, t.p)),
    rule("Pass", "pass", d, t.y, at(t.proto, t.p)),
    rule("Accept", "allow", d, t.z, zProtocols ?? at(t.proto, t.q)),
    rule("Deny", "deny", d, t.z),
  ];
}

/** Baseline layout: Accept X, Deny X, Deny Y:p, Accept Z:q, Deny Z. */
function baselineLayout(t: SingleTest, zProtocols?: readonly Protocol[]): CnpRule[] {
  const d = t.direction;
  return [
    rule("Accept", "allow", d, t.x),
    rule("Deny", "deny", d, t.x),
    rule("Deny", "deny", d, t.y, at(t.proto, t.p)),
    rule("Accept", "allow", d, t.z, zProtocols ?? at(t.proto, t.q)),
    rule("Deny", "deny", d, t.z),
  ];
}

/** The accumulated states: [sub-test indexes, rules] (s1+s2, s3+s4, s5, s6). */
function adminStates(rules: readonly CnpRule[]): [number[], CnpRule[]][] {
  const b = swap(rules, 0, 1);
  const c = swap(b, 0, 2);
  const d = swap(c, 3, 4);
  return [
    [[0, 1], [...rules]],
    [[2, 3], b],
    [[4], c],
    [[5], d],
  ];
}

function singleCases(t: SingleTest, tier: "Admin" | "Baseline"): KernelCase[] {
  const layout = tier === "Admin" ? adminLayout(t) : baselineLayout(t);
  const states: [number[], CnpRule[]][] = tier === "Admin" ? adminStates(layout) : [[[0, 1], layout], [[2, 3], swap(layout, 0, 1)]];
  const policyName = tier === "Admin" ? t.name : "default";
  const priority = tier === "Admin" ? t.priority : 10;
  return states.map(([subs, rules]) => {
    const probes = subs.flatMap((i) => t.probes[i] ?? []);
    const lists: RuleLists = { [t.direction]: rules };
    checkUpstream(`${t.test} ${subs.map((i) => `s${i + 1}`).join("+")}`, t.subject, lists, t.proto, probes);
    const pods = podsOf(probes);
    return {
      name: `${t.test} ${subs.map((i) => SUBTEST[i]).join(" + ")}`,
      pods: pods.map((p) => POD[p]),
      resources: () => [cnp(policyName, tier, priority, { subject: namespacesPeer(nsNamed(t.subject)), [t.direction]: rules })],
      probes: steps(pods, t.subject, lists, [t.proto]),
    };
  });
}

const ok = (from: PodRef, to: PodRef, port: number): UpstreamProbe => [from, to, port, true];
const no = (from: PodRef, to: PodRef, port: number): UpstreamProbe => [from, to, port, false];

const SINGLE: readonly SingleTest[] = [
  {
    test: "CNPAdminTierIngressTCP",
    name: "ingress-tcp",
    priority: 3,
    direction: "ingress",
    subject: "gryffindor",
    proto: "tcp",
    x: "ravenclaw",
    y: "slytherin",
    p: 80,
    z: "hufflepuff",
    q: 80,
    probes: [
      [ok("R0", "G0", 80), ok("R1", "G0", 8080)],
      [ok("H0", "G1", 80), no("H1", "G1", 8080)],
      [no("R0", "G1", 80), no("R1", "G1", 8080)],
      [no("S0", "G0", 80), ok("S1", "G0", 8080)],
      [ok("R0", "G0", 80), ok("R1", "G0", 8080)],
      [ok("S0", "G0", 80), ok("S1", "G0", 8080)],
    ],
  },
  {
    test: "CNPAdminTierIngressUDP",
    name: "ingress-udp",
    priority: 4,
    direction: "ingress",
    subject: "hufflepuff",
    proto: "udp",
    x: "ravenclaw",
    y: "slytherin",
    p: 5353,
    z: "gryffindor",
    q: 53,
    probes: [
      [ok("R0", "H0", 53), ok("R1", "H0", 5353)],
      [ok("G0", "H1", 53), no("G1", "H1", 5353)],
      [no("R0", "H1", 53), no("R1", "H1", 5353)],
      [no("S0", "H0", 5353), ok("S1", "H0", 53)],
      [ok("R0", "H1", 5353), ok("R1", "H1", 53)],
      [ok("S0", "H0", 5353), ok("S1", "H0", 53)],
    ],
  },
  {
    test: "CNPAdminTierIngressSCTP",
    name: "ingress-sctp",
    priority: 5,
    direction: "ingress",
    subject: "ravenclaw",
    proto: "sctp",
    x: "gryffindor",
    y: "slytherin",
    p: 9003,
    z: "hufflepuff",
    q: 9003,
    probes: [
      [ok("G0", "R0", 9003), ok("G1", "R0", 9005)],
      [ok("H0", "R1", 9003), no("H1", "R1", 9005)],
      [no("G0", "R1", 9003), no("G1", "R1", 9005)],
      [no("S0", "R0", 9003), ok("S1", "R0", 9005)],
      [ok("G0", "R1", 9003), ok("G1", "R1", 9005)],
      [ok("S0", "R0", 9003), ok("S1", "R0", 9005)],
    ],
  },
  {
    test: "CNPAdminTierEgressTCP",
    name: "egress-tcp",
    priority: 6,
    direction: "egress",
    subject: "gryffindor",
    proto: "tcp",
    x: "ravenclaw",
    y: "slytherin",
    p: 80,
    z: "hufflepuff",
    q: 8080,
    probes: [
      [ok("G0", "R0", 80), ok("G1", "R0", 8080)],
      [ok("G0", "H1", 8080), no("G1", "H1", 80)],
      [no("G0", "R1", 80), no("G1", "R1", 8080)],
      [no("G0", "S0", 80), ok("G1", "S0", 8080)],
      [ok("G0", "R0", 80), ok("G1", "R0", 8080)],
      [ok("G0", "S0", 80), ok("G1", "S0", 8080)],
    ],
  },
  {
    test: "CNPAdminTierEgressUDP",
    name: "egress-udp",
    priority: 7,
    direction: "egress",
    subject: "hufflepuff",
    proto: "udp",
    x: "ravenclaw",
    y: "slytherin",
    p: 5353,
    z: "gryffindor",
    q: 53,
    probes: [
      [ok("H0", "R0", 53), ok("H1", "R0", 5353)],
      [ok("H0", "G1", 53), no("H1", "G1", 5353)],
      [no("H0", "R1", 53), no("H1", "R1", 5353)],
      [no("H0", "S0", 5353), ok("H1", "S0", 53)],
      [ok("H0", "R1", 5353), ok("H1", "R1", 53)],
      [ok("H0", "S0", 5353), ok("H1", "S0", 53)],
    ],
  },
  {
    test: "CNPAdminTierEgressSCTP",
    name: "egress-sctp",
    priority: 8,
    direction: "egress",
    subject: "ravenclaw",
    proto: "sctp",
    x: "gryffindor",
    y: "slytherin",
    p: 9003,
    z: "hufflepuff",
    q: 9003,
    probes: [
      [ok("R0", "G0", 9003), ok("R1", "G0", 9005)],
      [ok("R0", "H1", 9003), no("R1", "H1", 9005)],
      [no("R0", "G1", 9003), no("R1", "G1", 9005)],
      [no("R0", "S0", 9003), ok("R1", "S0", 9005)],
      [ok("R0", "G1", 9003), ok("R1", "G1", 9005)],
      [ok("R0", "S0", 9003), ok("R1", "S0", 9005)],
    ],
  },
];

const baselineTest = (t: SingleTest): SingleTest => ({ ...t, test: t.test.replace("Admin", "Baseline"), probes: t.probes.slice(0, 4) });

// ---- §6.3 the mixed-protocol ("gress") tests ----

const P80_53_9003: Protocol[] = [
  { proto: "tcp", port: 80 },
  { proto: "udp", port: 53 },
  { proto: "sctp", port: 9003 },
];
const IN_H: Protocol[] = [
  { proto: "tcp", port: 80 },
  { proto: "udp", port: 5353 },
  { proto: "sctp", port: 9003 },
];
const OUT_H: Protocol[] = [
  { proto: "tcp", port: 8080 },
  { proto: "udp", port: 5353 },
  { proto: "sctp", port: 9003 },
];

function gressRules(direction: "ingress" | "egress", tier: "Admin" | "Baseline"): CnpRule[] {
  const h = direction === "ingress" ? IN_H : OUT_H;
  return tier === "Admin"
    ? [
        rule("Accept", "allow", direction, "ravenclaw"),
        rule("Deny", "deny", direction, "ravenclaw"),
        rule("Pass", "pass", direction, "ravenclaw"),
        rule("Deny", "deny", direction, "slytherin", P80_53_9003),
        rule("Pass", "pass", direction, "slytherin", P80_53_9003),
        rule("Accept", "allow", direction, "hufflepuff", h),
        rule("Deny", "deny", direction, "hufflepuff"),
      ]
    : [
        rule("Accept", "allow", direction, "ravenclaw"),
        rule("Deny", "deny", direction, "ravenclaw"),
        rule("Deny", "deny", direction, "slytherin", P80_53_9003),
        rule("Accept", "allow", direction, "hufflepuff", h),
        rule("Deny", "deny", direction, "hufflepuff"),
      ];
}

const t = (from: PodRef, to: PodRef, port: number, pass: boolean, proto: Proto): UpstreamProbe => [from, to, port, pass, proto];
/** s4/s6 of the gress tests: G0/G1 → S0 and S0/S1 → G0, each on the six ports (✗ where denied at 80/53/9003 unless `pass`). */
const GRESS_S4 = (pass: boolean): UpstreamProbe[] => [
  t("G0", "S0", 80, pass, "tcp"),
  t("G1", "S0", 8080, true, "tcp"),
  t("G0", "S0", 53, pass, "udp"),
  t("G1", "S0", 5353, true, "udp"),
  t("G0", "S0", 9003, pass, "sctp"),
  t("G1", "S0", 9005, true, "sctp"),
  ...(["S0", "S1"] as const).flatMap((s): UpstreamProbe[] => [
    t(s, "G0", 80, pass, "tcp"),
    t(s, "G0", 8080, true, "tcp"),
    t(s, "G0", 53, pass, "udp"),
    t(s, "G0", 5353, true, "udp"),
    t(s, "G0", 9003, pass, "sctp"),
    t(s, "G0", 9005, true, "sctp"),
  ]),
];
const GRESS_PROBES: readonly (readonly UpstreamProbe[])[] = [
  [t("G0", "R0", 80, true, "tcp"), t("G1", "R0", 53, true, "udp"), t("G0", "R0", 9003, true, "sctp"), t("R0", "G0", 80, true, "tcp"), t("R1", "G0", 53, true, "udp"), t("R1", "G0", 9003, true, "sctp")],
  [
    t("G0", "H1", 8080, true, "tcp"),
    t("G1", "H1", 80, false, "tcp"),
    t("G0", "H1", 5353, true, "udp"),
    t("G1", "H1", 53, false, "udp"),
    t("G0", "H1", 9003, true, "sctp"),
    t("G1", "H1", 9005, false, "sctp"),
    t("H0", "G1", 80, true, "tcp"),
    t("H1", "G1", 8080, false, "tcp"),
    t("H0", "G1", 5353, true, "udp"),
    t("H1", "G1", 53, false, "udp"),
    t("H0", "G1", 9003, true, "sctp"),
    t("H1", "G1", 9005, false, "sctp"),
  ],
  [t("G0", "R1", 80, false, "tcp"), t("G1", "R1", 53, false, "udp"), t("G0", "R1", 9003, false, "sctp"), t("R0", "G1", 80, false, "tcp"), t("R1", "G1", 53, false, "udp"), t("R1", "G1", 9003, false, "sctp")],
  GRESS_S4(false),
  [t("G0", "R0", 80, true, "tcp"), t("G0", "R0", 5353, true, "udp"), t("G0", "R0", 9003, true, "sctp"), t("R0", "G0", 80, true, "tcp"), t("R1", "G0", 53, true, "udp"), t("R1", "G0", 9003, true, "sctp")],
  GRESS_S4(true),
];

function gressCases(tier: "Admin" | "Baseline"): KernelCase[] {
  const test = `CNP${tier}TierGress`;
  const ingress = gressRules("ingress", tier);
  const egress = gressRules("egress", tier);
  // Each swap is applied to ingress and egress alike.
  const both = (f: (l: readonly CnpRule[]) => CnpRule[], l: RuleLists): RuleLists => ({ ingress: f(l.ingress ?? []), egress: f(l.egress ?? []) });
  const a: RuleLists = { ingress, egress };
  const b = both((l) => swap(l, 0, 1), a);
  const c = both((l) => swap(l, 0, 2), b);
  const d = both((l) => swap(l, 3, 4), c);
  const states: [number[], RuleLists][] = tier === "Admin" ? [[[0, 1], a], [[2, 3], b], [[4], c], [[5], d]] : [[[0, 1], a], [[2, 3], b]];
  return states.map(([subs, lists]) => {
    const probes = subs.flatMap((i) => GRESS_PROBES[i] ?? []);
    checkUpstream(`${test} ${subs.map((i) => `s${i + 1}`).join("+")}`, "gryffindor", lists, "tcp", probes);
    const pods = podsOf(probes);
    return {
      name: `${test} ${subs.map((i) => SUBTEST[i]).join(" + ")} (TCP, UDP and SCTP in one policy)`,
      pods: pods.map((p) => POD[p]),
      resources: () => [cnp(tier === "Admin" ? "gress-rules" : "default", tier, tier === "Admin" ? 15 : 10, { subject: namespacesPeer(nsNamed("gryffindor")), ...lists })],
      probes: steps(pods, "gryffindor", lists, ["tcp", "udp", "sctp"]),
    };
  });
}

// ---- §6.4 Integration, PriorityField, InlineCIDRPeers, NamedPort, NodePeers ----

const tcpSteps = (expect: ProbeExpectation["expect"]): ProbeExpectation[] => [
  { protocol: "TCP", port: 80, expect },
  { protocol: "TCP", port: 8080, expect },
];

const FOUR: PodRef[] = ["G0", "G1", "S0", "S1"];
const houseS = (direction: "ingress" | "egress", action: CnpAction): CnpRule => ({
  name: `${action === "Deny" ? "deny" : "pass"}-all-${direction}-${direction === "ingress" ? "from" : "to"}-slytherin`,
  action,
  peers: [namespacesPeer(houseLabel("slytherin"))],
  houses: ["slytherin"],
});

function integration(ingress: CnpAction, egress: CnpAction, withNp: boolean): () => object[] {
  return () => [
    cnp("pass-example", "Admin", 10, { subject: namespacesPeer(houseLabel("gryffindor")), ingress: [houseS("ingress", ingress)], egress: [houseS("egress", egress)] }),
    ...(withNp
      ? [
          k8sPolicy(
            "gryffindor",
            "allow-gress-from-to-slytherin-to-gryffindor",
            {},
            { ingress: [{ from: [{ namespaceSelector: houseLabel("slytherin") }] }], egress: [{ to: [{ namespaceSelector: houseLabel("slytherin") }] }] },
          ),
        ]
      : []),
    cnp("default", "Baseline", 10, { subject: namespacesPeer(houseLabel("gryffindor")), ingress: [houseS("ingress", "Deny")], egress: [houseS("egress", "Deny")] }),
  ];
}

/** Every ordered pair between gryffindor pods and slytherin pods, and gryffindor ↔ gryffindor. */
function fourPods(sToG: boolean, gToS: boolean, gToG: boolean): (r: Reachability) => void {
  return expectPairs([
    ...(["S0", "S1"] as const).flatMap((s) => (["G0", "G1"] as const).flatMap((g) => [[s, g, sToG] as const, [g, s, gToS] as const])),
    ["G0", "G1", gToG],
    ["G1", "G0", gToG],
  ]);
}

const slytherinPods = podsPeer(houseLabel("slytherin"), houseLabel("slytherin"));
const gryffindorPods = podsPeer(houseLabel("gryffindor"), houseLabel("gryffindor"));
const priorityPolicies = (passPriority: number) => () => [
  cnp("priority-50-example", "Admin", 50, {
    subject: gryffindorPods,
    ingress: [{ name: "deny-all-ingress-from-slytherin", action: "Deny", peers: [slytherinPods], houses: ["slytherin"] }],
    egress: [{ name: "deny-all-egress-to-slytherin", action: "Deny", peers: [slytherinPods], houses: ["slytherin"] }],
  }),
  cnp("old-priority-60-new-priority-40-example", "Admin", passPriority, {
    subject: gryffindorPods,
    ingress: [{ name: "pass-all-ingress-from-slytherin", action: "Pass", peers: [slytherinPods], houses: ["slytherin"] }],
    egress: [{ name: "pass-all-egress-to-slytherin", action: "Pass", peers: [slytherinPods], houses: ["slytherin"] }],
  }),
  cnp("default", "Baseline", 10, {
    subject: gryffindorPods,
    ingress: [{ name: "allow-all-ingress-from-slytherin", action: "Accept", peers: [slytherinPods], houses: ["slytherin"] }],
    egress: [{ name: "allow-all-egress-to-slytherin", action: "Accept", peers: [slytherinPods], houses: ["slytherin"] }],
  }),
];

const INLINE_EGRESS: CnpRule[] = [
  { name: "allow-egress-to-slytherin", action: "Accept", peers: [slytherinPods], houses: ["slytherin"] },
  { name: "deny-egress-to-internet", action: "Deny", peers: [networksPeer("0.0.0.0/0", "::/0")], houses: ["gryffindor", "slytherin", "hufflepuff", "ravenclaw"] },
];

function inlineCidrCases(tier: "Admin" | "Baseline"): KernelCase[] {
  const test = `CNP${tier}TierEgressInlineCIDRPeers`;
  const policy = (egress: readonly object[]) =>
    tier === "Admin"
      ? cnp("inline-cidr-as-peers-example", "Admin", 85, { subject: gryffindorPods, egress: egress as CnpRule[] })
      : cnp("default", "Baseline", 10, { subject: namespacesPeer(nsNamed("gryffindor")), egress: egress as CnpRule[] });
  const three: ProbeExpectation["protocol"][] = ["TCP", "UDP", "SCTP"];
  const portOf = { TCP: 80, UDP: 53, SCTP: 9003, ICMP: 0 } as const;
  const stepsFor = (pairs: readonly (readonly [PodRef, PodRef, boolean])[]): ProbeExpectation[] =>
    three.map((protocol) => ({ protocol: protocol as "TCP" | "UDP" | "SCTP", port: portOf[protocol], expect: expectPairs(pairs) }));
  const s1Pods = ["G1", "R0", "H0", "S0"] as const;
  return [
    {
      name: `${test} s1: egress to slytherin pods accepted, to everything else denied by networks 0.0.0.0/0 and ::/0 (also: HEAD's relabel step back to conformance-house=slytherin)`,
      pods: s1Pods.map((p) => POD[p]),
      resources: () => [policy(INLINE_EGRESS)],
      probes: stepsFor([
        ["G1", "R0", false],
        ["G1", "H0", false],
        ["G1", "S0", true],
      ]),
    },
    {
      name: `${test} s1, HEAD only: slytherin's namespace relabelled conformance-house=denied-namespace-label, so the pods peer no longer matches and 0.0.0.0/0 denies`,
      pods: s1Pods.map((p) => POD[p]),
      namespaceLabels: { slytherin: { "conformance-house": "denied-namespace-label" } },
      resources: () => [policy(INLINE_EGRESS)],
      probes: stepsFor([
        ["G1", "R0", false],
        ["G1", "H0", false],
        ["G1", "S0", false],
      ]),
    },
    {
      name: `${test} s2: 'allow-egress-to-specific-podIPs' prepended (networks [R0/32, H0/32]): those two accepted, R1 and H1 still denied`,
      pods: [POD.G1, POD.R0, POD.H0, POD.R1, POD.H1],
      resources: (ctx) => [
        policy([{ name: "allow-egress-to-specific-podIPs", action: "Accept", peers: [networksPeer(`${ctx.ip(POD.R0)}/32`, `${ctx.ip(POD.H0)}/32`)], houses: [] }, ...INLINE_EGRESS]),
      ],
      probes: stepsFor([
        ["G1", "R0", true],
        ["G1", "H0", true],
        ["G1", "R1", false],
        ["G1", "H1", false],
      ]),
    },
  ];
}

/** A named-port test: `base` with rule `index` of `direction` given `protocols: [named]`. */
function namedPortCase(test: string, base: SingleTest, tier: "Admin" | "Baseline", index: number, named: string, probes: readonly UpstreamProbe[], extra: Proto): KernelCase {
  const named_: Protocol[] = [{ named }];
  const rules = tier === "Admin" ? adminLayout(base, named_) : baselineLayout(base, named_);
  if (rules[index]?.protocols !== named_) throw new Error(`${test}: rule ${index} is not the one with the named port`);
  const lists: RuleLists = { [base.direction]: rules };
  checkUpstream(test, base.subject, lists, base.proto, probes);
  const pods = podsOf(probes);
  return {
    name: `${test}: rule ${index} protocols → [destinationNamedPort: ${named}] (the pod declares ${named} as ${named === "web" ? "TCP/80" : "UDP/53"}; probed on ${PROTO_NAME[extra]} too)`,
    pods: pods.map((p) => POD[p]),
    resources: () => [cnp(tier === "Admin" ? base.name : "default", tier, tier === "Admin" ? base.priority : 10, { subject: namespacesPeer(nsNamed(base.subject)), [base.direction]: rules })],
    probes: steps(pods, base.subject, lists, [base.proto, extra]),
  };
}

const single = (test: string): SingleTest => SINGLE.find((s) => s.test === test) as SingleTest;

/** HostNetworkPorts (HNP), upstream's default 34345-34352. */
const HNP = [34345, 34346, 34347, 34348, 34349, 34350, 34351, 34352] as const;
const linuxNodes = nodesPeer({ matchLabels: { "kubernetes.io/os": "linux" } });

/** Calico's fail-closed outcome: every egress of the subject's pods (to any of `pods`) is denied. */
function deniedFrom(subjects: readonly PodRef[], pods: readonly PodRef[]): ProbeExpectation[] {
  const expect = expectPairs(subjects.flatMap((s) => pods.filter((o) => o !== s).map((o) => [s, o, false] as const)));
  return [
    { protocol: "TCP", port: 80, expect },
    { protocol: "TCP", port: 8080, expect },
    { protocol: "UDP", port: 53, expect },
    { protocol: "UDP", port: 5353, expect },
  ];
}

export const CNP_CONFORMANCE_CASES: readonly KernelCase[] = [
  ...SINGLE.flatMap((t) => singleCases(t, "Admin")),
  ...SINGLE.map(baselineTest).flatMap((t) => singleCases(t, "Baseline")),
  ...gressCases("Admin"),
  ...gressCases("Baseline"),
  {
    name: "CNPAdminTierIntegration s1+s2: the Admin Deny beats the NetworkPolicy's allow, both ways (the NetworkPolicy isolates gryffindor↔gryffindor)",
    pods: FOUR.map((p) => POD[p]),
    resources: integration("Deny", "Deny", true),
    probes: tcpSteps(fourPods(false, false, false)),
  },
  {
    name: "CNPAdminTierIntegration s3: ingress rule → Pass; the NetworkPolicy allows slytherin → gryffindor",
    pods: FOUR.map((p) => POD[p]),
    resources: integration("Pass", "Deny", true),
    probes: tcpSteps(fourPods(true, false, false)),
  },
  {
    name: "CNPAdminTierIntegration s4: egress rule → Pass too; the NetworkPolicy allows gryffindor → slytherin",
    pods: FOUR.map((p) => POD[p]),
    resources: integration("Pass", "Pass", true),
    probes: tcpSteps(fourPods(true, true, false)),
  },
  {
    name: "CNPAdminTierIntegration s5+s6: the NetworkPolicy deleted; passed traffic reaches the Baseline Deny",
    pods: FOUR.map((p) => POD[p]),
    resources: integration("Pass", "Pass", false),
    probes: tcpSteps(fourPods(false, false, true)),
  },
  {
    name: "CNPAdminTierPriorityField s1+s2: Deny at priority 50 is checked before Pass at 60 (the Baseline Accept is never reached)",
    pods: FOUR.map((p) => POD[p]),
    resources: priorityPolicies(60),
    probes: tcpSteps(fourPods(false, false, true)),
  },
  {
    name: "CNPAdminTierPriorityField s3: the Pass policy's priority 60 → 40 comes first; the Baseline Accept decides",
    pods: FOUR.map((p) => POD[p]),
    resources: priorityPolicies(40),
    probes: tcpSteps(fourPods(true, true, true)),
  },
  ...inlineCidrCases("Admin"),
  ...inlineCidrCases("Baseline"),
  namedPortCase("CNPAdminTierEgressNamedPort", single("CNPAdminTierEgressTCP"), "Admin", 5, "web", [ok("G0", "H1", 80), no("G1", "H1", 8080)], "udp"),
  namedPortCase("CNPAdminTierIngressNamedPort", single("CNPAdminTierIngressUDP"), "Admin", 5, "dns", [ok("G0", "H1", 53), no("G1", "H1", 5353)], "tcp"),
  namedPortCase("CNPBaselineTierEgressNamedPort", baselineTest(single("CNPAdminTierEgressUDP")), "Baseline", 3, "dns", [ok("H0", "G1", 53), no("H1", "G1", 5353)], "tcp"),
  namedPortCase("CNPBaselineTierIngressNamedPort", baselineTest(single("CNPAdminTierIngressTCP")), "Baseline", 3, "web", [ok("H0", "G1", 80), no("H1", "G1", 8080)], "udp"),
  {
    // Upstream: s1 G1→F1 tcp HNP[0] ✓ (Accept nodes), s2 G1→F1 udp HNP[2] ✓ (Pass), s3 G1→F1 tcp
    // HNP[1], udp HNP[4], sctp HNP[6] ✗. Calico: the Accept is dropped and the Pass and the Deny
    // become deny-all, so s1 and s2 fail there (Calico excludes the test) and s3 holds.
    name: "CNPAdminTierEgressNodePeers s1-s3 as Calico enforces them: every rule has a nodes peer and fails closed (Accept dropped; Pass and Deny deny all egress): gryffindor reaches nothing (upstream's s1/s2 expect the hostNetwork centaur reached)",
    pods: [POD.G1, POD.R0, POD.S0, POD.H0],
    resources: () => [
      cnp("node-and-cidr-as-peers-example", "Admin", 75, {
        subject: gryffindorPods,
        egress: [
          { name: "allow-to-nodes-at-hnp0", action: "Accept", peers: [linuxNodes], protocols: [{ proto: "tcp", port: HNP[0] }], houses: [] },
          { name: "pass-to-nodes-at-hnp2", action: "Pass", peers: [linuxNodes], protocols: [{ proto: "udp", port: HNP[2] }], houses: [] },
          { name: "deny-to-slytherin-nodes-internet", action: "Deny", peers: [slytherinPods, linuxNodes, networksPeer("0.0.0.0/0", "::/0")], houses: [] },
        ],
      }),
    ],
    probes: deniedFrom(["G1"], ["G1", "R0", "S0", "H0"]),
  },
  {
    name: "CNPBaselineTierEgressNodePeers s1-s2 as Calico enforces them: the Accept to nodes (tcp HNP[0]-HNP[1]) is dropped and the Deny [nodes, 0.0.0.0/0, ::/0] denies all egress of gryffindor",
    pods: [POD.G0, POD.G1, POD.R0, POD.S0],
    resources: () => [
      cnp("default", "Baseline", 10, {
        subject: namespacesPeer(nsNamed("gryffindor")),
        egress: [
          { name: "allow-to-nodes-at-hnp-range", action: "Accept", peers: [linuxNodes], protocols: [{ proto: "tcp", port: HNP[0], end: HNP[1] }], houses: [] },
          { name: "deny-to-nodes-internet", action: "Deny", peers: [linuxNodes, networksPeer("0.0.0.0/0", "::/0")], houses: [] },
        ],
      }),
    ],
    probes: deniedFrom(["G0", "G1"], ["G0", "G1", "R0", "S0"]),
  },
];
