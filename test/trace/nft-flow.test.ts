/**
 * explainFlow and the matrix over the nftables dataplane, before the nftables renderer exists:
 * a test compiler builds each node's worked `ip calico` table (nft-worked.ts) for a model whose
 * one policy means what the worked table's policy chain does (allow TCP 80/443 from clients to
 * web pods). The nftables verdicts must equal the iptables ones the real compiler gives for the
 * same model, on every pair; explain names the nft chains, stages, rule text and policy origin.
 */
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import type { Model } from "../../src/model/types.js";
import type { CompileOptions } from "../../src/render/compile.js";
import type { RuleOrigins } from "../../src/render/origins.js";
import { FlowTracer, reachabilityMatrix, type NftCompiler, type TraceProtocol } from "../../src/trace/index.js";
import { POLICY_RULE_HASH, workedTable } from "./nft-worked.js";

const pod = (name: string, node: string, ip: string, labels: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default, labels: {${labels}}}\nspec: {nodeName: ${node}, containers: [{name: c, image: i}]}\nstatus: {phase: Running, podIP: ${ip}}\n`;
const POLICY =
  "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-http, namespace: default}\n" +
  "spec: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{podSelector: {matchLabels: {role: client}}}], ports: [{protocol: TCP, port: 80}, {protocol: TCP, port: 443}]}]}\n";
const docs = [
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n",
  pod("web-1", "node-1", "10.65.0.7", "app: web"),
  pod("client-1", "node-1", "10.65.0.8", "role: client"),
  pod("web-2", "node-2", "10.65.1.7", "app: web"),
  pod("client-2", "node-2", "10.65.1.8", "role: client"),
  pod("other", "node-2", "10.65.1.9", "role: other"),
  POLICY,
];
const sources = docs.map((text, i) => ({ file: `d${i}.yaml`, text }));
const { model } = loadSources(sources);

/** The worked table of a node: its pods, allow-http on web pods, the client pods' addresses in the selector set. */
const worked: NftCompiler = {
  kind: "nftables",
  compile(m: Model, options: CompileOptions) {
    const local = m.endpoints.filter((e) => e.node === options.node);
    const address = (e: Model["endpoints"][number]): string => (e.ipNetworks[0] as string).split("/")[0] as string;
    const state = workedTable(
      local.map((e) => ({ iface: e.interfaceName, ip: address(e), allowHttp: e.labels.app === "web" })),
      m.endpoints.filter((e) => e.labels.role === "client").map(address),
    );
    const origins: RuleOrigins = {
      kind: "RuleOrigins",
      byHash: new Map([[POLICY_RULE_HASH, { kind: "policyRule" as const, policyKind: "knp" as const, namespace: "default", name: "allow-http", tier: "default", direction: "ingress" as const, ruleIndex: 0, action: "Allow" }]]),
      groups: new Map(),
    };
    return { state, origins };
  },
};

describe("the nftables dataplane through explain and the matrix", () => {
  it.each([
    ["TCP", 80],
    ["TCP", 443],
    ["TCP", 22],
    ["UDP", 80],
    ["ICMP", undefined],
  ] as const)("every pair's verdict is the iptables one: %s/%s", (protocol: TraceProtocol, port) => {
    const options = { protocol, ...(port !== undefined && { port }) };
    const ipt = reachabilityMatrix(model, options);
    const nft = reachabilityMatrix(model, { ...options, dataplane: worked });
    const verdicts = (m: typeof ipt) => [...m.pairs()].map((p) => `${p.from} -> ${p.to}: ${p.verdict}`);
    expect(verdicts(nft)).toEqual(verdicts(ipt));
    // Not all allow or all deny: the policy decides some pairs.
    expect(new Set([...nft.pairs()].map((p) => p.verdict)).size).toBe(2);
    // The class matrix equals tracing each pair alone.
    const tracer = new FlowTracer(model, { dataplane: worked });
    for (const p of nft.pairs()) {
      const [fromNs, from] = p.from.split("/") as [string, string];
      const [toNs, to] = p.to.split("/") as [string, string];
      const e = tracer.explain({ from: { kind: "pod", namespace: fromNs, name: from }, to: { kind: "pod", namespace: toNs, name: to }, protocol, ...(port !== undefined && { port }) });
      expect(e.verdict, `${p.from} -> ${p.to}`).toBe(p.verdict);
    }
  });

  it("explain names the nft stage, chain, rule text and the policy behind it", () => {
    const e = new FlowTracer(model, { sources, dataplane: worked }).explain({ from: { kind: "pod", namespace: "default", name: "client-2" }, to: { kind: "pod", namespace: "default", name: "web-1" }, protocol: "TCP", port: 80 });
    expect(e.verdict).toBe("allow");
    const ingress = e.hops.find((h) => h.direction === "ingress" && h.endpoint === "default/web-1");
    expect(ingress).toMatchObject({ node: "node-1", table: "filter", hook: "FORWARD", verdict: "allow" });
    expect(ingress?.decidedBy).toMatchObject({
      kind: "policyRule",
      summary: "KubernetesNetworkPolicy default/allow-http (tier default) ingress rule 0 (Allow)",
      chain: "filter-cali-pi-np/default/allow-http",
      rule: 0,
      hash: `cali:${POLICY_RULE_HASH}`,
      nft: "meta l4proto tcp ip saddr @cali40s-cttW8MqAIeVWez-m8dwR9b3 tcp dport { 80, 443 } counter meta mark set mark or 0x10000",
    });
    expect(ingress?.decidedBy).not.toHaveProperty("iptables");
    expect(ingress?.chains).toContain("filter-cali-tw-" + model.endpoints.find((x) => x.name === "web-1")?.interfaceName);
  });

  it("a denied flow names the end-of-tier drop", () => {
    const e = new FlowTracer(model, { dataplane: worked }).explain({ from: { kind: "pod", namespace: "default", name: "other" }, to: { kind: "pod", namespace: "default", name: "web-2" }, protocol: "TCP", port: 80 });
    expect(e.verdict).toBe("deny");
    const deny = e.hops.find((h) => h.verdict === "deny");
    expect(deny?.decidedBy).toMatchObject({ chain: expect.stringMatching(/^filter-cali-tw-cali/), rule: 6, nft: "meta mark & 0x20000 == 0 counter drop" });
  });
});
