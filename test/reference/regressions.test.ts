/**
 * Named cases for the semantics the differential test relies on: each cluster is checked against
 * a verdict reviewed by hand (from k8s-semantics.md / the Calico policy model), on both the
 * reference evaluator and the trace. Counterexamples found (by the differential run or while
 * extending its generators) are added here with their shrunk cluster, named after what they found.
 */
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import { StagedTracer, explainFlow, type Flow } from "../../src/trace/index.js";
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
