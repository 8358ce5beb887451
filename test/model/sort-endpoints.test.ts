/** sortEndpoints (build.ts) groups by namespace before sorting: the order must be that of one sort by key. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortEndpoints } from "../../src/model/build.js";
import type { WorkloadEndpoint } from "../../src/model/types.js";

// Characters on both sides of "/" (0x2F): "-" and "." sort before it, digits and letters after.
const part = fc.stringMatching(/^[a-z0-9][-.a-z0-9]{0,3}$/);

function endpoint(namespace: string, name: string, key = `${namespace}/${name}`): WorkloadEndpoint {
  return { kind: "WorkloadEndpoint", key, namespace, name, interfaceName: "cali0", ipNetworks: [], labels: {}, profiles: [], ports: [] };
}

const byKey = (a: WorkloadEndpoint, b: WorkloadEndpoint): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

describe("sortEndpoints", () => {
  it("orders as one sort by key", () => {
    const endpoints = fc.uniqueArray(fc.tuple(fc.oneof(part, fc.constantFrom("a", "a-b", "a.b", "ab", "a0")), part), { selector: ([ns, n]) => `${ns}/${n}`, maxLength: 40 });
    fc.assert(
      fc.property(endpoints, (pairs) => {
        const sorted = sortEndpoints(pairs.map(([ns, n]) => endpoint(ns, n)));
        expect(sorted.map((e) => e.key)).toEqual(pairs.map(([ns, n]) => endpoint(ns, n)).sort(byKey).map((e) => e.key));
      }),
      { numRuns: 500 },
    );
  });

  it("falls back to one sort when a key is not <namespace>/<name>", () => {
    const list = [endpoint("a", "x"), endpoint("b", "y", "0/z"), endpoint("a/b", "c")];
    expect(sortEndpoints(list).map((e) => e.key)).toEqual(["0/z", "a/b/c", "a/x"]);
  });
});
