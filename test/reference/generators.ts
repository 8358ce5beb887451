/**
 * fast-check generators of random clusters, emitted as YAML text (so they go through the real
 * loader), and of random flows between their pods and outside IPs.
 */
import fc from "fast-check";
import { parseAllDocuments, stringify } from "yaml";
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
  /** Nodes with a host endpoint (on eth0, expecting hostIp(node)). */
  readonly hosts: readonly string[];
  /** Every pod and host has an IPv6 address too. */
  readonly dual: boolean;
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

/** Host addresses: node-1 → 172.16.0.1 …; a host endpoint expects its node's address. */
export const hostIp = (node: string): string => `172.16.0.${node.slice("node-".length)}`;

/**
 * A host endpoint on a node's uplink (eth0, the interface the trace takes outside traffic
 * through), labelled for the host policies below, sometimes with a profile and named ports.
 */
const hostEndpoint = fc.record({
  role: fc.constantFrom("edge", "worker"),
  /** The all-interfaces endpoint (`*`) instead of one on eth0. */
  wildcard: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  profiles: fc.constantFrom<readonly string[]>([], [], ["prof0"], ["prof1", "prof0"]),
  ports: fc.boolean(),
});

type HostSpec = typeof hostEndpoint extends fc.Arbitrary<infer T> ? T : never;

