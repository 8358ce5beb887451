/**
 * fast-check generators of random clusters, emitted as YAML text (so they go through the real
 * loader), and of random flows between their pods and outside IPs.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import type { Flow, FlowPeer } from "../../src/trace/index.js";

export const NAMESPACES = ["a", "b", "c"] as const;
export const NODES = ["node-1", "node-2", "node-3"] as const;
const APPS = ["web", "db", "cache"] as const;
const PORT_NAMES = ["http", "dns"] as const;
/** Outside peers live in 192.168.0.0/16; pods in 10.0.0.0/16: network sets hold outside IPs only. */
export const OUTSIDE_IPS = ["192.168.1.5", "192.168.1.200", "192.168.2.7"] as const;
export const PORTS = [53, 80, 443, 8080] as const;

export interface Cluster {
  readonly yaml: string;
  readonly pods: readonly { namespace: string; name: string }[];
  /** The cluster holds staged policies (then the pending verdict is checked too). */
  readonly staged: boolean;
}

const labelSel = fc.oneof(
  fc.constantFrom(...APPS).map((a) => `app == "${a}"`),
  fc.constantFrom(...APPS).map((a) => `app != "${a}"`),
  fc.constant("all()"),
  fc.constant("has(tier)"),
);
const nsSel = fc.oneof(fc.constantFrom(...NAMESPACES).map((n) => `env == "${n}-env"`), fc.constant("all()"), fc.constant("team == \"x\""));
const cidr = fc.constantFrom("192.168.1.0/24", "192.168.0.0/16", "192.168.1.5/32", "10.0.0.0/16", "10.0.1.0/24", "0.0.0.0/0");
/** notNets: Calico's validator refuses the catch-all 0.0.0.0/0 there (PC3090). */
const notNet = fc.constantFrom("192.168.1.0/24", "192.168.0.0/16", "192.168.1.5/32", "10.0.0.0/16", "10.0.1.0/24");
const portSpec = fc.oneof(
  fc.constantFrom(...PORTS),
  fc.constantFrom("50:90", "400:500", "8000:9000"),
  fc.constantFrom(...PORT_NAMES),
);

const calicoEntity = fc.record(
  {
    selector: labelSel,
    notSelector: labelSel,
    namespaceSelector: nsSel,
    nets: fc.array(cidr, { minLength: 1, maxLength: 2 }),
    notNets: fc.array(notNet, { minLength: 1, maxLength: 1 }),
    serviceAccounts: fc.constantFrom({ names: ["sa1"] }, { names: ["sa1", "sa2"] }, { selector: "role == \"front\"" }),
  },
  { requiredKeys: [] },
);

