import type { EndpointTier, LocalEndpoint, NodeView, ResolvedPolicy, ResolvedProfile, ResolvedRule } from "../../src/resolve/types.js";

/** A rule with every field empty; tests override what they exercise. */
export function resolvedRule(overrides: Partial<ResolvedRule> = {}): ResolvedRule {
  return {
    kind: "ResolvedRule",
    action: "Allow",
    srcNets: [],
    notSrcNets: [],
    dstNets: [],
    notDstNets: [],
    srcPorts: [],
    notSrcPorts: [],
    dstPorts: [],
    notDstPorts: [],
    srcIpSets: [],
    notSrcIpSets: [],
    dstIpSets: [],
    notDstIpSets: [],
    srcNamedPortIpSets: [],
    notSrcNamedPortIpSets: [],
    dstNamedPortIpSets: [],
    notDstNamedPortIpSets: [],
    annotations: {},
    ...overrides,
  };
}

/** The setup of felix-dataplane.md §3.1 / §6.5: pod cali1234, np default/allow-http, k8s profiles. */
/** An endpoint tier of enforced policies, each with a selector of its own (so no two group). */
export function tierOf(name: string, defaultAction: "Deny" | "Pass", policies: string[]): EndpointTier {
  return { name, defaultAction, policies, members: policies.map((id) => ({ id, selector: `id == "${id}"`, staged: false })) };
}

export function allowHttpView(): NodeView {
  const endpoint: LocalEndpoint = {
    kind: "LocalEndpoint",
    key: "default/pod",
    interfaceName: "cali1234",
    ingressTiers: [tierOf("default", "Deny", ["np/default/allow-http"])],
    egressTiers: [],
    profiles: ["kns.default", "ksa.default.default"],
  };
  const policy: ResolvedPolicy = {
    kind: "ResolvedPolicy",
    id: "np/default/allow-http",
    policyKind: "np",
    name: "allow-http",
    namespace: "default",
    ingress: [
      resolvedRule({
        protocol: "tcp",
        srcIpSets: ["cali40s:cttW8MqAIeVWez-m8dwR9b3"],
        dstPorts: [
          { first: 80, last: 80 },
          { first: 443, last: 443 },
        ],
      }),
    ],
  };
  const profiles: ResolvedProfile[] = [
    { kind: "ResolvedProfile", name: "kns.default", ingress: [resolvedRule()], egress: [resolvedRule()] },
    { kind: "ResolvedProfile", name: "ksa.default.default", ingress: [], egress: [] },
  ];
  return { kind: "NodeView", node: "node-1", ipVersion: 4, endpoints: [endpoint], policies: [policy], profiles, ipsets: [] };
}
