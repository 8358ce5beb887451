/**
 * The review's connectivity (computed from the touched pods only, on virtual nodes) against the
 * brute-force answer: two whole reachability matrices (every node compiled, every pair) and
 * their difference, for IPv4 and IPv6. Over every golden scenario (those with host endpoints
 * too: the matrix traces their nodes' whole forward path), each change is one policy removed, one
 * pod relabelled (a peer-set change), removed or added, or a host endpoint relabelled, on every
 * TCP port the rules name. Pods of one version are checked as the pairs the whole matrix of
 * their version allows; hosts as peers against `explain` of every (host, pod) pair.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import { parseHostInterfaces } from "../../src/cli/host-interface-flags.js";
import type { HostInterface } from "../../src/resolve/index.js";
import { FlowTracer, type FlowPeer } from "../../src/trace/explain.js";
import { TraceError } from "../../src/trace/errors.js";
import { loadSources } from "../../src/model/index.js";
import type { Model } from "../../src/model/types.js";
import { planProbes } from "../../src/review/probes.js";
import { reviewChange, type ReviewVersion } from "../../src/review/index.js";
import { matrixChanges, reachabilityMatrix } from "../../src/trace/index.js";
import { usesIpv6 } from "../../src/render/compile.js";
import { chainOwners, nodeChange, ownRules } from "../../src/review/rules.js";

const root = resolve(import.meta.dirname, "../..");
const goldenDir = join(root, "golden");
const scenarios = readdirSync(goldenDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(goldenDir, d.name, "input")))
  .map((d) => d.name)
  .sort();

const version = (label: string, model: Model): ReviewVersion => ({ side: { label, paths: [] }, model, sources: [], diagnostics: [] });

/** A scenario's `host-interfaces` (host endpoints with only expectedIPs), as review and the matrix take them. */
function placedOf(scenario: string): { hostInterfaces?: HostInterface[] } {
  const file = join(goldenDir, scenario, "host-interfaces");
  return existsSync(file) ? { hostInterfaces: parseHostInterfaces(readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "")) } : {};
}

/** Host peers by brute force: every (host, pod) and (host, host) pair of both versions, by `explain`. */
function hostFlips(base: Model, head: Model, family: 4 | 6, port: number, placed: { hostInterfaces?: HostInterface[] }): string[] {
  const tb = new FlowTracer(base, placed);
  const th = new FlowTracer(head, placed);
  const hosts = [...new Set([...base.hostEndpoints, ...head.hostEndpoints].map((h) => h.node))].map((n) => ({ name: `host:${n}`, peer: { kind: "host" as const, node: n } }));
  const pods = [...new Set([...base.endpoints, ...head.endpoints].filter((e) => e.node !== undefined).map((e) => e.key))].map((k) => ({
    name: k,
    peer: { kind: "pod" as const, namespace: k.split("/")[0] as string, name: k.split("/")[1] as string },
  }));
  const verdict = (t: FlowTracer, from: FlowPeer, to: FlowPeer): string | undefined => {
    try {
      return t.explain({ from, to, protocol: "TCP", port, ipVersion: family }).verdict;
    } catch (e) {
      if (e instanceof TraceError) return undefined;
      throw e;
    }
  };
  const out: string[] = [];
  for (const h of hosts) {
    for (const x of [...pods, ...hosts]) {
      if (x.name === h.name) continue;
      for (const [from, to] of [[h, x], [x, h]] as const) {
        if (from === x && x.name.startsWith("host:")) continue; // host pairs once each way
        const b = verdict(tb, from.peer, to.peer);
        const a = verdict(th, from.peer, to.peer);
        if (b !== undefined && a !== undefined && b !== a) out.push(`${a === "allow" ? "opened" : "closed"} ${from.name} -> ${to.name} ${port}`);
      }
    }
  }
  return out.sort();
}

function variants(model: Model): { name: string; head: Model }[] {
  const out: { name: string; head: Model }[] = [];
  model.policies.slice(0, 4).forEach((p) => out.push({ name: `without ${p.id}`, head: { ...model, policies: model.policies.filter((q) => q !== p) } }));
  const e = model.endpoints[0];
  if (e) {
    const relabelled = { ...e, labels: { ...e.labels, app: "review-relabelled", role: "review-relabelled" } };
    out.push({ name: `${e.key} relabelled`, head: { ...model, endpoints: model.endpoints.map((x) => (x === e ? relabelled : x)) } });
    // A pod that goes away, and one that appears (a copy of the last pod with a fresh name and addresses).
    out.push({ name: `${e.key} removed`, head: { ...model, endpoints: model.endpoints.filter((x) => x !== e) } });
    const last = model.endpoints[model.endpoints.length - 1] as typeof e;
    const hep = model.hostEndpoints[0];
    if (hep) {
      const hepRelabelled = { ...hep, labels: { ...hep.labels, role: "review-relabelled" } };
      out.push({ name: `host endpoint ${hep.name} relabelled`, head: { ...model, hostEndpoints: model.hostEndpoints.map((h) => (h === hep ? hepRelabelled : h)) } });
    }
    const fresh = { ...last, name: "review-new", key: `${last.namespace}/review-new`, interfaceName: "calireviewnew0", ipNetworks: last.ipNetworks.map((n) => (n.includes(":") ? "fd00:ee::7/128" : "10.250.0.7/32")) };
    out.push({ name: "a pod added", head: { ...model, endpoints: [...model.endpoints, fresh] } });
  }
  return out;
}

