/**
 * Named cases for the semantics the differential test relies on: each cluster is checked against
 * a verdict reviewed by hand (from k8s-semantics.md / the Calico policy model), on both the
 * reference evaluator and the trace. Counterexamples found (by the differential run or while
 * extending its generators) are added here with their shrunk cluster, named after what they found.
 */
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import { StagedTracer, explainFlow, reachabilityMatrix, type Flow } from "../../src/trace/index.js";
import { referenceOf } from "./semantics.js";

const pods = `
apiVersion: v1
kind: Namespace
metadata: { name: a, labels: { env: a-env } }
---
apiVersion: v1
kind: Namespace
metadata: { name: b, labels: { env: b-env } }
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: { name: security }
spec: { order: 100, defaultAction: Deny }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: a, labels: { app: web } }
spec: { nodeName: node-1, containers: [{ name: c, image: x, ports: [{ name: http, containerPort: 8080, protocol: TCP }] }] }
status: { podIP: 10.0.0.10, phase: Running }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: b, labels: { app: client } }
spec: { nodeName: node-2, serviceAccountName: sa1, containers: [{ name: c, image: x }] }
status: { podIP: 10.0.1.11, phase: Running }
`;
const serviceAccount = `
apiVersion: v1
kind: ServiceAccount
metadata: { name: sa1, namespace: b, labels: { role: front } }
`;
const toWeb = (port: number): Flow => ({ from: { kind: "pod", namespace: "b", name: "client" }, to: { kind: "pod", namespace: "a", name: "web" }, protocol: "TCP", port });
const fromWep: Flow = { from: { kind: "pod", namespace: "b", name: "wep" }, to: { kind: "pod", namespace: "a", name: "web" }, protocol: "TCP", port: 80 };
/** A non-Kubernetes workload in namespace b on node-2 with the given profiles (and an egress-allowing one). */
const wep = (profiles: string[], ports = "") => `apiVersion: projectcalico.org/v3
kind: Profile
metadata: { name: outbound }
spec: { egress: [{ action: Allow }] }
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: { name: wep, namespace: b, labels: { app: wep } }
spec: { orchestrator: cni, node: node-2, workload: wep, endpoint: eth0, interfaceName: caliwep1, ipNetworks: [10.0.1.50/32], profiles: [${["outbound", ...profiles].join(", ")}]${ports} }
---
`;
const fromIp = (ip: string, port: number): Flow => ({ from: { kind: "ip", ip }, to: { kind: "pod", namespace: "a", name: "web" }, protocol: "TCP", port });

function verdicts(policies: string, flow: Flow): { reference: string; trace: string } {
  const sources = [{ file: "c.yaml", text: `${pods}---\n${policies}` }];
  const { model, diagnostics } = loadSources(sources);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(model.endpoints.length).toBeGreaterThan(1);
  return { reference: referenceOf(sources).enforced.verdict(flow), trace: explainFlow(model, flow).verdict };
}
const cases: { name: string; policies: string; flow: Flow; want: "allow" | "deny" }[] = [
  {
    name: "no policy: kns profile allows",
    policies: "apiVersion: v1\nkind: Namespace\nmetadata: { name: c }",
    flow: toWeb(80),
    want: "allow",
  },
  {
    name: "a tier with a policy for the endpoint and no match denies at the end of the tier",
    policies: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: security.p, namespace: a }
spec: { tier: security, selector: all(), types: [Ingress], ingress: [{ action: Allow, protocol: TCP, destination: { ports: [443] } }] }`,
    flow: toWeb(80),
    want: "deny",
  },
  {
    name: "Pass skips the tier to the profiles",
    policies: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: security.p, namespace: a }
spec: { tier: security, selector: all(), types: [Ingress], ingress: [{ action: Pass }, { action: Deny }] }`,
    flow: toWeb(80),
    want: "allow",
  },
  {
    name: "named port resolves against the destination's container port",
    policies: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: k, namespace: a }
spec: { podSelector: {}, policyTypes: [Ingress], ingress: [{ ports: [{ protocol: TCP, port: http }] }] }`,
    flow: toWeb(8080),
    want: "allow",
  },
  {
    name: "ipBlock except carves out a subnet",
    policies: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: k, namespace: a }
spec: { podSelector: {}, policyTypes: [Ingress], ingress: [{ from: [{ ipBlock: { cidr: 192.168.0.0/16, except: [192.168.1.0/24] } }] }] }`,
    flow: fromIp("192.168.1.5", 80),
    want: "deny",
  },
  {
    name: "a namespaced selector without namespaceSelector only sees the policy's namespace",
    policies: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: p, namespace: a }
