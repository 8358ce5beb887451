/**
 * The fast path for Pods, Namespaces and ServiceAccounts (src/model/schema/fast.ts) is an
 * optimisation only:
 * - whenever it accepts a resource, zod accepts it too and returns exactly the same value;
 * - the loader gives the same model and the same diagnostics with and without it, for valid and
 *   malformed inputs alike (malformed ones always reach zod).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectFastPathAgreesWithZod, expectLoaderUnchangedWithoutFastPath, places, zodOnlyLoader } from "./fast-path-harness.js";
import type { ResourceKind } from "../../src/model/resources.js";
import { fastParse } from "../../src/model/schema/fast.js";

// For each field, values that are valid and values that are not; a noisy resource mixes in the
// invalid ones and junk of every JSON type, a clean one uses only valid values.
const junk = fc.constantFrom<unknown>(null, true, 0, -1, 1.5, "", [], {}, ["x"], { a: 1 });
const values = {
  name: [["pod-1", "a", "web.v1", "ns-7", "x".repeat(63)], ["x".repeat(64), "a".repeat(254), "Bad_Name", "-a", "a-", ""]],
  labelKey: [["app", "tier", "example.com/team", "a.b-c_d", "constructor", "toString"], ["bad key", "-x", "/x", "Example.com/x", "x".repeat(64), "__proto__"]],
  labelValue: [["web", "", "v1.2_3", "A"], ["bad value", "-x", "x".repeat(64)]],
  address: [["10.0.0.1", "10.244.1.7", "fd00::1", "::ffff:10.0.0.1"], ["10.0.0.1/32", "10.0.0.01", "999.0.0.1", "fd00::/64", 5, ""]],
  port: [[80, 8080, 1, 65535], [0, 65536, 1.5, "80", -1, undefined]],
  protocol: [["TCP", "UDP", "SCTP"], ["tcp", "ICMP", 6]],
  portName: [["http", "metrics", ""], [7, "Bad", "a b", "web\n", "x".repeat(16)]],
  node: [["node-1", "n", ""], [3, "node 1", "n\n-F INPUT", "Node", "n+"]],
  sa: [["default", "sa-1"], [false, 'sa"x', "sa x", "x".repeat(254)]],
  phase: [["Running", "Pending", "Succeeded"], [1]],
} as const satisfies Record<string, readonly [readonly unknown[], readonly unknown[]]>;

function value(noisy: boolean, which: keyof typeof values): fc.Arbitrary<unknown> {
  const [good, bad] = values[which];
  return noisy ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom<unknown>(...good) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(...bad) }, { weight: 1, arbitrary: junk }) : fc.constantFrom<unknown>(...good);
}

/** Sometimes absent; when noisy, sometimes junk. */
function field(noisy: boolean, arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 5, arbitrary: arb }, ...(noisy ? [{ weight: 1, arbitrary: junk }] : []));
}

/**
 * A mapping of `fields`, sometimes with one more key: from `extras` when given (a closed object:
 * the fields it accepts and drops; noisy ones may add an unknown key), else any of a few.
 */
function record(noisy: boolean, fields: Record<string, fc.Arbitrary<unknown>>, extras?: readonly string[]): fc.Arbitrary<unknown> {
  const names = extras === undefined ? ["extra", "image", "uid"] : noisy ? [...extras, "extra"] : extras;
  const extra = names.length === 0 ? fc.constant(undefined) : fc.option(fc.tuple(fc.constantFrom(...names), junk), { nil: undefined });
  const obj = fc.tuple(fc.record(fields), extra).map(([r, x]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
    if (x) out[x[0]] = x[1];
    return out;
  });
  return noisy ? fc.oneof({ weight: 8, arbitrary: obj }, { weight: 1, arbitrary: junk }) : obj;
}

function list(item: fc.Arbitrary<unknown>, maxLength: number): fc.Arbitrary<unknown> {
  return fc.array(item, { maxLength });
}