let flips = 0;
let flips6 = 0;
let hostPairs = 0;
let oneVersion = 0;
let nodeChanges = 0;
let ip6Changes = 0;

/** The pairs a pod of one version only is in that its version allows (what review lists as added or removed). */
function oneVersionPairs(m: ReturnType<typeof reachabilityMatrix>, only: ReadonlySet<string>, change: string, port: number): string[] {
  const out: string[] = [];
  for (const p of m.pairs()) if ((only.has(p.from) || only.has(p.to)) && p.verdict === "allow") out.push(`${change} ${p.from} -> ${p.to} ${port}`);
  return out;
}

describe.each(scenarios)("%s", (scenario) => {
  it("review flips exactly the pairs the two whole matrices differ in, for each IP family", async () => {
    const sources = await readInputs([join(goldenDir, scenario, "input")], root);
    const { model } = loadSources(sources);
    if (model.endpoints.filter((e) => e.node !== undefined).length < 2) return expect(model.endpoints.length).toBeLessThan(100);
    for (const { name, head } of variants(model)) {
      const ports = [...new Set(planProbes([model, head]).all.filter((p) => p.protocol === "TCP" && p.endPort === undefined).map((p) => p.port))];
      const placed = placedOf(scenario);
      const r = reviewChange(version("base", model), version("head", head), { ports, ...placed });
      for (const family of [4, 6] as const) {
        for (const port of ports) {
          const before = reachabilityMatrix(model, { port, ipVersion: family, ...placed });
          const after = reachabilityMatrix(head, { port, ipVersion: family, ...placed });
          const [inBefore, inAfter] = [new Set(before.pods), new Set(after.pods)];
          const expected = [
            ...matrixChanges(before, after).map((c) => `${c.change} ${c.from} -> ${c.to} ${port}`),
            ...oneVersionPairs(after, new Set(after.pods.filter((k) => !inBefore.has(k))), "added", port),
            ...oneVersionPairs(before, new Set(before.pods.filter((k) => !inAfter.has(k))), "removed", port),
          ].sort();
          const isPod = (name: string): boolean => !/^[\d:]|^[0-9a-f]*:|^host:/.test(name);
          const podPair = (x: { from: string; to: string; port: number; ipVersion?: 6 }): boolean => isPod(x.from) && isPod(x.to) && x.port === port && (x.ipVersion ?? 4) === family;
          const c = r.connectivity;
          const got = [
            ...c.opened.filter(podPair).map((p) => `opened ${p.from} -> ${p.to} ${p.port}`),
            ...c.closed.filter(podPair).map((p) => `closed ${p.from} -> ${p.to} ${p.port}`),
            ...c.added.filter(podPair).map((p) => `added ${p.from} -> ${p.to} ${p.port}`),
            ...c.removed.filter(podPair).map((p) => `removed ${p.from} -> ${p.to} ${p.port}`),
          ].sort();
          expect(got, `${scenario}: ${name}, IPv${family}, port ${port}`).toEqual(expected);
          if (model.hostEndpoints.length > 0) {
            // Host and pod, or host and host (outside CIDRs and hosts: the test below).
            const hostPair = (x: { from: string; to: string; port: number; ipVersion?: 6 }): boolean =>
              (x.from.startsWith("host:") || x.to.startsWith("host:")) && !/^[\d:]|^[0-9a-f]*:[0-9a-f:]*\//.test(x.from) && !/^[\d:]|^[0-9a-f]*:[0-9a-f:]*\//.test(x.to) && x.port === port && (x.ipVersion ?? 4) === family;
            const hostGot = [...c.opened.filter(hostPair).map((p) => `opened ${p.from} -> ${p.to} ${p.port}`), ...c.closed.filter(hostPair).map((p) => `closed ${p.from} -> ${p.to} ${p.port}`)].sort();
            const hostExpected = hostFlips(model, head, family, port, placed);
            expect(hostGot, `${scenario}: ${name}, hosts, IPv${family}, port ${port}`).toEqual(hostExpected);
            hostPairs += hostExpected.length;
          }
          flips += expected.length;
          if (family === 6) flips6 += expected.length;
          if (!name.includes("relabelled") && !name.startsWith("without")) oneVersion += expected.filter((x) => /^(added|removed)/.test(x)).length;
        }
      }
    }
  });
});