spec: { selector: all(), types: [Ingress], ingress: [{ action: Allow, source: { selector: app == "client" } }] }`,
    flow: toWeb(80),
    want: "deny",
  },
  {
    name: "namespaceSelector matches the namespace's labels",
    policies: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: p, namespace: a }
spec: { selector: all(), types: [Ingress], ingress: [{ action: Allow, source: { namespaceSelector: env == "b-env", selector: app == "client" } }] }`,
    flow: toWeb(80),
    want: "allow",
  },
  {
    name: "serviceAccounts.selector matches the service account's labels",
    policies: `${serviceAccount}---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: g }
spec: { selector: app == "web", types: [Ingress], ingress: [{ action: Allow, source: { serviceAccounts: { selector: role == "front" } } }] }`,
    flow: toWeb(80),
    want: "allow",
  },
  {
    name: "serviceAccounts.names that do not name the source's account do not match",
    policies: `${serviceAccount}---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: g }
spec: { selector: app == "web", types: [Ingress], ingress: [{ action: Allow, source: { serviceAccounts: { names: [sa2] } } }] }`,
    flow: toWeb(80),
    want: "deny",
  },
  {
    // Found while adding WorkloadEndpoints to the generators: the reference gave every endpoint
    // its namespace's labels; Calico endpoints inherit labels only from the profiles they list.
    name: "a WorkloadEndpoint that does not list kns.<ns> is in no namespace a namespaceSelector picks",
    policies: `${wep([])}apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: p, namespace: a }
spec: { selector: all(), types: [Ingress], ingress: [{ action: Allow, source: { namespaceSelector: env == "b-env" } }] }`,
    flow: fromWep,
    want: "deny",
  },
  {
    // Found by the differential run once profiles could allow egress: the reference's first fix
    // made such an endpoint match no namespaceSelector at all, but Calico renders all() as
    // has(projectcalico.org/namespace), which every namespaced endpoint carries. Here the
    // global policy (egress: []) applies to the endpoint, so its egress is denied at the end
    // of the tier although its profile would allow it.
    name: "namespaceSelector all() picks a WorkloadEndpoint that does not list kns.<ns>",
    policies: `${wep([])}apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: p1 }
spec: { selector: all(), namespaceSelector: all(), types: [Egress], egress: [] }`,
    flow: fromWep,
    want: "deny",
  },
  {
    name: "a WorkloadEndpoint that lists kns.<ns> is picked by its namespace's labels",
    policies: `${wep(["kns.b"])}apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: p, namespace: a }
spec: { selector: all(), types: [Ingress], ingress: [{ action: Allow, source: { namespaceSelector: env == "b-env" } }] }`,
    flow: fromWep,
    want: "allow",
  },
  {
    name: "a user profile's labelsToApply labels the endpoint for selectors",
    policies: `${wep(["tagger"])}apiVersion: projectcalico.org/v3
kind: Profile
metadata: { name: tagger }
spec: { labelsToApply: { role: db-client } }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: g }
spec: { selector: app == "web", types: [Ingress], ingress: [{ action: Allow, source: { selector: role == "db-client" } }] }`,
    flow: fromWep,
    want: "allow",
  },
  {
    name: "source port range: the default ephemeral source port is in 1024-65535",
    policies: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: g }
spec: { selector: app == "web", types: [Ingress], ingress: [{ action: Allow, protocol: TCP, source: { ports: ["1024:65535"] } }] }`,
    flow: toWeb(80),
    want: "allow",
  },
  {
    name: "source port range: source port 53 is not in 1024-65535",
    policies: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: g }
spec: { selector: app == "web", types: [Ingress], ingress: [{ action: Allow, protocol: TCP, source: { ports: ["1024:65535"] } }] }`,
    flow: { ...toWeb(80), srcPort: 53 },
    want: "deny",
  },
  {
    name: "a named source port resolves against the source endpoint's own ports",
    policies: `${wep([], ", ports: [{ name: dns, port: 5353, protocol: TCP }]")}apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: g }
spec: { selector: app == "web", types: [Ingress], ingress: [{ action: Allow, protocol: TCP, source: { ports: [dns] } }] }`,
    flow: { ...fromWep, srcPort: 5353 },
    want: "allow",
  },
  {
    name: "SCTP is its own protocol: a TCP rule does not allow it",
    policies: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: g }