/** `arb` once in `n` draws, otherwise undefined. */
const sometimes = <T>(n: number, arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

/** Source ports: around the default ephemeral port 40000, low ports, and a named port (the source's own). */
const sourcePortSpec = fc.oneof(fc.constantFrom(53, 40000, 1024), fc.constantFrom("1024:65535", "30000:45000", "1:1023"), fc.constantFrom(...PORT_NAMES));

const calicoRule = fc
  .record({
    action: fc.constantFrom("Allow", "Deny", "Pass", "Log"),
    protocol: fc.constantFrom(undefined, "TCP", "UDP", "ICMP", "SCTP"),
    sourcePorts: sometimes(3, fc.array(sourcePortSpec, { minLength: 1, maxLength: 2 })),
    sourceNotPorts: sometimes(6, fc.array(fc.constantFrom(53, 40000), { minLength: 1, maxLength: 1 })),
    notProtocol: fc.constantFrom(undefined, undefined, undefined, "UDP"),
    source: calicoEntity,
    destination: calicoEntity,
    ports: fc.option(fc.array(portSpec, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    notPorts: fc.option(fc.array(fc.constantFrom(...PORTS), { minLength: 1, maxLength: 1 }), { nil: undefined }),
    icmpType: fc.option(fc.constantFrom(0, 8), { nil: undefined }),
  })
  .map((r) => {
    const out: Record<string, unknown> = { action: r.action };
    if (r.protocol) out.protocol = r.protocol;
    if (r.notProtocol && r.protocol !== r.notProtocol) out.notProtocol = r.notProtocol;
    const destination: Record<string, unknown> = { ...r.destination };
    const source: Record<string, unknown> = { ...r.source };
    if (r.protocol === "TCP" || r.protocol === "UDP" || r.protocol === "SCTP") {
      if (r.ports) destination.ports = r.ports;
      if (r.notPorts) destination.notPorts = r.notPorts;
      if (r.sourcePorts) source.ports = r.sourcePorts;
      if (r.sourceNotPorts) source.notPorts = r.sourceNotPorts;
    }
    if (r.protocol === "ICMP" && r.icmpType !== undefined) out.icmp = { type: r.icmpType };
    if (r.protocol === "ICMP" && r.icmpType === undefined && r.notPorts) out.notICMP = { type: 8 };
    if (Object.keys(source).length) out.source = source;
    if (Object.keys(destination).length) out.destination = destination;
    return out;
  });

const types = fc.constantFrom<readonly string[]>(["Ingress"], ["Egress"], ["Ingress", "Egress"]);

export const calicoPolicy = (i: number) =>
  fc
    .record({
      global: fc.boolean(),
      namespace: fc.constantFrom(...NAMESPACES),
      tier: fc.constantFrom("default", "security", "platform"),
      order: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      selector: labelSel,
      namespaceSelector: fc.option(nsSel, { nil: undefined }),
      types,
      ingress: fc.array(calicoRule, { maxLength: 3 }),
      egress: fc.array(calicoRule, { maxLength: 3 }),
    })
    .map((p) => {
      const name = p.tier === "default" ? `p${i}` : `${p.tier}.p${i}`;
      const spec: Record<string, unknown> = { tier: p.tier, selector: p.selector, types: p.types };
      // Distinct orders (or none) so that policies never tie.
      if (p.order !== undefined) spec.order = p.order * 10 + i;
      if (p.global && p.namespaceSelector) spec.namespaceSelector = p.namespaceSelector;
      if (p.types.includes("Ingress")) spec.ingress = p.ingress;
      if (p.types.includes("Egress")) spec.egress = p.egress;
      return {
        apiVersion: "projectcalico.org/v3",
        kind: p.global ? "GlobalNetworkPolicy" : "NetworkPolicy",
        metadata: p.global ? { name } : { name, namespace: p.namespace },
        spec,
      };
    });

const k8sMatchLabels = fc.oneof(fc.constant({}), fc.constantFrom(...APPS).map((a) => ({ matchLabels: { app: a } })));
const k8sPeer = fc.oneof(
  k8sMatchLabels.map((s) => ({ podSelector: s })),
  fc.constantFrom(...NAMESPACES).map((n) => ({ namespaceSelector: { matchLabels: { env: `${n}-env` } } })),
  fc.tuple(k8sMatchLabels, fc.constantFrom(...NAMESPACES)).map(([s, n]) => ({ podSelector: s, namespaceSelector: { matchLabels: { env: `${n}-env` } } })),
  fc.constantFrom(
    { ipBlock: { cidr: "192.168.0.0/16", except: ["192.168.1.0/24"] } },
    { ipBlock: { cidr: "192.168.1.0/24" } },
    { ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.2.0/24"] } },
  ),
);
const k8sPort = fc.oneof(
  fc.record({ protocol: fc.constantFrom("TCP", "UDP"), port: fc.constantFrom(...PORTS) }),
  fc.record({ protocol: fc.constant("TCP"), port: fc.constant(50), endPort: fc.constant(90) }),
  fc.record({ protocol: fc.constantFrom("TCP", "UDP"), port: fc.constantFrom(...PORT_NAMES) }),
);
const k8sRule = (peerKey: "from" | "to") =>
  fc.record({ peers: fc.option(fc.array(k8sPeer, { minLength: 1, maxLength: 2 }), { nil: undefined }), ports: fc.option(fc.array(k8sPort, { minLength: 1, maxLength: 2 }), { nil: undefined }) })
    .map((r) => ({ ...(r.peers && { [peerKey]: r.peers }), ...(r.ports && { ports: r.ports }) }));
export const k8sPolicy = (i: number) =>
  fc.record({ namespace: fc.constantFrom(...NAMESPACES), podSelector: k8sMatchLabels, types, ingress: fc.array(k8sRule("from"), { maxLength: 2 }), egress: fc.array(k8sRule("to"), { maxLength: 2 }) })
    .map((p) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: `k${i}`, namespace: p.namespace },
      spec: {
        podSelector: p.podSelector,
        policyTypes: p.types,
        ...(p.types.includes("Ingress") && { ingress: p.ingress }),
        ...(p.types.includes("Egress") && { egress: p.egress }),
      },
    }));

/**
 * A profile's rules: random rules are so narrow that they rarely match, so half the time the
 * profile ends with an unconditional Allow (or is that Allow alone), as real profiles do; then
 * what the policies and the namespace-less endpoints do downstream gets exercised.
 */
const profileRules = fc.oneof(
  fc.array(calicoRule, { maxLength: 2 }),
  fc.array(calicoRule, { maxLength: 1 }).map((rs) => [...rs, { action: "Allow" }]),
  fc.constant([{ action: "Allow" }]),
);

/** User profiles for WorkloadEndpoints: labels they give (an endpoint's own labels win) and rules. */
export const PROFILES = ["prof0", "prof1"] as const;
const userProfile = (name: string) =>
  fc
    .record({
      labelsToApply: fc.oneof(fc.constant({}), fc.constant({ tier: "p" }), fc.constantFrom(...APPS).map((a) => ({ app: a })), fc.constant({ team: "x" })),
      ingress: profileRules,
      egress: profileRules,
    })
    .map((p) => ({ apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name }, spec: p }));

