/**
 * Proves the harness itself, independently of the compiler: hand-written iptables/ipset restore
 * text is loaded into the node namespaces with the real tools and real traffic must follow it.
 * If these fail, kernel conformance failures elsewhere say nothing about the compiler.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadRestore, resetNode, saveFilter, type Backend } from "./harness/backend.js";
import { detectKernelSupport } from "./harness/preflight.js";
import { describeStep, probeStep, type ProbeStep } from "./harness/probe.js";
import { Reachability } from "./harness/reachability.js";
import { describeKernel } from "./harness/suite.js";
import { buildTopology, calicoInterfaceName, type PodSpec, type Topology } from "./harness/topology.js";

const support = await detectKernelSupport();

const PODS: readonly PodSpec[] = [
  ["x", "a", "node-1", "10.65.0.1"],
  ["x", "b", "node-2", "10.65.0.65"],
  ["y", "a", "node-1", "10.65.0.2"],
  ["y", "b", "node-2", "10.65.0.66"],
].map(([namespace, name, node, ip]) => ({
  namespace: namespace!,
  name: name!,
  node: node!,
  ip: ip!,
  interfaceName: calicoInterfaceName(namespace!, name!),
}));
const KEYS = PODS.map((p) => `${p.namespace}/${p.name}`);
const XA = calicoInterfaceName("x", "a");
const XB = calicoInterfaceName("x", "b");

const filter = (...rules: string[]): string => ["*filter", ...rules, "COMMIT", ""].join("\n");

describeKernel("harness self-test", support, (backend: Backend) => {
  let topo: Topology;
  const n1 = (): string => topo.node("node-1").netns;
  const n2 = (): string => topo.node("node-2").netns;

  async function check(step: ProbeStep, expected: Reachability): Promise<void> {
    const outcome = await probeStep(topo, step, expected);
    expect(outcome.mismatches, describeStep(outcome)).toEqual([]);
  }

  beforeAll(async () => {
    topo = await buildTopology({ tag: `self-${backend.name}`, nodes: ["node-1", "node-2"], pods: PODS, ports: [80, 81] });
  });
  afterAll(async () => {
    await topo?.destroy();
  });

  it("routes every pod pair, same node and across nodes, on TCP, UDP and ICMP echo", async () => {
    await check({ protocol: "TCP", port: 80 }, new Reachability(KEYS, true));
    await check({ protocol: "UDP", port: 81 }, new Reachability(KEYS, true));
    await check({ protocol: "ICMP" }, new Reachability(KEYS, true));
  });

  it("a FORWARD drop on x/a's cali interface blocks all ingress to x/a (right after allowed traffic: no conntrack leak)", async () => {
    await resetNode(n1(), backend);
    await loadRestore(n1(), backend, { ipsets: "", iptables: filter(`-A FORWARD -o ${XA} -m conntrack --ctstate NEW -j DROP`) });
    const expected = new Reachability(KEYS, true).expectAllIngress("x/a", false);
    await check({ protocol: "TCP", port: 80 }, expected);
    await check({ protocol: "UDP", port: 81 }, expected);
    // Every echo uses a fresh identifier, so none rides on the entries the first test created.
    await check({ protocol: "ICMP" }, expected);
  });

  it("an echo-request drop blocks ping only; echo replies of allowed pings come back (ESTABLISHED)", async () => {
    await resetNode(n1(), backend);
    await resetNode(n2(), backend);
    // On x/b's node: echo requests into x/b are dropped, and so is every echo reply that is not
    // ESTABLISHED, i.e. the replies of every ping through node-2 pass only because conntrack
    // tracked the request (as the compiled endpoint chains expect).
    await loadRestore(n2(), backend, {
      ipsets: "",
      iptables: filter(
        `-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        `-A FORWARD -p icmp -m icmp --icmp-type 0 -j DROP`,
        `-A FORWARD -o ${XB} -p icmp -m icmp --icmp-type 8 -j DROP`,
      ),
    });
    await check({ protocol: "ICMP" }, new Reachability(KEYS, true).expectAllIngress("x/b", false));
    await check({ protocol: "TCP", port: 80 }, new Reachability(KEYS, true));
  });

  it("a protocol- and port-specific rule only blocks that protocol and port", async () => {
    await resetNode(n1(), backend);
    await resetNode(n2(), backend);
    await loadRestore(n2(), backend, { ipsets: "", iptables: filter(`-A FORWARD -i ${XB} -p udp -m udp --dport 81 -j DROP`) });
    await check({ protocol: "UDP", port: 81 }, new Reachability(KEYS, true).expectAllEgress("x/b", false));
    await check({ protocol: "UDP", port: 80 }, new Reachability(KEYS, true));
    await check({ protocol: "TCP", port: 81 }, new Reachability(KEYS, true));
  });

  it("ipsets load with ipset restore and match inside the node namespace", async () => {
    await resetNode(n1(), backend);
    await resetNode(n2(), backend);
    await loadRestore(n1(), backend, {
      ipsets: "create pck-test hash:net family inet maxelem 1048576\nadd pck-test 10.65.0.66/32\n",
      iptables: filter(`-A FORWARD -o ${XA} -m conntrack --ctstate NEW -m set --match-set pck-test src -j DROP`),
    });
    expect(await saveFilter(n1(), backend)).toContain("--match-set pck-test src");
    await check({ protocol: "TCP", port: 80 }, new Reachability(KEYS, true).expect("y/b", "x/a", false));
  });

  it("reports a wrong expectation with the whole matrix (the harness can fail)", async () => {
    await resetNode(n1(), backend);
    await loadRestore(n1(), backend, { ipsets: "", iptables: filter(`-A FORWARD -o ${XA} -m conntrack --ctstate NEW -j DROP`) });
    const outcome = await probeStep(topo, { protocol: "TCP", port: 80 }, new Reachability(KEYS, true));
    expect(outcome.mismatches.map((m) => `${m.from}->${m.to}`).sort()).toEqual(["x/b->x/a", "y/a->x/a", "y/b->x/a"]);
    const text = describeStep(outcome);
    expect(text).toContain("3 mismatch(es)");
    expect(text).toContain("x/b -> x/a: expected connected, observed blocked");

    const echo = await probeStep(topo, { protocol: "ICMP" }, new Reachability(KEYS, true));
    expect(echo.mismatches.map((m) => `${m.from}->${m.to}`).sort()).toEqual(["x/b->x/a", "y/a->x/a", "y/b->x/a"]);
    expect(describeStep(echo)).toContain("ICMP echo: 3 mismatch(es)");
  });

  it("reset removes every rule and set: traffic flows again", async () => {
    await resetNode(n1(), backend);
    await resetNode(n2(), backend);
    expect(await saveFilter(n1(), backend)).not.toContain("-A ");
    await check({ protocol: "TCP", port: 81 }, new Reachability(KEYS, true));
  });
});