spec: { selector: app == "web", types: [Ingress], ingress: [{ action: Allow, protocol: TCP, destination: { ports: [80] } }] }`,
    flow: { ...toWeb(80), protocol: "SCTP" },
    want: "deny",
  },
  {
    name: "an SCTP rule with ports allows SCTP to that port",
    policies: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: g }
spec: { selector: app == "web", types: [Ingress], ingress: [{ action: Allow, protocol: SCTP, destination: { ports: [80] } }] }`,
    flow: { ...toWeb(80), protocol: "SCTP" },
    want: "allow",
  },
];

describe("reference and trace on reviewed cases", () => {
  it.each(cases)("$name", ({ policies, flow, want }) => {
    expect(verdicts(policies, flow)).toEqual({ reference: want, trace: want });
  });
});

/**
 * Counterexamples the independent reference's differential runs and golden checks found (each a
 * disagreement between the reference and the trace, shrunk), with the verdict the reviewed
 * semantics give; named after what they found.
 */
const found: { name: string; policies: string; flow: Flow; want: "allow" | "deny"; pending?: "allow" | "deny" }[] = [
  {
    // calico-332 §2.4/§2.6: a `namespaces` peer is only a pcns. selector, so a selector an
    // unlabelled entity satisfies matches a GlobalNetworkSet's addresses too.
    name: "a ClusterNetworkPolicy namespaces peer with DoesNotExist matches a GlobalNetworkSet address",
    policies: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: { name: outside, labels: { app: web } }
spec: { nets: [192.168.1.0/24] }
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: { name: guard }
spec:
  tier: Admin
  priority: 0
  subject: { namespaces: {} }
  egress:
  - action: Deny
    to: [{ namespaces: { matchExpressions: [{ key: team, operator: DoesNotExist }] } }]
`,
    flow: { from: { kind: "pod", namespace: "a", name: "web" }, to: { kind: "ip", ip: "192.168.1.5" }, protocol: "TCP", port: 53 },
    want: "deny",
  },
  {
    // felix-dataplane §3 items 9-11: a forward chain has no profiles and no final drop.
    name: "forwarded traffic whose applyOnForward tiers all Pass is forwarded",
    policies: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: { name: node-1-eth0, labels: { role: edge } }
spec: { node: node-1, interfaceName: eth0, expectedIPs: [172.16.0.1] }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: pass-forward }
spec:
  selector: role == "edge"
  applyOnForward: true
  types: [Egress]
  egress: [{ action: Pass }]
`,
    flow: { from: { kind: "pod", namespace: "a", name: "web" }, to: { kind: "ip", ip: "192.168.1.5" }, protocol: "TCP", port: 53 },
    want: "allow",
  },
  {
    // Two profiles label the same key: the earlier one in the endpoint's list wins.
    name: "a host endpoint's labels from two profiles: the earlier profile wins",
    policies: `apiVersion: projectcalico.org/v3
kind: Profile
metadata: { name: first }
spec: { labelsToApply: { app: db }, ingress: [{ action: Allow }] }
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata: { name: second }
spec: { labelsToApply: { app: web } }
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: { name: node-3-eth0, labels: { role: worker } }
spec: { node: node-3, interfaceName: eth0, expectedIPs: [172.16.0.3], profiles: [first, second] }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: untracked }
spec:
  selector: role == "worker"
  applyOnForward: true
  doNotTrack: true
  types: [Ingress]
  ingress: [{ action: Deny, destination: { selector: app == "web" } }]
`,
    flow: { from: { kind: "pod", namespace: "a", name: "web" }, to: { kind: "host", node: "node-3" }, protocol: "TCP", port: 53 },
    want: "allow",
  },
  {
    // felix-dataplane §1.3: the host-endpoint forward dispatch ends in the `*` endpoint's chain,
    // so its applyOnForward ingress policy sees packets forwarded from a local workload.
    name: "a * host endpoint's forward ingress policy sees traffic from a local workload",
    policies: `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: { name: node-1-all, labels: { scope: all } }
spec: { node: node-1, interfaceName: "*", expectedIPs: [172.16.0.1] }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: closed-forward }
spec: { selector: scope == "all", applyOnForward: true, types: [Ingress], ingress: [] }
`,
    flow: { from: { kind: "pod", namespace: "a", name: "web" }, to: { kind: "ip", ip: "192.168.1.5" }, protocol: "TCP", port: 53 },
    want: "deny",
  },
  {
    // k8s-semantics §3.4 "Scoping": in a namespaced policy a notSelector alone still limits the
    // match to the namespace's endpoints, so an outside address does not match it.
    name: "a notSelector alone in a namespaced NetworkPolicy does not match an outside address",
    policies: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: not-blocked, namespace: a }
spec:
  selector: app == "web"
  types: [Ingress]
  ingress: [{ action: Allow, protocol: UDP, source: { notSelector: blocked == "yes" } }]
`,
    flow: { from: { kind: "ip", ip: "172.16.0.9" }, to: { kind: "pod", namespace: "a", name: "web" }, protocol: "UDP", port: 53 },
    want: "deny",
  },
  {
    // k8s-semantics §1.5: the API server stamps kubernetes.io/metadata.name on every namespace.
    name: "a namespaceSelector on kubernetes.io/metadata.name matches a namespace that does not list it",
    policies: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: from-b, namespace: a }
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: b } } }] }]
`,
    flow: toWeb(80),
    want: "allow",
  },
  {
    // Staged Delete of the only policy isolating web: promoted, the namespace profile allows.
    name: "a staged Delete of the isolating policy: enforced deny, pending allow",
    policies: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: lock, namespace: a }
