/**
 * The nftables trace against the kernel, independently of the nftables renderer: the
 * reference's worked `ip calico` table (test/trace/nft-worked.ts: Felix's base chains, static
 * chains, verdict-map dispatch, §3.6 endpoint chains) is loaded into both node namespaces with
 * `nft -f`, real TCP, UDP and ICMP traffic crosses it, and on every probed pair the verdict the
 * trace computes from that same table must be what the kernel did. The expectation for TCP/80
 * is also written out by hand, so a trace and a kernel that agreed on something wrong would fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderNftScript } from "../../src/render/nftables/script.js";
import type { NftDataplaneState } from "../../src/render/nftables/types.js";
import { NftTracer, traceProgramPath, type Packet } from "../../src/trace/index.js";
import { workedTable, type WorkedPod } from "../trace/nft-worked.js";
import { loadNft, resetNft } from "./harness/backend.js";
import { skipBanner, detectKernelSupport } from "./harness/preflight.js";
import { isCI } from "../ci.js";
import { describeStep, probeStep, type ProbeStep } from "./harness/probe.js";
import { Reachability } from "./harness/reachability.js";
import { buildTopology, calicoInterfaceName, type PodSpec, type Topology } from "./harness/topology.js";

const support = await detectKernelSupport();

interface Pod extends PodSpec {
  readonly allowHttp: boolean;
}
const PODS: readonly Pod[] = (
  [
    ["x", "a", "node-1", "10.65.0.1", true],
    ["x", "c", "node-1", "10.65.0.2", false],
    ["y", "b", "node-2", "10.65.0.65", false],
    ["y", "d", "node-2", "10.65.0.66", true],
  ] as const
).map(([namespace, name, node, ip, allowHttp]) => ({ namespace, name, node, ip, allowHttp, interfaceName: calicoInterfaceName(namespace, name) }));
const KEYS = PODS.map((p) => `${p.namespace}/${p.name}`);
const pod = (key: string): Pod => PODS.find((p) => `${p.namespace}/${p.name}` === key) as Pod;
/** The policy's selector set: y/b and x/c may reach the allow-http pods on 80 and 443. */
const ALLOWED = ["10.65.0.65", "10.65.0.2"];
const NODES = ["node-1", "node-2"] as const;
const tables = new Map<string, NftDataplaneState>(NODES.map((n) => [n, workedTable(PODS.filter((p) => p.node === n).map((p): WorkedPod => ({ iface: p.interfaceName, ip: p.ip, allowHttp: p.allowHttp })), ALLOWED)]));
const tracers = new Map([...tables].map(([n, t]) => [n, new NftTracer(t)]));

function packet(step: ProbeStep, from: Pod, to: Pod, inInterface: string, outInterface: string): Packet {
  const base = { kind: "Packet" as const, srcIp: from.ip, dstIp: to.ip, inInterface, outInterface, ctState: "NEW" as const };
  if (step.protocol === "ICMP") return { ...base, protocol: 1, icmp: { type: 8, code: 0 } };
  return { ...base, protocol: step.protocol === "TCP" ? 6 : 17, srcPort: 40000, dstPort: step.port };
}

/** The trace's verdict: the source node's forward path, then (across nodes) the destination's. */
function traced(step: ProbeStep, fromKey: string, toKey: string): boolean {
  const from = pod(fromKey);
  const to = pod(toKey);
  const path = (node: string, p: Packet) => traceProgramPath(tracers.get(node) as NftTracer, p, "forward").verdict === "allow";
  if (from.node === to.node) return path(from.node, packet(step, from, to, from.interfaceName, to.interfaceName));
  return path(from.node, packet(step, from, to, from.interfaceName, "eth0")) && path(to.node, packet(step, from, to, "eth0", to.interfaceName));
}

function tracedMatrix(step: ProbeStep): Reachability {
  const r = new Reachability(KEYS, false);
  for (const f of KEYS) for (const t of KEYS) if (f !== t) r.expect(f, t, traced(step, f, t));
  return r;
}

const problems = [...support.problems, ...(support.nftables ? [] : ["nft cannot load a table in a network namespace"])];
if (problems.length > 0 && !isCI) {
  console.warn(skipBanner("nftables trace", problems));
  describe.skip("kernel: nftables trace", () => {
    it("skipped: prerequisites missing (see banner)", () => undefined);
  });
} else {
  describe("kernel: nftables trace [native nftables]", () => {
    let topo: Topology | undefined;
    let started = 0;

    beforeAll(async () => {
      if (problems.length > 0) return;
      started = performance.now();
      topo = await buildTopology({ tag: "nfttrace", nodes: ["node-1", "node-2"], pods: PODS, ports: [80, 81] });
      for (const n of NODES) {
        const netns = topo.node(n).netns;
        await resetNft(netns);
        await loadNft(netns, renderNftScript([tables.get(n) as NftDataplaneState]));
      }
    });
    afterAll(async () => {
      await topo?.destroy();
      if (topo) console.info(`[kernel] nftables trace on native nftables: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });

    it("has what real-kernel tests need (CI=true: a skip is a failure)", () => {
      expect(problems).toEqual([]);
    });

    it("the trace's TCP/80 matrix is the one the policy means", () => {
      const expected = new Reachability(KEYS, true).expectAllIngress("x/a", false).expectAllIngress("y/d", false).expect("x/c", "x/a", true).expect("y/b", "x/a", true).expect("x/c", "y/d", true).expect("y/b", "y/d", true);
      const traced80 = tracedMatrix({ protocol: "TCP", port: 80 });
      expect(traced80.pairs().map((p) => [p.from, p.to, traced80.get(p.from, p.to)])).toEqual(expected.pairs().map((p) => [p.from, p.to, expected.get(p.from, p.to)]));
    });

    it.each([
      ["TCP/80", { protocol: "TCP", port: 80 }],
      ["TCP/81", { protocol: "TCP", port: 81 }],
      ["UDP/80", { protocol: "UDP", port: 80 }],
      ["ICMP echo", { protocol: "ICMP" }],
    ] as const)("the kernel does what the trace says on every pair: %s", async (_name, step) => {
      if (topo === undefined) throw new Error("topology was not built");
      const outcome = await probeStep(topo, step, tracedMatrix(step));
      expect(outcome.mismatches, describeStep(outcome)).toEqual([]);
    });
  });
}
