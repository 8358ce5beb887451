/**
 * Random source changes for the engine laws (law.test.ts: iptables; nft-law.test.ts: native
 * nftables): see law.test.ts for what they cover.
 */
import fc from "fast-check";
import type { SourceChange } from "../../../src/agent/engine/index.js";
import { del, namespaceJson, podJson, put } from "./cluster.js";

const NAMESPACES = ["ns-a", "ns-b", "ns-c"];
const PODS = ["p1", "p2", "p3", "p4", "p5"];
const LABEL = fc.record({ app: fc.constantFrom("web", "api", "db"), tier: fc.constantFrom("x", "y") }, { requiredKeys: [] });
const SELECTORS = ["app == 'web'", "app == 'api' || tier == 'x'", "has(tier)", "all()", "!has(app)", "app in {'web', 'db'} && tier != 'y'", "pcns.team == 'red'"];
const NODE = fc.constantFrom("n1", "n1", "n2");
const IP = fc.constantFrom("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1", undefined);

const pod = fc.record({ ns: fc.constantFrom(...NAMESPACES), name: fc.constantFrom(...PODS), node: NODE, ip: IP, labels: LABEL, sa: fc.constantFrom(undefined, "sa1"), named: fc.constantFrom(undefined, "TCP", "UDP"), phase: fc.constantFrom("Running", "Running", "Running", "Succeeded") }).map((p): SourceChange => {
  const text = JSON.parse(podJson({ ...p, ...(p.named ? { ports: [{ name: "http", containerPort: 8080, protocol: p.named }] } : {}) })) as { status: { phase: string } };
  text.status.phase = p.phase;
  return put(`pods/${p.ns}/${p.name}`, JSON.stringify(text));
});
const podDelete = fc.record({ ns: fc.constantFrom(...NAMESPACES), name: fc.constantFrom(...PODS) }).map((p) => del(`pods/${p.ns}/${p.name}`));
const namespace = fc.record({ ns: fc.constantFrom(...NAMESPACES), team: fc.constantFrom("red", "blue") }).map((n) => put(`namespaces/${n.ns}`, namespaceJson(n.ns, { team: n.team })));
const namespaceDelete = fc.constantFrom(...NAMESPACES).map((ns) => del(`namespaces/${ns}`));

const entity = fc.record(
  { selector: fc.constantFrom(...SELECTORS), namespaceSelector: fc.constantFrom("team == 'red'", "all()"), nets: fc.constantFrom(["10.0.0.0/24"], ["192.168.0.0/16"]), ports: fc.constantFrom([80], ["http"], [80, "http"]) },
  { requiredKeys: [] },
);
const calicoRule = fc.record({ action: fc.constantFrom("Allow", "Deny", "Pass", "Log"), source: entity, destination: entity }).map((r) => ({ ...r, protocol: "TCP" }));
const calicoPolicy = fc.record({
  global: fc.boolean(),
  ns: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom("cp1", "cp2", "cp3"),
  tier: fc.constantFrom(undefined, "default", "security"),
  order: fc.constantFrom(undefined, 10, 100),
  selector: fc.constantFrom(...SELECTORS),
  ingress: fc.array(calicoRule, { maxLength: 2 }),
  egress: fc.array(calicoRule, { maxLength: 2 }),
  // AssumeNeededOnEveryNode: chains and sets on every node, used or not.
  hinted: fc.constantFrom(false, false, false, true),
}).map((p) =>
  put(
    `policies/${p.global ? "gnp" : `np/${p.ns}`}/${p.name}`,
    JSON.stringify({
      apiVersion: "projectcalico.org/v3",
      kind: p.global ? "GlobalNetworkPolicy" : "NetworkPolicy",
      metadata: { name: p.name, ...(p.global ? {} : { namespace: p.ns }) },
      spec: { ...(p.tier ? { tier: p.tier } : {}), ...(p.order !== undefined ? { order: p.order } : {}), selector: p.selector, ingress: p.ingress, egress: p.egress, ...(p.hinted ? { performanceHints: ["AssumeNeededOnEveryNode"] } : {}) },
    }),
  ),
);
const k8sPolicy = fc.record({ ns: fc.constantFrom(...NAMESPACES), name: fc.constantFrom("kp1", "kp2"), app: fc.constantFrom("web", "api"), from: fc.constantFrom("db", "web"), team: fc.constantFrom("red", "blue") }).map((p) =>
  put(
    `policies/knp/${p.ns}/${p.name}`,
    JSON.stringify({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: p.name, namespace: p.ns },
      spec: { podSelector: { matchLabels: { app: p.app } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: p.from } } }, { namespaceSelector: { matchLabels: { team: p.team } } }], ports: [{ port: 80 }, { port: "http" }] }] },
    }),
  ),
);
// Staged policies: the same names as the enforced ones (so Set replaces and Delete removes a
// namesake once promoted), every stagedAction, changed and removed; never enforced.
const stagedPolicy = fc
  .record({
    kind: fc.constantFrom("snp", "sgnp", "sknp"),
    ns: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom("cp1", "cp2", "kp1"),
    action: fc.constantFrom("Set", "Delete", "Learn", "Ignore", undefined),
    tier: fc.constantFrom(undefined, "security"),
    selector: fc.constantFrom(...SELECTORS),
    ingress: fc.array(calicoRule, { maxLength: 2 }),
    egress: fc.array(calicoRule, { maxLength: 1 }),
    app: fc.constantFrom("web", "api"),
  })
  .map((p) => {
    const action = p.action === undefined ? {} : { stagedAction: p.action };
    const spec =
      p.action === "Delete"
        ? { ...action, ...(p.kind !== "sknp" && p.tier ? { tier: p.tier } : {}) }
        : p.kind === "sknp"
          ? { ...action, podSelector: { matchLabels: { app: p.app } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ port: 80 }] }] }
          : { ...action, ...(p.tier ? { tier: p.tier } : {}), selector: p.selector, ingress: p.ingress, egress: p.egress };
    const kind = { snp: "StagedNetworkPolicy", sgnp: "StagedGlobalNetworkPolicy", sknp: "StagedKubernetesNetworkPolicy" }[p.kind];
    const global = p.kind === "sgnp";
    return put(
      `policies/${p.kind}/${global ? "" : `${p.ns}/`}${p.name}`,
      JSON.stringify({ apiVersion: "projectcalico.org/v3", kind, metadata: { name: p.name, ...(global ? {} : { namespace: p.ns }) }, spec }),
    );
  });