/** Host policy: GlobalNetworkPolicies over host endpoints, normal, applyOnForward, preDNAT or doNotTrack. */
const hostRule = fc
  .record({
    action: fc.constantFrom("Allow", "Deny", "Pass", "Log"),
    protocol: fc.constantFrom(undefined, "TCP", "UDP"),
    ports: fc.option(fc.array(fc.constantFrom(22, 53, 80, 179, 8080, "http", "1:1023"), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    sourcePorts: sometimes(4, fc.array(fc.constantFrom(53, 40000, "1024:65535"), { minLength: 1, maxLength: 1 })),
    nets: fc.option(fc.array(fc.constantFrom("192.168.1.0/24", "172.16.0.0/24", "10.0.0.0/16", "0.0.0.0/0", "172.16.0.2/32"), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    selector: fc.option(fc.constantFrom('role == "edge"', 'app == "web"', "has(role)", "all()"), { nil: undefined }),
    onSource: fc.boolean(),
  })
  .map((r) => {
    const out: Record<string, unknown> = { action: r.action };
    if (r.protocol) out.protocol = r.protocol;
    const peer: Record<string, unknown> = {};
    if (r.nets) peer.nets = r.nets;
    if (r.selector) peer.selector = r.selector;
    const destination: Record<string, unknown> = r.onSource ? {} : { ...peer };
    const source: Record<string, unknown> = r.onSource ? { ...peer } : {};
    if (r.protocol && r.ports) destination.ports = r.ports;
    if (r.protocol && r.sourcePorts) source.ports = r.sourcePorts;
    if (Object.keys(source).length) out.source = source;
    if (Object.keys(destination).length) out.destination = destination;
    return out;
  });

export const hostPolicy = (i: number) =>
  fc
    .record({
      mode: fc.constantFrom("normal", "forward", "preDNAT", "doNotTrack"),
      tier: fc.constantFrom("default", "security", "platform"),
      order: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      selector: fc.constantFrom('role == "edge"', "has(role)", 'role == "worker"', "all()"),
      types: fc.constantFrom<readonly string[]>(["Ingress"], ["Egress"], ["Ingress", "Egress"]),
      ingress: fc.array(hostRule, { maxLength: 3 }),
      egress: fc.array(hostRule, { maxLength: 3 }),
    })
    .map((p) => {
      const name = p.tier === "default" ? `h${i}` : `${p.tier}.h${i}`;
      // preDNAT: ingress only; preDNAT and doNotTrack need applyOnForward (Calico's validator).
      const types = p.mode === "preDNAT" ? ["Ingress"] : p.types;
      const selector = p.mode === "doNotTrack" && !p.selector.startsWith("role") ? 'role == "edge"' : p.selector;
      const spec: Record<string, unknown> = { tier: p.tier, selector, types };
      if (p.order !== undefined) spec.order = p.order * 10 + i;
      if (p.mode !== "normal") spec.applyOnForward = true;
      if (p.mode === "preDNAT") spec.preDNAT = true;
      if (p.mode === "doNotTrack") spec.doNotTrack = true;
      if (types.includes("Ingress")) spec.ingress = p.ingress;
      if (types.includes("Egress")) spec.egress = p.egress;
      return { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name }, spec };
    });

/** Kubernetes label selectors for ClusterNetworkPolicy subjects and peers. */
const cnpNamespaces = fc.oneof(
  fc.constant({}),
  fc.constantFrom(...NAMESPACES).map((n) => ({ matchLabels: { env: `${n}-env` } })),
  fc.constant({ matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }),
);
const cnpPods = fc.record({ namespaceSelector: cnpNamespaces, podSelector: k8sMatchLabels }, { requiredKeys: ["podSelector"] });
const cnpPeer = (egress: boolean) =>
  fc.oneof(
    { weight: 3, arbitrary: cnpNamespaces.map((namespaces) => ({ namespaces })) },
    { weight: 3, arbitrary: cnpPods.map((pods) => ({ pods })) },
    ...(egress
      ? [
          { weight: 2, arbitrary: fc.array(fc.constantFrom("192.168.1.0/24", "10.0.0.0/16", "0.0.0.0/0", "192.168.2.7/32"), { minLength: 1, maxLength: 2 }).map((n) => ({ networks: [...new Set(n)] })) },
          // Unsupported peers: the rule fails closed (calico-332 §1.4, §2.5).
          { weight: 1, arbitrary: fc.constant({ nodes: { matchLabels: { "kubernetes.io/os": "linux" } } }) },
        ]
      : []),
  );
const cnpProtocol = fc.oneof(
  fc.record({ proto: fc.constantFrom("tcp", "udp", "sctp"), port: fc.constantFrom(...PORTS) }).map((x) => ({ [x.proto]: { destinationPort: { number: x.port } } })),
  fc.constantFrom({ tcp: { destinationPort: { range: { start: 50, end: 90 } } } }, { udp: { destinationPort: { range: { start: 8000, end: 9000 } } } }),
  fc.constantFrom(...PORT_NAMES).map((n) => ({ destinationNamedPort: n })),
);
const cnpRule = (egress: boolean) =>
  fc
    .record({
      action: fc.constantFrom("Accept", "Deny", "Pass"),
      peers: fc.array(cnpPeer(egress), { minLength: 1, maxLength: 2 }),
      protocols: fc.option(fc.array(cnpProtocol, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    })
    .map((r) => {
      // The CRD refuses named ports with networks/nodes peers (they have no named ports).
      const addressPeer = r.peers.some((p) => "networks" in p || "nodes" in p);
      const protocols = r.protocols?.filter((e) => !(addressPeer && "destinationNamedPort" in e));
      return { action: r.action, [egress ? "to" : "from"]: r.peers, ...(protocols && protocols.length > 0 && { protocols }) };
    });
export const clusterNetworkPolicy = (i: number) =>
  fc
    .record({
      tier: fc.constantFrom("Admin", "Baseline"),
      priority: fc.integer({ min: 0, max: 5 }),
      subject: fc.oneof(cnpNamespaces.map((namespaces) => ({ namespaces })), cnpPods.map((pods) => ({ pods }))),
      ingress: fc.array(cnpRule(false), { maxLength: 2 }),
      egress: fc.array(cnpRule(true), { maxLength: 2 }),
    })
    .map((p) => ({
      apiVersion: "policy.networking.k8s.io/v1alpha2",
      kind: "ClusterNetworkPolicy",
      metadata: { name: `cnp${i}` },
      spec: { tier: p.tier, priority: p.priority * 10, subject: p.subject, ...(p.ingress.length > 0 && { ingress: p.ingress }), ...(p.egress.length > 0 && { egress: p.egress }) },
    }));

/**
 * A staged policy: a generated Calico or Kubernetes policy turned into its staged kind, with a
 * stagedAction; sometimes it shares its namesake's name (promotion replaces that one), and a
 * Delete carries nothing but what Calico's validator allows.
 */
const STAGED_KIND: Readonly<Record<string, string>> = { NetworkPolicy: "StagedNetworkPolicy", GlobalNetworkPolicy: "StagedGlobalNetworkPolicy" };
export const stagedPolicy = (i: number) =>
  fc
    .record({
      base: fc.oneof(calicoPolicy(i), k8sPolicy(i)),
      action: fc.constantFrom("Set", "Set", "Learn", "Ignore", "Delete", undefined),
      rename: fc.boolean(),
    })
    .map(({ base, action, rename }) => {
      const b = base as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> };
      const k8s = b.apiVersion === "networking.k8s.io/v1";
      const kind = k8s ? "StagedKubernetesNetworkPolicy" : STAGED_KIND[b.kind]!;
      const metadata = { ...b.metadata, name: rename ? b.metadata.name.replace(/(\d+)$/, "s$1") : b.metadata.name };
      let spec: Record<string, unknown>;
      if (action === "Delete") spec = k8s ? { podSelector: {}, stagedAction: "Delete" } : { tier: b.spec.tier, stagedAction: "Delete" };
      else spec = { ...b.spec, ...(action !== undefined && { stagedAction: action }) };
      return { apiVersion: "projectcalico.org/v3", kind, metadata, spec };
    });

/** 10.0.a.b (pods) or 192.168.a.b / 172.16.a.b → an IPv6 twin in fd00:: (prefix + 96), so v6 nets split addresses alike. */
export const v6Twin = (cidr: string): string => {
  const [ip, prefix] = cidr.split("/") as [string, string | undefined];
  const o = ip.split(".").map(Number) as [number, number, number, number];
  const hex = (a: number, b: number): string => ((a << 8) | b).toString(16);
  return `fd00::${hex(o[0], o[1])}:${hex(o[2], o[3])}${prefix === undefined ? "" : `/${96 + Number(prefix)}`}`;
};

/**
 * The generated cluster made dual-stack, as a dual-stack user writes it: every pod (Pod podIPs,
 * WorkloadEndpoint ipNetworks) and host endpoint (expectedIPs) gains the IPv6 twin of its
 * address; network sets and ClusterNetworkPolicy `networks` list the twins of their nets; a
 * Calico rule with IPv4 nets/notNets is followed by its IPv6 twin (one rule cannot mix families),
 * and a Kubernetes ipBlock peer by its twin peer. 0.0.0.0/0 twins to ::/0.
 */
export function dualStack(yaml: string): string {
  const twin = (n: string): string => (n === "0.0.0.0/0" ? "::/0" : v6Twin(n));
  const twinEntity = (e: unknown): unknown => {
    if (e === null || typeof e !== "object") return e;
    const out: Record<string, unknown> = { ...(e as Record<string, unknown>) };
    for (const k of ["nets", "notNets"]) if (Array.isArray(out[k])) out[k] = (out[k] as string[]).map(twin);
    return out;
  };
  const hasNets = (r: Record<string, unknown>): boolean =>
    ["source", "destination"].some((s) => {
      const e = r[s] as Record<string, unknown> | undefined;
      return e !== undefined && (Array.isArray(e.nets) || Array.isArray(e.notNets));
    });
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if ((k === "nets" || k === "networks") && Array.isArray(x)) out[k] = [...(x as string[]), ...(x as string[]).map(twin)];
      else if ((k === "ipNetworks" || k === "expectedIPs") && Array.isArray(x)) out[k] = [...(x as string[]), ...(x as string[]).map(v6Twin)];
      else if (k === "status" && typeof (x as { podIP?: unknown }).podIP === "string") {
        const ip = (x as { podIP: string }).podIP;
        out[k] = { ...(x as object), podIPs: [{ ip }, { ip: v6Twin(ip) }] };
      } else if ((k === "ingress" || k === "egress") && Array.isArray(x)) {
        out[k] = (x as Record<string, unknown>[]).flatMap((r) => {
          if (typeof r.action === "string" && r.from === undefined && r.to === undefined && hasNets(r)) {
            // A Calico rule: its IPv6 twin follows it.
            return [r, { ...r, ...(r.source !== undefined && { source: twinEntity(r.source) }), ...(r.destination !== undefined && { destination: twinEntity(r.destination) }) }];
          }
          const peers = (r.from ?? r.to) as Record<string, unknown>[] | undefined;
          if (r.action === undefined && peers) {
            const key = r.from !== undefined ? "from" : "to";
            const twinned = peers.flatMap((p) => {
              const b = p.ipBlock as { cidr: string; except?: string[] } | undefined;
              return b ? [p, { ipBlock: { cidr: twin(b.cidr), ...(b.except && { except: b.except.map(twin) }) } }] : [p];
            });
            return [{ ...r, [key]: twinned }];
          }
          return [walk(r) as Record<string, unknown>];
        });
      } else out[k] = walk(x);
    }
    return out;
  };
  return parseAllDocuments(yaml)
    .map((d) => stringify(walk(d.toJS()), { version: "1.1" }))
    .join("---\n");
}

/** Random clusters; `staged: false` leaves staged policies out (for tests that add their own). */
export const clusterArbOf = (options: { readonly staged?: boolean } = {}): fc.Arbitrary<Cluster> => fc
  .record({
    pods: fc.array(pod, { minLength: 2, maxLength: 6 }),
    profiles: fc.tuple(...PROFILES.map(userProfile)),
    calico: fc.integer({ min: 0, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => calicoPolicy(i)))),
    k8s: fc.integer({ min: 0, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => k8sPolicy(i)))),
    tierDefaults: fc.tuple(fc.constantFrom("Deny", "Pass"), fc.constantFrom("Deny", "Pass")),
    netset: fc.boolean(),
    nsNetset: fc.option(fc.constantFrom(...NAMESPACES), { nil: undefined }),
    teamX: fc.constantFrom(...NAMESPACES),
    hosts: fc.oneof({ weight: 2, arbitrary: fc.constant<(HostSpec | undefined)[]>([]) }, { weight: 1, arbitrary: fc.array(fc.option(hostEndpoint, { nil: undefined }), { minLength: 3, maxLength: 3 }) }),
    hostPolicies: fc.integer({ min: 0, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => hostPolicy(i)))),
    cnps: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => clusterNetworkPolicy(i)))),
    staged: (options.staged === false ? fc.constant(0) : fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) })).chain((n) =>
      fc.tuple(...Array.from({ length: n }, (_, i) => stagedPolicy(i))),
    ),
    dual: fc.boolean(),
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
    docs.push(...c.calico, ...c.k8s, ...c.cnps);
    const hosts: string[] = [];
    c.hosts.forEach((h, n) => {
      if (!h) return;
      const node = NODES[n]!;
      hosts.push(node);
      docs.push({
        apiVersion: "projectcalico.org/v3",
        kind: "HostEndpoint",
        // Calico applies no untracked policy to `*`: it has no role, which the doNotTrack policies select by.
        metadata: { name: h.wildcard ? `${node}-all` : `${node}-eth0`, labels: h.wildcard ? { scope: "all" } : { role: h.role } },
        spec: {
          node,
          interfaceName: h.wildcard ? "*" : "eth0",
          expectedIPs: [hostIp(node)],
          ...(h.profiles.length > 0 && { profiles: h.profiles }),
          ...(h.ports && { ports: [{ name: "http", port: 80, protocol: "TCP" }] }),
        },
      });
    });
    if (hosts.length > 0) docs.push(...c.hostPolicies);
    if (c.hosts.some((h) => h !== undefined && h.profiles.length > 0) && !docs.includes(c.profiles[0])) docs.push(...c.profiles);
    // A staged policy sharing a kind, namespace and name with another is refused: keep the first.
    const seen = new Set<string>();
    const staged = c.staged.filter((s) => {
      const key = `${s.kind}/${(s.metadata as { namespace?: string }).namespace ?? ""}/${s.metadata.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    docs.push(...staged);
    const yaml = docs.map((d) => stringify(d, { version: "1.1" })).join("---\n");
    return { yaml: c.dual ? dualStack(yaml) : yaml, pods, staged: staged.length > 0, hosts, dual: c.dual };
  });

export const clusterArb: fc.Arbitrary<Cluster> = clusterArbOf();

export function flowArb(cluster: Cluster): fc.Arbitrary<Flow> {
  const podPeer = fc.constantFrom(...cluster.pods).map((p): FlowPeer => ({ kind: "pod", ...p }));
  const ipPeer = fc.constantFrom(...OUTSIDE_IPS, "10.0.2.99", "192.168.2.50", "172.16.0.9").map((ip): FlowPeer => ({ kind: "ip", ip }));
  const local = cluster.hosts.length > 0 ? fc.oneof({ weight: 3, arbitrary: podPeer }, { weight: 1, arbitrary: fc.constantFrom(...cluster.hosts).map((node): FlowPeer => ({ kind: "host", node })) }) : podPeer;
  const distinct = ([a, b]: [FlowPeer, FlowPeer]): boolean => JSON.stringify(a) !== JSON.stringify(b) && !(a.kind === "host" && b.kind === "host" && a.node === b.node);
  const ends = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(local, local).filter(distinct) },
    { weight: 1, arbitrary: fc.tuple(local, ipPeer) },
    { weight: 1, arbitrary: fc.tuple(ipPeer, local) },
  );
  const l4 = fc.oneof(
    fc.record(
      { protocol: fc.constantFrom("TCP" as const, "UDP" as const, "SCTP" as const), port: fc.constantFrom(...PORTS, 60, 450, 8500, 22, 179), srcPort: fc.constantFrom(53, 1024, 8080, 35000, 50000) },
      { requiredKeys: ["protocol", "port"] },
    ),
    fc.record({ protocol: fc.constant("ICMP" as const), icmp: fc.record({ type: fc.constantFrom(0, 8), code: fc.constant(0) }) }),
  );
  const family = cluster.dual ? fc.constantFrom<4 | 6>(4, 6) : fc.constant<4 | 6>(4);
  return fc.tuple(ends, l4, family).map(([[from, to], l, v]) => {
    if (v === 4) return { from, to, ...l };
    // IPv6: outside addresses and host addresses become their twins; ICMP is ICMPv6 (echo 128/129).
    const six = (p: FlowPeer): FlowPeer => (p.kind === "ip" ? { kind: "ip", ip: v6Twin(p.ip) } : p.kind === "host" ? { ...p, ip: v6Twin(hostIp(p.node)) } : p);
    const icmp = l.protocol === "ICMP" ? { icmp: { type: l.icmp!.type === 8 ? 128 : 129, code: 0 } } : {};
    return { from: six(from), to: six(to), ...l, ...icmp, ipVersion: 6 as const };
  });
}