const pod = fc.record({
  /** A Calico WorkloadEndpoint (non-Kubernetes workload) with its own profile list, instead of a Pod. */
  wep: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.subarray([...PROFILES, "kns"]).chain((ps) => fc.shuffledSubarray(ps, { minLength: ps.length, maxLength: ps.length })) }),
  namespace: fc.constantFrom(...NAMESPACES),
  node: fc.constantFrom(...NODES),
  app: fc.constantFrom(...APPS),
  tier: fc.boolean(),
  sa: fc.constantFrom(undefined, "sa1", "sa2"),
  ports: fc.subarray([
    { name: "http", containerPort: 8080, protocol: "TCP" },
    { name: "dns", containerPort: 53, protocol: "UDP" },
  ]),
});

function workloadEndpoint(p: PodSpec, i: number, profiles: readonly string[]): object {
  return {
    apiVersion: "projectcalico.org/v3",
    kind: "WorkloadEndpoint",
    metadata: { name: `pod${i}`, namespace: p.namespace, labels: { app: p.app, ...(p.tier && { tier: "t" }) } },
    spec: {
      orchestrator: "cni",
      node: p.node,
      workload: `pod${i}`,
      endpoint: "eth0",
      interfaceName: `caliwep${i}`,
      ipNetworks: [`${podIp(i)}/32`],
      ...(profiles.length > 0 && { profiles: profiles.map((x) => (x === "kns" ? `kns.${p.namespace}` : x)) }),
      ...(p.sa && { serviceAccountName: p.sa }),
      ...(p.ports.length > 0 && { ports: p.ports.map((x) => ({ name: x.name, port: x.containerPort, protocol: x.protocol })) }),
    },
  };
}

type PodSpec = typeof pod extends fc.Arbitrary<infer T> ? T : never;
const podIp = (i: number): string => `10.0.${i % 3}.${10 + i}`;

