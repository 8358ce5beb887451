/**
 * The two laws every fast path in src/model/schema must obey, shared by the per-kind test files:
 * it only accepts what zod accepts, returning exactly zod's value (same keys in the same order,
 * since models are compared as JSON text), and the loader's output is unchanged with it removed.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import { expect, vi } from "vitest";
import { loadSources, type LoadResult } from "../../src/model/load.js";
import type { ResourceKind } from "../../src/model/resources.js";
import { fastParse } from "../../src/model/schema/fast.js";
import { resourceSchemas } from "../../src/model/schema/resources.js";

/** Whenever the fast path accepts a value, zod accepts it with the same value; and it does accept often. */
export function expectFastPathAgreesWithZod(kind: ResourceKind, arb: fc.Arbitrary<Record<string, unknown>>, numRuns: number): void {
  let accepted = 0;
  fc.assert(
    fc.property(arb, (value) => {
      const fast = fastParse(kind, value);
      if (fast === undefined) return;
      accepted++;
      const zod = resourceSchemas[kind].safeParse(value);
      expect(zod.success).toBe(true);
      expect(fast).toStrictEqual(zod.data);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
    }),
    { numRuns },
  );
  // The generators must exercise the fast path, not only the fallback.
  expect(accepted).toBeGreaterThan(300);
}

/** `loadSources` built with the fast path switched off (zod only), and that switched-off `fastParse`. */
export async function zodOnlyLoader(): Promise<{ loadSources: typeof loadSources; fastParse: typeof fastParse }> {
  vi.doMock("../../src/model/schema/fast.js", () => ({ fastParse: () => undefined }));
  vi.resetModules();
  const zodOnly = (await import("../../src/model/load.js")).loadSources;
  const mocked = (await import("../../src/model/schema/fast.js")).fastParse;
  vi.doUnmock("../../src/model/schema/fast.js");
  return { loadSources: zodOnly, fastParse: mocked };
}

/**
 * Random documents loaded as a YAML stream or a JSON List give byte-identical results with and
 * without the fast path; `interesting` counts results that exercise something (e.g. a model with
 * endpoints), and both those and results with errors must be common.
 */
export async function expectLoaderUnchangedWithoutFastPath(
  documents: fc.Arbitrary<Record<string, unknown>[]>,
  interesting: (r: LoadResult) => boolean,
): Promise<void> {
  const zodOnly = (await zodOnlyLoader()).loadSources;
  let withErrors = 0;
  let withContent = 0;
  fc.assert(
    fc.property(documents, fc.boolean(), (docs, asJson) => {
      const sources = [
        asJson
          ? { file: "c.json", text: JSON.stringify({ apiVersion: "v1", kind: "List", items: docs }, null, 1) }
          : { file: "c.yaml", text: docs.map((d) => stringify(d)).join("---\n") },
      ];
      const fast = loadSources(sources);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(zodOnly(sources)));
      if (fast.diagnostics.some((d) => d.severity === "error")) withErrors++;
      if (interesting(fast)) withContent++;
    }),
    { numRuns: 300 },
  );
  expect(Math.min(withErrors, withContent)).toBeGreaterThan(30);
}

/** Every place in a tree where a value sits: [container, key]. */
export function places(v: unknown, out: [Record<string | number, unknown>, string | number][] = []): [Record<string | number, unknown>, string | number][] {
  if (typeof v !== "object" || v === null) return out;
  const o = v as Record<string | number, unknown>;
  for (const k of Object.keys(o)) {
    out.push([o, Array.isArray(o) ? Number(k) : k]);
    places(o[k], out);
  }
  return out;
}