spec: { podSelector: {}, policyTypes: [Ingress] }
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: { name: lock, namespace: a }
spec: { podSelector: {}, stagedAction: Delete }
`,
    flow: toWeb(80),
    want: "deny",
    pending: "allow",
  },
];

describe("counterexamples found by the independent reference", () => {
  it.each(found)("$name", ({ policies, flow, want, pending }) => {
    const sources = [{ file: "c.yaml", text: `${pods}---\n${policies}` }];
    const { model, diagnostics } = loadSources(sources);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const ref = referenceOf(sources);
    const staged = new StagedTracer(model);
    expect({ reference: ref.enforced.verdict(flow), trace: staged.enforced.explain(flow).verdict }).toEqual({ reference: want, trace: want });
    const p = pending ?? want;
    expect({ reference: ref.promoted.verdict(flow), trace: staged.pending.explain(flow).verdict }).toEqual({ reference: p, trace: p });
  });
});

describe("compiler bugs the independent reference found", () => {
  // trace/matrix.ts composed a pair's verdict from an egress walk out of the uplink and an
  // ingress walk in from it; with a host endpoint on the uplink that ran its applyOnForward
  // policy (and skipped raw/mangle) for two pods of one node, whose traffic never crosses it.
  it("matrix: pods on one node never cross the uplink host endpoint's forward policy", () => {
    const text = `${pods}---
apiVersion: v1
kind: Pod
metadata: { name: peer, namespace: a, labels: { app: peer } }
spec: { nodeName: node-1, containers: [{ name: c, image: x }] }
status: { podIP: 10.0.0.11, phase: Running }
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: { name: node-1-eth0, labels: { role: edge } }
spec: { node: node-1, interfaceName: eth0, expectedIPs: [172.16.0.1] }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: closed-forward }
spec: { selector: role == "edge", applyOnForward: true, types: [Ingress], ingress: [] }
`;
    const sources = [{ file: "c.yaml", text }];
    const { model, diagnostics } = loadSources(sources);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const flow: Flow = { from: { kind: "pod", namespace: "a", name: "peer" }, to: { kind: "pod", namespace: "a", name: "web" }, protocol: "TCP", port: 80 };
    const remote: Flow = { from: { kind: "pod", namespace: "b", name: "client" }, to: { kind: "pod", namespace: "a", name: "web" }, protocol: "TCP", port: 80 };
    const ref = referenceOf(sources).enforced;
    const m = reachabilityMatrix(model, { protocol: "TCP", port: 80 });
    // Same node: allowed (the namespace profile); from node-2 through eth0: the forward policy denies.
    expect({ reference: ref.verdict(flow), explain: explainFlow(model, flow).verdict, matrix: m.verdict("a/peer", "a/web", "TCP", 80) }).toEqual({ reference: "allow", explain: "allow", matrix: "allow" });
    expect({ reference: ref.verdict(remote), explain: explainFlow(model, remote).verdict, matrix: m.verdict("b/client", "a/web", "TCP", 80) }).toEqual({ reference: "deny", explain: "deny", matrix: "deny" });
  });
});