const stagedDelete = fc.constantFrom("policies/snp/ns-a/cp1", "policies/sgnp/cp2", "policies/sknp/ns-a/kp1", "policies/snp/ns-b/cp2").map(del);
// ClusterNetworkPolicies: both tiers, both subjects, protocol-less named ports (members under each
// pod's own protocol), fail-closed rules (a nodes peer) and a policy Felix rejects (port "8080").
const cnpSelector = fc.constantFrom({}, { matchLabels: { team: "red" } }, { matchExpressions: [{ key: "app", operator: "In", values: ["web", "db"] }] });
const cnpPeer = fc.oneof(cnpSelector.map((s) => ({ namespaces: s })), fc.record({ namespaceSelector: cnpSelector, podSelector: cnpSelector }).map((p) => ({ pods: p })));
const cnpProtocols = fc.constantFrom(undefined, [{ destinationNamedPort: "http" }], [{ tcp: { destinationPort: { number: 80 } } }, { destinationNamedPort: "http" }], [{ udp: { destinationPort: { range: { start: 8000, end: 8080 } } } }]);
const cnpRule = (peers: fc.Arbitrary<unknown>) => fc.record({ name: fc.constantFrom(undefined, "r"), action: fc.constantFrom("Accept", "Deny", "Pass"), peers: fc.array(peers, { minLength: 1, maxLength: 2 }), protocols: cnpProtocols });
const cnpEgressPeer = fc.oneof({ weight: 3, arbitrary: cnpPeer }, { weight: 1, arbitrary: fc.constant({ networks: ["10.0.0.0/24", "fd00::/64"] }) }, { weight: 1, arbitrary: fc.constant({ nodes: {} }) });
const cnpPolicy = fc.record({
  name: fc.constantFrom("cnp1", "cnp2"),
  tier: fc.constantFrom("Admin", "Baseline"),
  priority: fc.constantFrom(1, 5),
  subject: fc.oneof(cnpSelector.map((s) => ({ namespaces: s })), fc.record({ podSelector: cnpSelector }).map((p) => ({ pods: p }))),
  ingress: fc.array(cnpRule(cnpPeer), { maxLength: 2 }),
  egress: fc.array(cnpRule(cnpEgressPeer), { maxLength: 2 }),
  iana: fc.constantFrom(true, true, true, false),
}).map((p) => {
  const rule = (dir: "from" | "to") => (r: { name: string | undefined; action: string; peers: unknown[]; protocols: readonly unknown[] | undefined }) => {
    // The experimental CRD refuses a named port beside a nodes peer: keep the inputs valid.
    const nodes = r.peers.some((x) => typeof x === "object" && x !== null && "nodes" in x);
    const protocols = nodes ? undefined : p.iana ? r.protocols : r.protocols?.map((x) => ("destinationNamedPort" in (x as object) ? { destinationNamedPort: "8080" } : x));
    return { ...(r.name ? { name: r.name } : {}), action: r.action, [dir]: r.peers, ...(protocols ? { protocols } : {}) };
  };
  return put(
    `policies/kcnp/${p.name}`,
    JSON.stringify({
      apiVersion: "policy.networking.k8s.io/v1alpha2",
      kind: "ClusterNetworkPolicy",
      metadata: { name: p.name },
      spec: { tier: p.tier, priority: p.priority, subject: p.subject, ingress: p.ingress.map(rule("from")), egress: p.egress.map(rule("to")) },
    }),
  );
});
const policyDelete = fc.constantFrom("policies/gnp/cp1", "policies/np/ns-a/cp2", "policies/np/ns-b/cp1", "policies/knp/ns-a/kp1", "policies/gnp/cp2", "policies/kcnp/cnp1", "policies/kcnp/cnp2").map(del);
const netset = fc.record({ name: fc.constantFrom("s1", "s2"), app: fc.constantFrom("web", "db"), nets: fc.constantFrom(["10.0.0.0/24"], ["172.16.0.0/12", "10.0.0.2/32"]) }).map((s) =>
  put(`netsets/${s.name}`, JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkSet", metadata: { name: s.name, labels: { app: s.app } }, spec: { nets: s.nets } })),
);
const wep = fc.record({ ns: fc.constantFrom(...NAMESPACES), name: fc.constantFrom("w1", "p1"), node: NODE, ip: fc.constantFrom("10.0.0.9/32", "10.0.0.1/32"), labels: LABEL, profiles: fc.subarray(["kns.ns-a", "ksa.ns-b.sa1", "prof1"]), iface: fc.constantFrom(undefined, "caliw1") }).map((w) =>
  put(
    `weps/${w.ns}/${w.name}`,
    JSON.stringify({
      apiVersion: "projectcalico.org/v3",
      kind: "WorkloadEndpoint",
      metadata: { name: w.name, namespace: w.ns, labels: w.labels },
      spec: { node: w.node, ...(w.iface ? { interfaceName: w.iface } : { pod: w.name }), ipNetworks: [w.ip], profiles: w.profiles },
    }),
  ),
);
const rare = fc.oneof(
  fc.constantFrom(
    put("tiers/security", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 100 } })),
    put("tiers/security", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 2000000, defaultAction: "Pass" } })),
    del("tiers/security"),
    put("tiers/security", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 5, defaultAction: "Deny" } })),
    put("tiers/copy", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 7 } })),
    del("tiers/copy"),
    put("profiles/prof1", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "prof1" }, spec: { labelsToApply: { tier: "x" }, ingress: [{ action: "Allow", source: { selector: "app == 'db'" } }] } })),
    put("profiles/prof1", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "prof1" }, spec: { labelsToApply: { app: "web" }, egress: [{ action: "Deny", destination: { selector: "tier == 'x'" } }] } })),
    del("profiles/prof1"),
    put("profiles/kns", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "kns.ns-a" }, spec: { labelsToApply: { team: "red" } } })),
    del("profiles/kns"),
    put("profiles/ksa", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "ksa.ns-b.sa1" }, spec: { labelsToApply: { tier: "y" } } })),
    del("profiles/ksa"),
    put("sas/ns-b/sa1", JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa1", namespace: "ns-b", labels: { role: "admin" } } })),
    put("sas/ns-b/sa1", JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa1", namespace: "ns-b", labels: { role: "viewer", app: "api" } } })),
    del("sas/ns-b/sa1"),
    put("sas/ns-a/default", JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "ns-a", labels: { app: "db" } } })),
    del("sas/ns-a/default"),
    put("heps/h1", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "h1", labels: { app: "web" } }, spec: { node: "n2", expectedIPs: ["10.0.3.1"] } })),
    put("heps/h2", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "h2" }, spec: { node: "n1", interfaceName: "eth0" } })),
    del("heps/h1"),
    del("heps/h2"),
    put("bad.yaml", "kind: [unclosed"),
    put("pods/ns-a/p1", '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p1", "namespace": "ns-a"}, "spec": {"containers": "no"}}'),
    put("dup/ns-a/p2", podJson({ ns: "ns-a", name: "p2", node: "n1", ip: "10.0.0.7", labels: { app: "web" } })),
    del("dup/ns-a/p2"),
  ),
);
export const change: fc.Arbitrary<SourceChange> = fc.oneof(
  { weight: 6, arbitrary: pod },
  { weight: 2, arbitrary: podDelete },
  { weight: 2, arbitrary: namespace },
  { weight: 1, arbitrary: namespaceDelete },
  { weight: 3, arbitrary: calicoPolicy },
  { weight: 2, arbitrary: k8sPolicy },
  { weight: 2, arbitrary: cnpPolicy },
  { weight: 2, arbitrary: policyDelete },
  { weight: 2, arbitrary: stagedPolicy },
  { weight: 1, arbitrary: stagedDelete },
  { weight: 1, arbitrary: netset },
  { weight: 1, arbitrary: wep },
  { weight: 2, arbitrary: rare },
);

