/**
 * `performanceHints: [AssumeNeededOnEveryNode]` (calico-332.md §5.3): Felix treats the policy as
 * active on every node, force-programs its filter-table chains (both directions) and programs the
 * ipsets its rules reference, even on a node where no endpoint uses it. Mangle and raw copies are
 * not forced, endpoint chains are unchanged, and verdicts never change.
 */
import { describe, expect, it } from "vitest";
import { compile, renderRestore } from "../../src/render/index.js";
import { load } from "../ipv6/fixtures.js";

const pod = (name: string, node: string, ip: string, app: string): string => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {app: ${app}}}
spec: {nodeName: ${node}, containers: [{name: main, image: x}]}
status: {podIP: ${ip}, podIPs: [{ip: ${ip}}]}
`;

const policy = (hinted: boolean, extra = ""): string => `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: db-ingress}
spec:
  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'api'}
    destination: {ports: [5432]}
${hinted ? "  performanceHints: [AssumeNeededOnEveryNode]\n" : ""}${extra}`;

const hostEndpoint = `---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-2-eth0, labels: {role: host}}
spec: {node: node-2, interfaceName: eth0, expectedIPs: [192.0.2.2]}
`;

// db runs on node-1 only; node-2 has an api pod and nothing the policy selects.
const cluster = (hinted: boolean, more = ""): string =>
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n" + pod("db", "node-1", "10.65.0.1", "db") + pod("api", "node-2", "10.65.0.2", "api") + policy(hinted) + more;

const chainNames = (text: string, node: string): string[] => compile(load(text), { node }).chains.map((c) => c.name).filter((n) => n.startsWith("cali-p"));

describe("AssumeNeededOnEveryNode", () => {
  it("without the hint, a node where nothing uses the policy gets no chain and no set", () => {
    const state = compile(load(cluster(false)), { node: "node-2" });
    expect(state.chains.map((c) => c.name).filter((n) => n.includes("gnp/db-ingress"))).toEqual([]);
    expect(state.ipsets).toEqual([]);
  });

  it("with it, that node programs both chains and the source set (with its cluster-wide members)", () => {
    const state = compile(load(cluster(true)), { node: "node-2" });
    expect(state.chains.map((c) => c.name).filter((n) => n.includes("gnp/db-ingress"))).toEqual(["cali-pi-gnp/db-ingress", "cali-po-gnp/db-ingress"]);
    expect(state.ipsets.map((s) => s.members)).toEqual([["10.65.0.2/32"]]);
    // The egress chain of an ingress-only policy holds just its comment; nothing jumps to either.
    const restore = renderRestore(state).iptables;
    expect(restore).toMatch(/-A cali-po-gnp\/db-ingress -m comment --comment "cali:[\w-]{16}" -m comment --comment "GlobalNetworkPolicy db-ingress egress"\n/);
    expect(restore).not.toMatch(/--jump cali-p[io]-gnp\/db-ingress/);
  });

  it("the node that uses it renders exactly what it renders without the hint, plus the unused direction's chain", () => {
    const plain = chainNames(cluster(false), "node-1");
    const hinted = chainNames(cluster(true), "node-1");
    expect(hinted).toEqual([...plain, "cali-po-gnp/db-ingress"].sort());
  });

  it("with host endpoints on the node, the forced chains stay in filter and are not copied into mangle or raw", () => {
    const state = compile(load(cluster(true, hostEndpoint)), { node: "node-2" });
    expect(state.chains.map((c) => c.name)).toEqual(expect.arrayContaining(["cali-pi-gnp/db-ingress", "cali-po-gnp/db-ingress"]));
    for (const t of state.tables ?? []) expect(t.chains.map((c) => c.name).filter((n) => n.includes("db-ingress"))).toEqual([]);
  });
});
