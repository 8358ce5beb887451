/**
 * The review's connectivity (computed from the touched pods only, on virtual nodes) against the
 * brute-force answer: two whole reachability matrices (every node compiled, every pair) and
 * their difference. Over every golden scenario without host endpoints (review refuses those,
 * PC8050), each change is one
 * policy removed, or one pod relabelled (a peer-set change), on every TCP port the rules name.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import { loadSources } from "../../src/model/index.js";
import type { Model } from "../../src/model/types.js";
import { planProbes } from "../../src/review/probes.js";
import { reviewChange, type ReviewVersion } from "../../src/review/index.js";
import { matrixChanges, reachabilityMatrix } from "../../src/trace/index.js";
import { compile } from "../../src/render/compile.js";
import { PER_POD_DISPATCH, chainOwners, nodeChange } from "../../src/review/rules.js";

const root = resolve(import.meta.dirname, "../..");
const goldenDir = join(root, "golden");
const scenarios = readdirSync(goldenDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(goldenDir, d.name, "input")) && !d.name.startsWith("hep-"))
  .map((d) => d.name)
  .sort();

const version = (label: string, model: Model): ReviewVersion => ({ side: { label, paths: [] }, model, sources: [], diagnostics: [] });

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
    const fresh = { ...last, name: "review-new", key: `${last.namespace}/review-new`, interfaceName: "calireviewnew0", ipNetworks: last.ipNetworks.map((n) => (n.includes(":") ? "fd00:ee::7/128" : "10.250.0.7/32")) };
    out.push({ name: "a pod added", head: { ...model, endpoints: [...model.endpoints, fresh] } });
  }
  return out;
}

let flips = 0;
let flips6 = 0;
let oneVersion = 0;
let nodeChanges = 0;

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
    if (model.hostEndpoints.length > 0) return expect(() => reviewChange(version("base", model), version("head", model))).toThrow(/host endpoint policy/);
    for (const { name, head } of variants(model)) {
      const ports = [...new Set(planProbes([model, head]).all.filter((p) => p.protocol === "TCP" && p.endPort === undefined).map((p) => p.port))];
      const r = reviewChange(version("base", model), version("head", head), { ports });
      for (const family of [4, 6] as const) {
        for (const port of ports) {
          const before = reachabilityMatrix(model, { port, ipVersion: family });
          const after = reachabilityMatrix(head, { port, ipVersion: family });
          const [inBefore, inAfter] = [new Set(before.pods), new Set(after.pods)];
          const expected = [
            ...matrixChanges(before, after).map((c) => `${c.change} ${c.from} -> ${c.to} ${port}`),
            ...oneVersionPairs(after, new Set(after.pods.filter((k) => !inBefore.has(k))), "added", port),
            ...oneVersionPairs(before, new Set(before.pods.filter((k) => !inAfter.has(k))), "removed", port),
          ].sort();
          const podPair = (x: { from: string; to: string; port: number; ipVersion?: 6 }): boolean => !/^[\d:]|^[0-9a-f]*:/.test(x.from) && !/^[\d:]|^[0-9a-f]*:/.test(x.to) && x.port === port && (x.ipVersion ?? 4) === family;
          const c = r.connectivity;
          const got = [
            ...c.opened.filter(podPair).map((p) => `opened ${p.from} -> ${p.to} ${p.port}`),
            ...c.closed.filter(podPair).map((p) => `closed ${p.from} -> ${p.to} ${p.port}`),
            ...c.added.filter(podPair).map((p) => `added ${p.from} -> ${p.to} ${p.port}`),
            ...c.removed.filter(podPair).map((p) => `removed ${p.from} -> ${p.to} ${p.port}`),
          ].sort();
          expect(got, `${scenario}: ${name}, IPv${family}, port ${port}`).toEqual(expected);
          flips += expected.length;
          if (family === 6) flips6 += expected.length;
          if (!name.includes("relabelled") && !name.startsWith("without")) oneVersion += expected.filter((x) => /^(added|removed)/.test(x)).length;
        }
      }
    }
  });
});

it("the IPv6 pairs and the pods of one version above are compared too (not vacuous)", () => {
  expect(flips6).toBeGreaterThan(10);
  expect(oneVersion).toBeGreaterThan(10);
});

it("the changes above flip pairs (the comparison is not vacuous)", () => {
  expect(flips).toBeGreaterThan(50);
});

describe.each(scenarios.filter((s) => !s.startsWith("cnp-")).slice(0, 12))("%s rules", (scenario) => {
  it("the rules section equals comparing each node's own compiled rules", async () => {
    const sources = await readInputs([join(goldenDir, scenario, "input")], root);
    const { model } = loadSources(sources);
    if (model.hostEndpoints.length > 0) return expect(() => reviewChange(version("base", model), version("head", model))).toThrow(/host endpoint policy/);
    for (const { name, head } of variants(model)) {
      const r = reviewChange(version("base", model), version("head", head));
      const owners = chainOwners([model, head]);
      const own = (m: Model, node: string) => {
        const s = compile(m, { node });
        return { ...s, hooks: [], chains: s.chains.filter((c) => !PER_POD_DISPATCH.test(c.name)) };
      };
      const expected: string[] = [];
      const nodes = new Set([...model.endpoints, ...head.endpoints].map((e) => e.node).filter((n): n is string => n !== undefined));
      for (const node of [...nodes].sort()) {
        const c = nodeChange(own(model, node), own(head, node), owners);
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
});