export const clusterArb: fc.Arbitrary<Cluster> = fc
  .record({
    pods: fc.array(pod, { minLength: 2, maxLength: 6 }),
    profiles: fc.tuple(...PROFILES.map(userProfile)),
    calico: fc.integer({ min: 0, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => calicoPolicy(i)))),
    k8s: fc.integer({ min: 0, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => k8sPolicy(i)))),
    tierDefaults: fc.tuple(fc.constantFrom("Deny", "Pass"), fc.constantFrom("Deny", "Pass")),
    netset: fc.boolean(),
    nsNetset: fc.option(fc.constantFrom(...NAMESPACES), { nil: undefined }),
    teamX: fc.constantFrom(...NAMESPACES),
  })
  .map((c) => {
    const docs: unknown[] = [];
    for (const ns of NAMESPACES)
      docs.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { env: `${ns}-env`, ...(ns === c.teamX && { team: "x" }) } } });
    docs.push({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 100, defaultAction: c.tierDefaults[0] } });
    docs.push({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "platform" }, spec: { order: 200, defaultAction: c.tierDefaults[1] } });
    if (c.netset)
      docs.push({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkSet", metadata: { name: "outside", labels: { app: "web" } }, spec: { nets: ["192.168.1.0/24"] } });
    for (const ns of NAMESPACES)
      for (const sa of ["sa1", "sa2"])
        docs.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: ns, labels: { role: sa === "sa1" ? "front" : "back" } } });
    if (c.nsNetset)
      docs.push({ apiVersion: "projectcalico.org/v3", kind: "NetworkSet", metadata: { name: "partners", namespace: c.nsNetset, labels: { app: "db" } }, spec: { nets: ["192.168.2.0/24"] } });
    if (c.pods.some((p) => p.wep?.some((x) => x !== "kns"))) docs.push(...c.profiles);
    const pods = c.pods.map((p, i) => {
      if (p.wep) {
        docs.push(workloadEndpoint(p, i, p.wep));
        return { namespace: p.namespace, name: `pod${i}` };
      }
      docs.push({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `pod${i}`, namespace: p.namespace, labels: { app: p.app, ...(p.tier && { tier: "t" }) } },
        spec: { nodeName: p.node, ...(p.sa && { serviceAccountName: p.sa }), containers: [{ name: "c", image: "x", ...(p.ports.length && { ports: p.ports }) }] },
        status: { podIP: podIp(i), phase: "Running" },
      });
      return { namespace: p.namespace, name: `pod${i}` };
    });
    docs.push(...c.calico, ...c.k8s);
    return { yaml: docs.map((d) => stringify(d, { version: "1.1" })).join("---\n"), pods, staged: false };
  });

export function flowArb(cluster: Cluster): fc.Arbitrary<Flow> {
  const podPeer = fc.constantFrom(...cluster.pods).map((p): FlowPeer => ({ kind: "pod", ...p }));
  const ipPeer = fc.constantFrom(...OUTSIDE_IPS, "10.0.2.99", "192.168.2.50").map((ip): FlowPeer => ({ kind: "ip", ip }));
  const ends = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(podPeer, podPeer).filter(([a, b]) => a.kind !== "pod" || b.kind !== "pod" || a.name !== b.name) },
    { weight: 1, arbitrary: fc.tuple(podPeer, ipPeer) },
    { weight: 1, arbitrary: fc.tuple(ipPeer, podPeer) },
  );
  const l4 = fc.oneof(
    fc.record(
      { protocol: fc.constantFrom("TCP" as const, "UDP" as const, "SCTP" as const), port: fc.constantFrom(...PORTS, 60, 450, 8500), srcPort: fc.constantFrom(53, 1024, 8080, 35000, 50000) },
      { requiredKeys: ["protocol", "port"] },
    ),
    fc.record({ protocol: fc.constant("ICMP" as const), icmp: fc.record({ type: fc.constantFrom(0, 8), code: fc.constant(0) }) }),
  );
  return fc.tuple(ends, l4).map(([[from, to], l]) => ({ from, to, ...l }));
}
