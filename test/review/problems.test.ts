/**
 * The problems section lints only what a change can affect (review/problems.ts lintScope), and
 * must still report exactly the lint warnings a whole lint of both versions differs in: across
 * namespaces (an unchanged GlobalNetworkPolicy newly shadowing an edited namespaced policy) and
 * from a global change into namespaces nobody edited.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import type { Diagnostic } from "../../src/diagnostics/types.js";
import { lintModel } from "../../src/lint/lint.js";
import { loadSources } from "../../src/model/index.js";
import type { Model, Rule } from "../../src/model/types.js";
import { reviewProblems } from "../../src/review/problems.js";

const NAMESPACES = `
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: b, labels: {app: api}}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.2}
`;

/** A global policy early in tier default that allows every ingress packet to what it selects. */
const gnp = (selector: string): string => `
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: allow-all-in}
spec:
  order: 100
  selector: ${JSON.stringify(selector)}
  types: [Ingress]
  ingress:
  - action: Allow
`;

/** A namespaced policy with one ingress rule, at some order. */
const np = (namespace: string, order: number): string => `
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web-from-api, namespace: ${namespace}}
spec:
  order: ${order}
  selector: app == 'web' || app == 'api'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    destination: {ports: [8080]}
`;

const load = (text: string): { model: Model; sources: { file: string; text: string }[] } => {
  const sources = [{ file: "cluster.yaml", text }];
  const { model, diagnostics } = loadSources(sources);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { model, sources };
};

/** What the section must say: warnings of a whole lint of head that a whole lint of base lacks (and the reverse). */
function wholeLintDifference(base: Model, head: Model): { lint: string[]; fixed: string[] } {
  const key = (d: Diagnostic): string => `${d.code} ${d.message}`;
  const minus = (a: readonly Diagnostic[], b: readonly Diagnostic[]): string[] => {
    const left = b.map(key);
    const out: string[] = [];
    for (const d of a) {
      const i = left.indexOf(key(d));
      if (i >= 0) left.splice(i, 1);
      else out.push(key(d));
    }
    return out.sort();
  };
  const [lb, lh] = [lintModel(base, []), lintModel(head, [])];
  return { lint: minus(lh, lb), fixed: minus(lb, lh) };
}

function problems(base: Model, head: Model): { lint: string[]; fixed: string[] } {
  const p = reviewProblems({ base, head, baseSources: [], headSources: [], baseDiagnostics: [], headDiagnostics: [] });
  return { lint: p.lint.map((d) => `${d.code} ${d.message}`).sort(), fixed: p.lintFixed.map((d) => `${d.code} ${d.message}`).sort() };
}

describe("review problems: lint across namespaces", () => {
  it("a namespaced policy moved after an unchanged GlobalNetworkPolicy that shadows it is a new warning", () => {
    const base = load(NAMESPACES + gnp("all()") + np("a", 50)).model;
    const head = load(NAMESPACES + gnp("all()") + np("a", 500)).model;
    const p = problems(base, head);
    expect(p.lint).toEqual([expect.stringMatching(/^PC6009 policy np\/a\/web-from-api changes nothing: every rule is shadowed, and earlier policy gnp\/allow-all-in of tier default/)]);
    expect(p).toEqual(wholeLintDifference(base, head));
  });
  it("a GlobalNetworkPolicy widened to shadow the policy of a namespace nobody edited is a new warning", () => {
    const base = load(NAMESPACES + gnp("app == 'nothing'") + np("b", 500)).model;
    const head = load(NAMESPACES + gnp("all()") + np("b", 500)).model;
    const p = problems(base, head);
    expect(p.lint).toEqual([expect.stringMatching(/^PC6009 policy np\/b\/web-from-api changes nothing: .* gnp\/allow-all-in of tier default/)]);
    expect(p).toEqual(wholeLintDifference(base, head));
  });
  it("the GlobalNetworkPolicy narrowed again: the warning is fixed", () => {
    const base = load(NAMESPACES + gnp("all()") + np("b", 500)).model;
    const head = load(NAMESPACES + gnp("projectcalico.org/namespace == 'a'") + np("b", 500)).model;
    const p = problems(base, head);
    expect(p.lint).toEqual([]);
    expect(p.fixed).toHaveLength(1);
    expect(p).toEqual(wholeLintDifference(base, head));
  });
});

const root = resolve(import.meta.dirname, "../..");
const goldenDir = join(root, "golden");
const scenarios = readdirSync(goldenDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(goldenDir, d.name, "input")))
  .map((d) => d.name)
  .sort();

const anything = { nets: [], notNets: [], ports: [], notPorts: [] };
const ALLOW_ALL: Rule = { action: "Allow", source: anything, destination: anything, annotations: {} };

let compared = 0;
describe.each(scenarios)("%s", (scenario) => {
  it("each policy removed or moved to the front of its tier: the section equals the whole lints' difference", async () => {
    const { model } = loadSources(await readInputs([join(goldenDir, scenario, "input")], root));
    for (const p of model.policies) {
      for (const head of [
        { ...model, policies: model.policies.filter((q) => q !== p) },
        { ...model, policies: model.policies.map((q) => (q === p ? { ...q, order: -1 } : q)) },
        // Made to allow everything, first in its tier: it shadows every policy of the tier it covers.
        { ...model, policies: model.policies.map((q) => (q === p ? { ...q, order: -1, ingress: [ALLOW_ALL], egress: [ALLOW_ALL] } : q)) },
      ]) {
        const expected = wholeLintDifference(model, head);
        expect(problems(model, head), `${scenario}: ${p.id}`).toEqual(expected);
        compared += expected.lint.length + expected.fixed.length;
      }
    }
  });
});

it("the golden comparisons above see lint changes (not vacuous)", () => {
  expect(compared).toBeGreaterThan(5);
});