/*
 * Policy groups (render/policy-groups.ts): seven global policies over two selectors, two tiers
 * and three orders, so runs of equal selector form, grow past the block of five, split when a
 * policy's selector or order changes and break when one leaves; host endpoint flags put groups in
 * the forward, mangle (pre-DNAT) and raw (untracked) chains too; pods and the host endpoint come
 * and go, so group chains gain and lose their last user.
 */
const GROUP_SELECTORS = ["app == 'web'", "has(tier)"];
const groupRule = fc.record({ action: fc.constantFrom("Allow", "Deny", "Pass"), port: fc.constantFrom(80, 81) }).map((r) => ({ action: r.action, protocol: "TCP", destination: { ports: [r.port] } }));
const groupPolicy = fc
  .record({
    name: fc.constantFrom("g1", "g2", "g3", "g4", "g5", "g6", "g7"),
    tier: fc.constantFrom(undefined, undefined, "security"),
    order: fc.constantFrom(undefined, 10, 20),
    selector: fc.constantFrom(...GROUP_SELECTORS, ...GROUP_SELECTORS, "app == 'api'"),
    flags: fc.constantFrom({}, {}, {}, { applyOnForward: true }, { applyOnForward: true, preDNAT: true }, { applyOnForward: true, doNotTrack: true }),
    types: fc.constantFrom(["Ingress"], ["Egress"], ["Ingress", "Egress"]),
    rule: groupRule,
  })
  .map((p) => {
    const preDNAT = "preDNAT" in p.flags;
    const types: readonly string[] = preDNAT ? ["Ingress"] : p.types;
    return put(
      `policies/gnp/${p.name}`,
      JSON.stringify({
        apiVersion: "projectcalico.org/v3",
        kind: "GlobalNetworkPolicy",
        metadata: { name: p.name },
        spec: { ...(p.tier ? { tier: p.tier } : {}), ...(p.order !== undefined ? { order: p.order } : {}), selector: p.selector, types, ...p.flags, ...(types.includes("Ingress") && { ingress: [p.rule] }), ...(types.includes("Egress") && { egress: [p.rule] }) },
      }),
    );
  });
