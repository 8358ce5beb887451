/**
 * Laws of the loader:
 * - reordering files never changes the model (not even origins);
 * - reordering the documents inside a file changes nothing but positions;
 * - the same resources as JSON and as YAML give the same model (up to positions);
 * - random mutations of valid inputs give diagnostics or a model, never an exception.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { parse as parseYaml, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import type { SourceFile } from "../../src/diagnostics/types.js";
import { loadSources } from "../../src/model/load.js";
import { withoutOrigins } from "./harness.js";

// One cluster (web-from-client1's) with all three example policies.
const goldenFiles = ["k8s-web-from-client1/input/cluster.yaml", "k8s-web-from-client1/input/policy.yaml", "calico-allow-80/input/policy.yaml", "k8s-deny-from-other-namespaces/input/policy.yaml"];
const goldenSources: SourceFile[] = goldenFiles.map((f) => ({ file: f, text: readFileSync(new URL(`../../golden/${f}`, import.meta.url), "utf8") }));

function documents(text: string): string[] {
  return text
    .split(/^---\n/m)
    .map((d) => d.replace(/^#.*\n/gm, ""))
    .filter((d) => d.trim() !== "");
}

const allDocs = goldenSources.flatMap((s) => documents(s.text));

describe("loader laws", () => {
  it("the golden inputs load cleanly", () => {
    const r = loadSources(goldenSources);
    expect(r.diagnostics).toEqual([]);
    expect(r.model.policies.map((p) => p.id)).toEqual(["knp/default/deny-from-other-namespaces", "knp/default/test-network-policy", "np/default/allow-80"]);
  });

  it("file order never changes the model", () => {
    const expected = JSON.stringify(loadSources(goldenSources).model);
    fc.assert(
      fc.property(fc.shuffledSubarray(goldenSources, { minLength: goldenSources.length, maxLength: goldenSources.length }), (files) => {
        expect(JSON.stringify(loadSources(files).model)).toBe(expected);
      }),
      { numRuns: 30 },
    );
  });

  it("document order and file split never change the model (up to positions)", () => {
    const expected = withoutOrigins(loadSources([{ file: "a.yaml", text: allDocs.join("---\n") }]).model);
    fc.assert(
      fc.property(fc.shuffledSubarray(allDocs, { minLength: allDocs.length, maxLength: allDocs.length }), fc.integer({ min: 1, max: allDocs.length }), (docs, cut) => {
        const files = [
          { file: "x.yaml", text: docs.slice(0, cut).join("---\n") },
          { file: "y.yaml", text: docs.slice(cut).join("---\n") },
        ];
        expect(withoutOrigins(loadSources(files).model)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it("JSON (a List) and YAML give the same model", () => {
    const yaml = loadSources(goldenSources);
    const items = goldenSources.flatMap((s) => documents(s.text)).map((d) => JSON.parse(JSON.stringify((loadYamlValue(d)))));
    const json = loadSources([{ file: "all.json", text: JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2) }]);
    expect(json.diagnostics).toEqual([]);
    expect(withoutOrigins(json.model)).toEqual(withoutOrigins(yaml.model));
    // Origins in JSON point at the items: the first policy's origin starts with `{`.
    const origin = json.model.policies[0]?.origin?.span;
    expect(origin && JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2)[origin.start]).toBe("{");
  });

  it("mutated inputs give diagnostics or a model, never an exception", () => {
    const values = allDocs.map(loadYamlValue);
    const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 70000 }), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({}), fc.constantFrom("10.0.0.0/8", "fd00::/8", "all()", "a ==", "TCP", "Allow", "global()", "80:70", "http"));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: values.length - 1 }), fc.array(fc.tuple(fc.nat(), leaf), { maxLength: 4 }), fc.boolean(), (i, edits, asJson) => {
        const doc = structuredClone(values[i]) as Record<string, unknown>;
        for (const [seed, value] of edits) mutate(doc, seed, value);
        const text = asJson ? JSON.stringify(doc) : stringify(doc);
        const r = loadSources([{ file: asJson ? "m.json" : "m.yaml", text }]);
        for (const d of r.diagnostics) {
          if (d.span) expect(d.span.start).toBeLessThanOrEqual(text.length);
        }
        expect(r.model.kind).toBe("Model");
      }),
      { numRuns: 400 },
    );
  });
});

function loadYamlValue(doc: string): unknown {
  const r = loadSources([{ file: "v.json", text: JSON.stringify(parseYaml(doc)) }]);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return parseYaml(doc);
}

/** Replaces (or adds) a value at a pseudo-random place in the tree chosen by `seed`. */
function mutate(root: Record<string, unknown>, seed: number, value: unknown): void {
  let node: unknown = root;
  let s = seed;
  for (let depth = 0; depth < 6; depth++) {
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node as object);
    if (keys.length === 0) break;
    const key = keys[s % keys.length] as string | number;
    s = Math.floor(s / 7) + 1;
    const child = (node as Record<string | number, unknown>)[key];
    if (typeof child !== "object" || child === null || s % 3 === 0) {
      (node as Record<string | number, unknown>)[s % 5 === 0 ? `${String(key)}x` : key] = value;
      return;
    }
    node = child;
  }
}
