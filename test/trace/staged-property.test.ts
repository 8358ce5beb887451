/**
 * The staged preview's law: on random clusters with staged policies (every kind and stagedAction,
 * namesakes of enforced policies and new ones), every pair of `matrix --staged`
 * - has the pending verdict of compiling promoteStaged(model), each pair traced on its own
 *   (explain's walk, not the matrix's classes);
 * - has the pending verdict the reference semantics give for the cluster promoted *as text*
 *   (each staged document rewritten as its enforced kind, its namesake document replaced or
 *   removed, then loaded again): an oracle that shares no code with promote.ts;
 * - has the pending verdict the independent reference gives for the cluster as written (its
 *   own promotion);
 * - has the enforced verdict the reference semantics give for the cluster as it is (staged
 *   policies never enforced).
 * A guard checks that the runs saw both verdicts and verdicts that promotion changes.
 */
import fc from "fast-check";
import { parseAllDocuments, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import { promoteStaged } from "../../src/model/promote.js";
import { explainFlow, stagedMatrix, type Flow } from "../../src/trace/index.js";
import { calicoPolicy, clusterArbOf, k8sPolicy } from "../reference/generators.js";
import { referenceOf } from "../reference/semantics.js";
import { runsFromEnv } from "../runs.js";

const RUNS = runsFromEnv("STAGED_RUNS", 60);

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };

const stagedKindOf: Record<string, string> = {
  "projectcalico.org/v3/NetworkPolicy": "StagedNetworkPolicy",
  "projectcalico.org/v3/GlobalNetworkPolicy": "StagedGlobalNetworkPolicy",
  "networking.k8s.io/v1/NetworkPolicy": "StagedKubernetesNetworkPolicy",
};
const enforcedOf: Record<string, { apiVersion: string; kind: string }> = {
  StagedNetworkPolicy: { apiVersion: "projectcalico.org/v3", kind: "NetworkPolicy" },
  StagedGlobalNetworkPolicy: { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy" },
  StagedKubernetesNetworkPolicy: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
};
const identity = (apiVersion: string, kind: string, m: Doc["metadata"]): string => `${apiVersion}/${kind}/${m.namespace ?? ""}/${m.name}`;

const stagedItem = fc.record({
  namesake: fc.boolean(),
  target: fc.nat(),
  action: fc.constantFrom(undefined, "Set", "Learn", "Ignore", "Delete", "Delete"),
  calico: calicoPolicy(7),
  k8s: k8sPolicy(8),
  useK8s: fc.boolean(),
});

const arb = fc.record({ cluster: clusterArbOf({ staged: false }), staged: fc.array(stagedItem, { minLength: 1, maxLength: 4 }) }).map(({ cluster, staged }) => {
  const docs = parseAllDocuments(cluster.yaml).map((d) => d.toJS() as Doc);
  const enforced = docs.filter((d) => stagedKindOf[`${d.apiVersion}/${d.kind}`] !== undefined);
  const out: Doc[] = [];
  const seen = new Set<string>();
  staged.forEach((s, i) => {
    const target = s.namesake && enforced.length > 0 ? enforced[s.target % enforced.length] : undefined;
    const fresh = (target ? target.apiVersion === "networking.k8s.io/v1" : s.useK8s) ? (s.k8s as Doc) : (s.calico as Doc);
    const base = target ?? fresh;
    const kind = stagedKindOf[`${base.apiVersion}/${base.kind}`] as string;
    const metadata = target ? target.metadata : { ...fresh.metadata, name: `staged${i}` };
    const key = `${kind}/${metadata.namespace ?? ""}/${metadata.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    const action = s.action === undefined ? {} : { stagedAction: s.action };
    let spec: Record<string, unknown>;
    if (s.action === "Delete") spec = { ...action, ...(kind !== "StagedKubernetesNetworkPolicy" && base.spec?.tier !== undefined && { tier: base.spec.tier }) };
    else {
      spec = { ...(fresh.spec ?? {}), ...action };
      // A namespaced Calico policy has no namespaceSelector.
      if (kind === "StagedNetworkPolicy") delete spec.namespaceSelector;
    }
    out.push({ apiVersion: "projectcalico.org/v3", kind, metadata: kind === "StagedGlobalNetworkPolicy" ? { name: metadata.name } : metadata, spec });
  });
  // The oracle: promotion done on the documents.
  let promoted = docs;
  for (const s of out) {
    const e = enforcedOf[s.kind] as { apiVersion: string; kind: string };
    promoted = promoted.filter((d) => identity(d.apiVersion, d.kind, d.metadata) !== identity(e.apiVersion, e.kind, s.metadata));
    if (s.spec?.stagedAction === "Delete") continue;
    const { stagedAction: _a, ...spec } = s.spec ?? {};
    promoted = [...promoted, { apiVersion: e.apiVersion, kind: e.kind, metadata: s.metadata, spec }];
  }
  const text = (list: readonly Doc[]): string => list.map((d) => stringify(d, { version: "1.1" })).join("---\n");
  return { yaml: text([...docs, ...out]), promotedYaml: text(promoted) };
});

describe("matrix --staged", () => {
  it(`pending = compile(promoteStaged(model)) = the reference on the cluster promoted as text, enforced = the reference (${RUNS} clusters)`, () => {
    const seen = { allow: 0, deny: 0, changed: 0 };
    fc.assert(
      fc.property(arb, ({ yaml, promotedYaml }) => {
        const loaded = loadSources([{ file: "cluster.yaml", text: yaml }]);
        expect(loaded.diagnostics.filter((d) => d.severity === "error"), yaml).toEqual([]);
        const oracle = loadSources([{ file: "promoted.yaml", text: promotedYaml }]);
        expect(oracle.diagnostics.filter((d) => d.severity === "error"), promotedYaml).toEqual([]);
        const promoted = promoteStaged(loaded.model);
        const reference = referenceOf([{ file: "cluster.yaml", text: yaml }]);
        const referencePromoted = referenceOf([{ file: "promoted.yaml", text: promotedYaml }]);
        const m = stagedMatrix(loaded.model);
        for (const p of m.pairs()) {
          const [fromNs, fromName] = p.from.split("/") as [string, string];
          const [toNs, toName] = p.to.split("/") as [string, string];
          const flow: Flow = { from: { kind: "pod", namespace: fromNs, name: fromName }, to: { kind: "pod", namespace: toNs, name: toName }, protocol: p.protocol, ...(p.port !== null && { port: p.port }) };
          const where = `${JSON.stringify(flow)}\n${yaml}`;
          expect(p.verdict, where).toBe(p.pending);
          expect(p.pending, where).toBe(explainFlow(promoted, flow).verdict);
          expect(p.pending, where).toBe(referencePromoted.enforced.verdict(flow));
          expect(p.pending, where).toBe(reference.promoted.verdict(flow));
          expect(p.enforced, where).toBe(reference.enforced.verdict(flow));
          seen[p.pending]++;
          if (p.pending !== p.enforced) seen.changed++;
        }
      }),
      { numRuns: RUNS },
    );
    // Guard: the property saw both verdicts, and verdicts that promotion changes.
    expect(seen.allow).toBeGreaterThan(0);
    expect(seen.deny).toBeGreaterThan(0);
    expect(seen.changed).toBeGreaterThan(0);
  }, 600_000);
});
