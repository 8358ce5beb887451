/**
 * explain and matrix on ClusterNetworkPolicies (the cnp-* golden scenarios): the verdicts the
 * API asks for where Calico implements it, and the deciding rule named as written: the kind
 * `KubernetesClusterNetworkPolicy`, the tier, the rule's index in spec.ingress/spec.egress (a
 * dropped Accept rule leaves a gap, it does not renumber), its file and line, and what a
 * fail-closed rule stands for. Protocol-less named ports are traced by each member's own protocol.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import type { Model } from "../../src/model/types.js";
import { explainFlow, reachabilityMatrix, type Flow } from "../../src/trace/index.js";

const golden = resolve(import.meta.dirname, "../../golden");

function scenario(name: string): Model {
  const dir = join(golden, name, "input");
  const sources = readdirSync(dir).sort().map((f) => ({ file: `${name}/input/${f}`, text: readFileSync(join(dir, f), "utf8") }));
  const { model, diagnostics } = loadSources(sources);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return model;
}

const pod = (ref: string) => {
  const [namespace, name] = ref.split("/") as [string, string];
  return { kind: "pod", namespace, name } as const;
};
const flow = (from: string, to: string, protocol: Flow["protocol"], port?: number): Flow => ({ from: pod(from), to: pod(to), protocol, ...(port !== undefined ? { port } : {}) });

/** The verdict and, for the hop that denied (else the one of `direction`), what decided it and in which file. */
function explain(model: Model, f: Flow, direction: "ingress" | "egress" = "ingress") {
  const e = explainFlow(model, f);
  const hop = e.hops.find((h) => h.verdict === "deny") ?? e.hops.find((h) => h.direction === direction);
  const d = hop?.decidedBy;
  return { verdict: e.verdict, by: d?.summary, file: d?.file };
}

describe("cnp-fail-closed (example 3)", () => {
  const model = scenario("cnp-fail-closed");

  it("denies a legacy pod's egress by the fail-closed Deny, named as egress rule 1 (pass-nodes), not rule 0", () => {
    expect(explain(model, flow("legacy/app", "web/front", "TCP", 80))).toEqual({
      verdict: "deny",
      by: 'KubernetesClusterNetworkPolicy legacy-guard (tier kube-admin) egress rule 1 (Deny: Calico\'s fail-closed Deny in place of the Pass rule "pass-nodes" (peer `nodes` is not implemented by Calico v3.32))',
      file: "cnp-fail-closed/input/policy.yaml",
    });
    const e = explainFlow(model, flow("legacy/app", "web/front", "TCP", 80));
    expect(e.hops[0]?.decidedBy).toMatchObject({ kind: "policyRule", policy: { kind: "KubernetesClusterNetworkPolicy", name: "legacy-guard", tier: "kube-admin" }, ruleIndex: 1, action: "Deny", chain: "cali-po-kcnp/legacy-guard" });
  });

  it.each([
    ["TCP to app's own http (80): the protocol-less named port", "web/front", "legacy/app", "TCP", 80, "allow"],
    ["UDP to cache's own http (5353): the same rule, no -p", "web/front", "legacy/cache", "UDP", 5353, "allow"],
    ["TCP 5353 to cache: its http port is UDP", "web/front", "legacy/cache", "TCP", 5353, "deny"],
    ["UDP 80 to app: its http port is TCP", "web/front", "legacy/app", "UDP", 80, "deny"],
    ["TCP 8080: the numeric rule", "web/front", "legacy/app", "TCP", 8080, "allow"],
    ["not a frontend: the NetworkPolicy denies", "web/other", "legacy/app", "TCP", 80, "deny"],
  ] as const)("ingress %s", (_name, from, to, protocol, port, verdict) => {
    expect(explain(model, flow(from, to, protocol, port)).verdict).toBe(verdict);
  });

  it("names the ingress rule that accepts over UDP", () => {
    expect(explain(model, flow("web/front", "legacy/cache", "UDP", 5353))).toEqual({
      verdict: "allow",
      by: "KubernetesClusterNetworkPolicy legacy-guard (tier kube-admin) ingress rule 0 (Allow)",
      file: "cnp-fail-closed/input/policy.yaml",
    });
  });

  it("the matrix agrees: no egress from legacy, frontend in over each pod's own protocol", () => {
    const m = reachabilityMatrix(model);
    expect(m.verdict("web/front", "legacy/cache", "UDP", 5353)).toBe("allow");
    expect(m.verdict("web/other", "legacy/cache", "UDP", 5353)).toBe("deny");
    expect(m.verdict("legacy/app", "legacy/cache", "UDP", 5353)).toBe("deny");
    expect(m.verdict("legacy/cache", "web/front", "TCP", 80)).toBe("deny");
  });
});

describe("cnp-example-sensitive-ns (example 1): Admin beats a NetworkPolicy", () => {
  const model = scenario("cnp-example-sensitive-ns");
  it.each([
    ["monitoring on a metrics port", "monitoring/prom", "sensitive/db", 9090, "allow", "KubernetesClusterNetworkPolicy sensitive-ns (tier kube-admin) ingress rule 0 (Allow)"],
    ["monitoring on another port: deny-others, although the NetworkPolicy allows all", "monitoring/prom", "sensitive/db", 5432, "deny", "KubernetesClusterNetworkPolicy sensitive-ns (tier kube-admin) ingress rule 1 (Deny)"],
    ["another namespace", "other/client", "sensitive/db", 9090, "deny", "KubernetesClusterNetworkPolicy sensitive-ns (tier kube-admin) ingress rule 1 (Deny)"],
  ] as const)("%s", (_name, from, to, port, verdict, by) => {
    expect(explain(model, flow(from, to, "TCP", port))).toMatchObject({ verdict, by });
  });
});

describe("cnp-baseline-dns (example 2): Baseline only for pods no NetworkPolicy selects", () => {
  const model = scenario("cnp-baseline-dns");
  it.each([
    ["web resolves over UDP", "prod/web", "kube-system/coredns", "UDP", 53, "allow", "KubernetesClusterNetworkPolicy default (tier kube-baseline) egress rule 0 (Allow)"],
    ["web to another pod: block-internet (0.0.0.0/0 covers pods)", "prod/web", "prod/batch", "TCP", 80, "deny", "KubernetesClusterNetworkPolicy default (tier kube-baseline) egress rule 1 (Deny)"],
    ["api cannot resolve: its NetworkPolicy decides in tier default", "prod/api", "kube-system/coredns", "UDP", 53, "deny", "end of tier default: no egress policy in it allowed or passed the packet (default deny)"],
  ] as const)("%s", (_name, from, to, protocol, port, verdict, by) => {
    expect(explain(model, flow(from, to, protocol, port), "egress")).toMatchObject({ verdict, by });
  });

  it("IPv6: web's block-internet drops in the IPv6 chain (the reference's hash of its DROP rule)", () => {
    const e = explainFlow(model, { ...flow("prod/web", "kube-system/coredns", "TCP", 80), ipVersion: 6 });
    expect(e.verdict).toBe("deny");
    expect(e.hops[0]?.decidedBy).toMatchObject({ summary: "KubernetesClusterNetworkPolicy default (tier kube-baseline) egress rule 1 (Deny)", chain: "cali-po-kcnp/default", hash: "cali:J1LyCfcXDDT56gRT" });
  });
});