it("an outside CIDR through a host endpoint: a preDNAT allow removed closes the NodePort to the pod behind it", async () => {
  const sources = await readInputs([join(goldenDir, "hep-prednat", "input")], root);
  const { model } = loadSources(sources);
  const gnp = model.policies.find((p) => p.id === "gnp/nodeport-from-office");
  if (!gnp) throw new Error("hep-prednat has gnp/nodeport-from-office");
  const head = { ...model, policies: model.policies.map((p) => (p === gnp ? { ...p, ingress: p.ingress.slice(1) } : p)) };
  const r = reviewChange(version("base", model), version("head", head), { ports: [30080] });
  expect(r.connectivity.closed.map((p) => `${p.from} -> ${p.to} ${p.port} ${p.base.decidedBy?.summary} / ${p.head.decidedBy?.summary}`)).toEqual([
    // Forwarded to the pod on the host endpoint's node (the host itself accepts no 30080 either way).
    "203.0.113.0/24 -> default/web 30080 profile kns.default ingress rule 0 (Allow) / GlobalNetworkPolicy nodeport-from-office (tier default) ingress rule 0 (Deny)",
  ]);
  const explain = (m: Model) => new FlowTracer(m).explain({ from: { kind: "ip", ip: "203.0.113.1" }, to: { kind: "pod", namespace: "default", name: "web" }, protocol: "TCP", port: 30080 }).verdict;
  expect([explain(model), explain(head)]).toEqual(["allow", "deny"]);
});

it("the IPv6 pairs and the pods of one version above are compared too (not vacuous)", () => {
  expect(flips6).toBeGreaterThan(10);
  expect(hostPairs).toBeGreaterThan(10);
  expect(oneVersion).toBeGreaterThan(10);
});

it("the changes above flip pairs (the comparison is not vacuous)", () => {
  expect(flips).toBeGreaterThan(50);
});

describe.each([...new Set([...scenarios.filter((s) => !s.startsWith("cnp-")).slice(0, 12), ...scenarios.filter((s) => s.startsWith("hep-") || /ipv6|dual-stack/.test(s))])])("%s rules", (scenario) => {
  it("the rules section equals comparing each node's own compiled rules", async () => {
    const sources = await readInputs([join(goldenDir, scenario, "input")], root);
    const { model } = loadSources(sources);
    for (const { name, head } of variants(model)) {
      const placed = placedOf(scenario);
      const r = reviewChange(version("base", model), version("head", head), placed);
      const owners = chainOwners([model, head]);
      const own = ownRules;
      const expected: string[] = [];
      const nodes = new Set([...model.endpoints, ...head.endpoints, ...model.hostEndpoints, ...head.hostEndpoints].map((e) => e.node).filter((n): n is string => n !== undefined));
      for (const node of [...nodes].sort()) {
        const c4 = nodeChange(own(model, node, placed.hostInterfaces), own(head, node, placed.hostInterfaces), owners);
        // ip6tables as compileBoth programs it: only for a version that uses IPv6.
        const none = { kind: "DataplaneState" as const, ipVersion: 6 as const, chains: [], hooks: [], ipsets: [] };
        const v6 = (m: Model) => (usesIpv6(m) ? own(m, node, placed.hostInterfaces, 6) : none);
        const c6 = usesIpv6(model) || usesIpv6(head) ? nodeChange(v6(model), v6(head), owners) : { chains: [], ipsets: [] };
        const c = {
          chains: [...c4.chains, ...c6.chains.map((x) => ({ ...x, chain: `ip6 ${x.chain}` }))].sort((p, q) => (p.chain < q.chain ? -1 : p.chain > q.chain ? 1 : p.change < q.change ? -1 : 1)),
          ipsets: [...c4.ipsets, ...c6.ipsets].sort((p, q) => (p.set < q.set ? -1 : 1)),
        };
        if (c6.chains.length > 0) ip6Changes++;
        if (c.chains.length + c.ipsets.length > 0) expected.push(`${node} ${JSON.stringify(c)}`);
      }
      const got = r.rules.changes.flatMap((k) => k.nodes.map((n) => `${n} ${JSON.stringify({ chains: k.chains, ipsets: k.ipsets })}`)).sort();
      expect(got, `${scenario}: ${name}`).toEqual(expected.sort());
      nodeChanges += expected.length;
    }
  });
});

it("the rule changes above are not vacuous", () => {
  expect(nodeChanges).toBeGreaterThan(20);
  expect(ip6Changes).toBeGreaterThan(3);
});
