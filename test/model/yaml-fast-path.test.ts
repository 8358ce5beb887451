/**
 * The YAML fast path (src/model/yaml-subset.ts and friends) is an optimisation only:
 * - whenever the subset reader accepts a document, `yaml` reads the same text without error,
 *   to the same value, with the same node ranges, and locating in it gives the same spans;
 * - the loader gives byte-identical results (model, diagnostics) with and without it, for
 *   random texts that are valid, invalid, or full of constructs the reader must decline;
 * - each construct where a faster parser and `yaml` were seen to disagree is declined (or, when
 *   accepted, read as `yaml` reads it), named one by one below.
 */
import fc from "fast-check";
import { isMap, isScalar, isSeq, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/load.js";
import { composeOne, SubsetLocator } from "../../src/model/locate-subset.js";
import { YamlLocator } from "../../src/model/locate-yaml.js";
import type { Path, SpanRequest } from "../../src/model/paths.js";
import { maybeTyped, resolvePlain, yamlOptions } from "../../src/model/yaml-scalars.js";
import { disagreement, mayDisagree } from "../../src/model/yaml-11.js";
import { versionDisagreements } from "../../src/model/yaml-11-scan.js";
import { hasUnusualCharacter, splitYamlStream } from "../../src/model/yaml-stream.js";
import { readSubset, type SubsetNode } from "../../src/model/yaml-subset.js";
import { hostileStrings, yamlText } from "./yaml-texts.js";
import { runsFromEnv } from "../runs.js";

/** Runs per property; YAML_FAST_RUNS raises it for a long soak (`YAML_FAST_RUNS=20000 npx vitest run ...`). */
function runs(n: number): number {
  return Math.max(n, runsFromEnv("YAML_FAST_RUNS", n));
}

/**
 * A value as text, exactly: numbers that JSON cannot write (NaN, Infinity, -0) are spelled out,
 * and every object must be a plain object or array (as both readers make them). toStrictEqual is
 * not usable: it compares `.constructor`, which is a key like any other here.
 */
function canonical(v: unknown): string {
  return JSON.stringify(v, function (_key, x: unknown) {
    if (typeof x === "number" && (!Number.isFinite(x) || Object.is(x, -0))) return `#number ${Object.is(x, -0) ? "-0" : String(x)}`;
    if (typeof x === "object" && x !== null) {
      const proto = Object.getPrototypeOf(x) as unknown;
      if (proto !== Object.prototype && proto !== Array.prototype) return "#not a plain object";
    }
    return x;
  });
}

/** Each node's range in the reader's tree is the `yaml` node's [range[0], range[1]]. */
function expectSameRanges(tree: SubsetNode, node: unknown, where: string): void {
  const range = (node as { range: number[] }).range;
  expect([range[0], range[1]], where).toEqual(tree.range);
  if (tree.kind === "map") {
    expect(isMap(node), where).toBe(true);
    for (const pair of isMap(node) ? node.items : []) {
      const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const entry = tree.entries.get(name);
      expect(entry, `${where}.${name}`).toBeDefined();
      const keyRange = (pair.key as { range: number[] }).range;
      expect([keyRange[0], keyRange[1]], `${where}.${name} (key)`).toEqual(entry?.key);
      expectSameRanges(entry!.node, pair.value, `${where}.${name}`);
    }
  } else if (tree.kind === "seq") {
    expect(isSeq(node), where).toBe(true);
    (isSeq(node) ? node.items : []).forEach((item, i) => expectSameRanges(tree.items[i]!, item, `${where}[${i}]`));
  }
}

/** Paths into a value (every node, plus a missing child of some), with key/value parts. */
function requestsFor(value: unknown, path: Path = [], out: SpanRequest[] = []): SpanRequest[] {
  out.push({ path }, { path, part: "key" }, { path: [...path, "missing"] }, { path: [...path, 0] });
  if (typeof value === "object" && value !== null && out.length < 400) {
    for (const k of Object.keys(value)) requestsFor((value as Record<string, unknown>)[k], [...path, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

function segmentsOf(text: string): [number, number][] {
  const s = splitYamlStream(text);
  if (s === undefined) return [];
  return Array.from({ length: s.length / 2 }, (_, i) => [s[2 * i] as number, s[2 * i + 1] as number]);
}

describe("YAML fast path: the subset reader", () => {
  it("accepts only what yaml reads the same way, with the same ranges and spans", () => {
    let accepted = 0;
    let declined = 0;
    fc.assert(
      fc.property(yamlText, (text) => {
        for (const [start, end] of segmentsOf(text)) {
          const read = hasUnusualCharacter(text, start, end) ? undefined : readSubset(text, start, end, true);
          if (read === undefined) {
            declined++;
            continue;
          }
          accepted++;
          const doc = composeOne(text, start, end);
          expect(doc, JSON.stringify(text.slice(start, end))).toBeDefined();
          const value: unknown = doc!.toJS({ maxAliasCount: 1000 });
          expect(canonical(read.value)).toBe(canonical(value));
          expect(canonical(readSubset(text, start, end)?.value)).toBe(canonical(value));
          const shifted = (doc!.contents as { range: number[] }).range;
          expect(read.range).toEqual([shifted[0]! + start, shifted[1]! + start]);
          // Ranges relative to the document's text: compare against a reading of that text alone.
          const alone = readSubset(text.slice(start, end), 0, end - start, true);
          expectSameRanges(alone!.tree!, doc!.contents, "$");
          const requests = requestsFor(value);
          const fast = new SubsetLocator("f.yaml", text, start, end, read.range).resolve(requests);
          const slow = new YamlLocator("f.yaml", text.slice(start, end), doc!).resolve(requests).map((s) => ({ ...s, start: s.start + start, end: s.end + start }));
          expect(fast).toEqual(slow);
        }
      }),
      { numRuns: runs(1500) },
    );
    // Both sides must be exercised: about half the generated documents are in the subset (the
    // YAML 1.1 scalars the generator writes, `y`, `017`, ..., send the rest to `yaml`'s path).
    expect(accepted).toBeGreaterThan(500);
    expect(declined).toBeGreaterThan(200);
  });

  it("types a plain scalar exactly as yaml does, and the first-character shortcut is sound", () => {
    const cases = fc.oneof(fc.constantFrom(...hostileStrings), fc.string({ maxLength: 8 }), fc.stringMatching(/^[-+.~0-9a-fA-FxobnNtTeE_:<]{1,8}$/));
    fc.assert(
      fc.property(cases, (s) => {
        const doc = parseAllDocuments(`k: ${s}`, yamlOptions);
        const single = Array.isArray(doc) && doc.length === 1 ? doc[0] : undefined;
        const node = single && isMap(single.contents) ? single.contents.items[0]?.value : undefined;
        // Only strings that yaml reads back as one plain scalar are comparable.
        if (!single || single.errors.length > 0 || !isScalar(node) || node.type !== "PLAIN" || node.source !== s) return;
        let typed: unknown;
        try {
          typed = resolvePlain(s, false);
        } catch {
          return; // declined: the loader hands such a document to yaml
        }
        expect(canonical(typed)).toBe(canonical(node.value));
        if (s.length > 0 && !maybeTyped(s.charCodeAt(0))) expect(typeof node.value).toBe("string");
      }),
      { numRuns: 3000 },
    );
  });
});

describe("YAML fast path: scalars Kubernetes reads otherwise (YAML 1.1)", () => {
  // Plain scalars built from the characters that decide go-yaml's and yaml's typing.
  const plain = fc.oneof(
    fc.constantFrom(...hostileStrings),
    fc.stringMatching(/^[-+.~0-9a-fA-FxXoObBnNyYtTeE_:<]{1,8}$/),
    fc.constantFrom("y", "Y", "n", "N", "yes", "No", "ON", "off", "Off", "0O17", "0X1F", "+0b1", "-0o7", "1_0.5", ".5_0", ".inf", "+.INF", "9223372036854775808", "1e999"),
  );

  it("the fast reader's screen (mayDisagree) passes only scalars both sides read the same", () => {
    fc.assert(
      fc.property(fc.oneof(plain, fc.stringMatching(/^[1-9][0-9._eE:+-]{0,20}$/), fc.string({ maxLength: 8 })), fc.boolean(), (s, atKey) => {
        if (s === "<<") return; // a merge key on both sides (the reader declines it)
        let here: unknown;
        try {
          here = resolvePlain(s, atKey);
        } catch {
          return; // declined by the reader anyway
        }
        if (!mayDisagree(s, atKey)) expect(disagreement(s, here, atKey), s).toBeUndefined();
      }),
      { numRuns: runs(5000) },
    );
  });

  it("the fast reader and yaml's path accept and refuse the same scalars, as values and as keys, with the same result", () => {
    let refused = 0;
    let fast = 0;
    fc.assert(
      fc.property(plain, fc.boolean(), (s, atKey) => {
        const text = atKey ? `metadata:\n  labels:\n    ${s}: v\n` : `metadata:\n  labels:\n    k: ${s}\n`;
        const docs = parseAllDocuments(text, yamlOptions);
        const doc = Array.isArray(docs) && docs.length === 1 ? docs[0] : undefined;
        // Only texts yaml reads as that one plain scalar are about typing.
        if (!doc || doc.errors.length > 0) return;
        const read = hasUnusualCharacter(text, 0, text.length) ? undefined : readSubset(text, 0, text.length);
        const disagrees = versionDisagreements(doc).length > 0;
        if (read !== undefined) {
          fast++;
          expect(disagrees, s).toBe(false);
          expect(canonical(read.value)).toBe(canonical(doc.toJS()));
        }
        const sources = [{ file: "t.yaml", text }];
        const withFast = loadSources(sources);
        expect(JSON.stringify(withFast)).toBe(JSON.stringify(loadSources(sources, { yamlFastPath: false })));
        expect(withFast.diagnostics.some((d) => d.code === "PC1004"), s).toBe(disagrees);
        if (disagrees) refused++;
      }),
      { numRuns: runs(2000) },
    );
    expect(refused).toBeGreaterThan(200);
    expect(fast).toBeGreaterThan(200);
  });
});

describe("YAML fast path: the loader", () => {
  it("gives byte-identical models and diagnostics with and without it", () => {
    let fastDocs = 0;
    let withErrors = 0;
    let withModel = 0;
    fc.assert(
      fc.property(fc.array(yamlText, { minLength: 1, maxLength: 3 }), fc.boolean(), (texts, json) => {
        const sources = texts.map((text, i) => ({ file: `f${i}.${json && i === 0 ? "json" : "yaml"}`, text }));
        const fast = loadSources(sources);
        const slow = loadSources(sources, { yamlFastPath: false });
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
        for (const { text } of sources) for (const [s, e] of segmentsOf(text)) if (!hasUnusualCharacter(text, s, e) && readSubset(text, s, e)) fastDocs++;
        if (fast.diagnostics.some((d) => d.severity === "error")) withErrors++;
        if (fast.model.endpoints.length + fast.model.policies.length + fast.model.profiles.length > 0) withModel++;
      }),
      { numRuns: runs(400) },
    );
    // Fewer than the reader accepts alone: documents holding a scalar Kubernetes reads otherwise
    // (the generator's `n`, `yes`, `017`, ...) go to `yaml`'s path, which refuses them (PC1004).
    expect(fastDocs).toBeGreaterThan(300);
    expect(Math.min(withErrors, withModel)).toBeGreaterThan(60);
  });
});