const groupPolicyDelete = fc.constantFrom("g1", "g2", "g3", "g4", "g5", "g6", "g7").map((n) => del(`policies/gnp/${n}`));
const groupHost = fc.constantFrom(
  put("heps/hg", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "hg", labels: { app: "web", tier: "x" } }, spec: { node: "n1", interfaceName: "eth0", expectedIPs: ["10.0.3.1"] } })),
  put("heps/hg", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "hg", labels: { app: "web" } }, spec: { node: "n1", interfaceName: "eth0", expectedIPs: ["10.0.3.1"] } })),
  del("heps/hg"),
);
/** A batch that puts five to seven of the policies with one selector and tier: a run past the block of five. */
export const groupBurst = fc
  .record({ count: fc.integer({ min: 5, max: 7 }), selector: fc.constantFrom(...GROUP_SELECTORS), tier: fc.constantFrom(undefined, "security"), forward: fc.boolean(), rule: groupRule })
  .map((b): SourceChange[] =>
    Array.from({ length: b.count }, (_, i) =>
      put(
        `policies/gnp/g${i + 1}`,
        JSON.stringify({
          apiVersion: "projectcalico.org/v3",
          kind: "GlobalNetworkPolicy",
          metadata: { name: `g${i + 1}` },
          spec: { ...(b.tier ? { tier: b.tier } : {}), order: 10, selector: b.selector, ...(b.forward && { applyOnForward: true }), ingress: [b.rule], egress: [b.rule] },
        }),
      ),
    ),
  );
export const SECURITY_TIER = put("tiers/security", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 100 } }));
export const groupChange: fc.Arbitrary<SourceChange> = fc.oneof(
  { weight: 6, arbitrary: groupPolicy },
  { weight: 2, arbitrary: groupPolicyDelete },
  { weight: 3, arbitrary: pod },
  { weight: 1, arbitrary: podDelete },
  { weight: 1, arbitrary: groupHost },
  { weight: 1, arbitrary: fc.constantFrom(SECURITY_TIER, put("tiers/security", JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 2000000, defaultAction: "Pass" } }))) },
);