function labels(noisy: boolean): fc.Arbitrary<unknown> {
  return fc.array(fc.tuple(value(noisy, "labelKey"), value(noisy, "labelValue")), { maxLength: 4 }).map((entries) => {
    const out: Record<string, unknown> = {};
    // defineProperty, so a "__proto__" key is an own property as JSON.parse makes it.
    for (const [k, v] of entries) Object.defineProperty(out, String(k), { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });
}

function resource(kind: string, noisy: boolean): fc.Arbitrary<Record<string, unknown>> {
  const v = (which: keyof typeof values) => value(noisy, which);
  const f = (arb: fc.Arbitrary<unknown>) => field(noisy, arb);
  const metadata = record(noisy, { name: v("name"), namespace: f(v("name")), labels: f(labels(noisy)) }, ["uid", "resourceVersion", "annotations", "managedFields"]);
  const containerPort = record(noisy, { name: f(v("portName")), containerPort: v("port"), protocol: f(v("protocol")) });
  const container = record(noisy, { name: f(fc.constant("main")), ports: f(list(containerPort, 3)) });
  const spec = record(noisy, { nodeName: f(v("node")), hostNetwork: f(fc.boolean()), serviceAccountName: f(v("sa")), serviceAccount: f(v("sa")), containers: f(list(container, 3)) });
  const status = record(noisy, { phase: f(v("phase")), podIP: f(v("address")), podIPs: f(list(record(noisy, { ip: v("address") }), 2)) });
  const top: Record<string, fc.Arbitrary<unknown>> = kind === "ServiceAccount" ? { automountServiceAccountToken: f(fc.boolean()) } : { spec: f(spec), status: f(status) };
  return record(noisy, { apiVersion: fc.constant("v1"), kind: fc.constant(kind), metadata, ...top }, kind === "ServiceAccount" ? ["secrets"] : []) as fc.Arbitrary<Record<string, unknown>>;
}

const badValue = fc.oneof(junk, fc.constantFrom<unknown>(...Object.values(values).flatMap(([, bad]): readonly unknown[] => bad)));
const badKey = fc.constantFrom(...values.labelKey[1], "extra");

/**
 * A clean resource with up to three edits: a value replaced by an invalid one or by junk, or an
 * invalid key added to some mapping. One edit among valid fields is what finds a fast path that
 * is too lenient.
 */
const anyResource = (kind: string) =>
  fc
    .tuple(
      fc.oneof(resource(kind, false), resource(kind, true)),
      fc.array(fc.tuple(fc.nat(), fc.boolean(), badValue, badKey, fc.constantFrom<unknown>("web", "x")), { maxLength: 3 }),
    )
    .map(([r, edits]) => {
      const doc = structuredClone(r);
      for (const [seed, addKey, bad, key, keyValue] of edits) {
        const all = places(doc);
        if (all.length === 0) continue;
        const [container, k] = all[seed % all.length]!;
        if (addKey) {
          const target = container[k];
          if (typeof target === "object" && target !== null && !Array.isArray(target)) Object.defineProperty(target, key, { value: keyValue, enumerable: true, writable: true, configurable: true });
        } else container[k] = structuredClone(bad);
      }
      return doc;
    })
    .filter((r) => typeof r === "object" && r !== null && !Array.isArray(r));

const cases: [ResourceKind, fc.Arbitrary<Record<string, unknown>>][] = [
  ["k8s/Pod", anyResource("Pod")],
  ["k8s/Namespace", anyResource("Namespace")],
  ["k8s/ServiceAccount", anyResource("ServiceAccount")],
];

describe("fast path", () => {
  it.each(cases)("%s: whenever the fast path accepts, zod accepts with the same value", (kind, arb) => {
    expectFastPathAgreesWithZod(kind, arb, 2000);
  });

  it("is not used for kinds it does not know", () => {
    // A valid Tier: only zod decides for kinds without a fast path.
    expect(fastParse("calico/Tier", { metadata: { name: "security" }, spec: { order: 100 } })).toBeUndefined();
  });

  it("the loader gives the same model and diagnostics with and without it", async () => {
    const mocked = (await zodOnlyLoader()).fastParse;
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } };
    expect([fastParse("k8s/Pod", pod), mocked("k8s/Pod", pod)]).toEqual([{ metadata: { name: "p" } }, undefined]);
    const documents = fc.array(fc.oneof(anyResource("Pod"), anyResource("Namespace"), anyResource("ServiceAccount")), { minLength: 1, maxLength: 6 });
    await expectLoaderUnchangedWithoutFastPath(documents, (r) => r.model.endpoints.length > 0);
  });
});
