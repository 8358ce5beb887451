/**
 * The class-level matrix equals the naive all-pairs trace: on random clusters (the differential
 * generators), every ordered pod pair and probe the matrix reports gets the verdict that
 * tracing that one flow through its nodes gives (explain's walk: one FORWARD traversal on a
 * shared node, egress then ingress across nodes), and the matrix reports exactly the pairs and
 * probes it should. MATRIX_RUNS raises the number of clusters. The same holds for the IPv6 matrix
 * of the clusters made dual-stack (generators.ts dualStack).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import { matrixJsonChunks, reachabilityMatrix, renderMatrixText, type MatrixOptions } from "../../src/trace/index.js";
import { matrixLines, naiveLines, naiveText } from "../trace/naive.js";
import { clusterArb, dualStack, PORTS, v6Twin } from "./generators.js";
import { runsFromEnv } from "../runs.js";

const RUNS = runsFromEnv("MATRIX_RUNS", 150);

const optionsArb: fc.Arbitrary<MatrixOptions> = fc.oneof(
  fc.constant({}),
  fc.record({ protocol: fc.constantFrom("TCP" as const, "UDP" as const, "SCTP" as const), port: fc.constantFrom(...PORTS, 60, 450, 8500) }),
  fc.constant({ protocol: "ICMP" as const }),
  fc.record({ protocol: fc.constantFrom("TCP" as const, "UDP" as const) }),
  fc.record({ port: fc.constantFrom(80, 8080), srcPort: fc.constantFrom(53, 40000, 1024) }),
);

describe("class matrix = naive all-pairs trace", () => {
  it("dualStack gives pods an IPv6 twin (the helper the IPv6 property relies on)", () => {
    expect(v6Twin("10.0.1.12")).toBe("fd00::a00:10c");
    expect(v6Twin("10.0.0.0/16")).toBe("fd00::a00:0/112");
    const out = dualStack("kind: WorkloadEndpoint\nspec:\n  ipNetworks: [10.0.0.10/32]\n---\nstatus:\n  podIP: 10.0.1.11\n---\nspec:\n  nets: [0.0.0.0/0, 192.168.1.0/24]\n");
    expect(out).toContain("- fd00::a00:a/128");
    expect(out).toContain("- ip: fd00::a00:10b");
    expect(out).toContain("- fd00::c0a8:100/120");
    expect(out).not.toContain("fd00::0:0/96");
  });

  it(`agree on ${RUNS} random clusters`, () => {
    fc.assert(
      fc.property(clusterArb, optionsArb, (cluster, options) => {
        const { model } = loadSources([{ file: "cluster.yaml", text: cluster.yaml }]);
        const m = reachabilityMatrix(model, options);
        const pairs = [...m.pairs()];
        expect(pairs.length).toBe(m.pairCount);
        // Every ordered pair of distinct pods, each destination's probes, nothing else.
        const expectedPairs = m.pods.flatMap((from) => m.pods.filter((to) => to !== from).flatMap((to) => m.probes(to).map((pr) => `${from} -> ${to} ${pr.protocol}/${String(pr.port)}`)));
        expect(pairs.map((p) => `${p.from} -> ${p.to} ${p.protocol}/${String(p.port)}`)).toEqual(expectedPairs);
        expect(m.pods.length).toBe(cluster.pods.length);
        expect(matrixLines(m), cluster.yaml).toEqual(naiveLines(model, m));
        for (const p of pairs) expect(m.verdict(p.from, p.to, p.protocol, p.port)).toBe(p.verdict);
        // The streamed outputs are the bytes of the materialised ones.
        expect(renderMatrixText(m)).toBe(naiveText({ pods: m.pods, pairs }));
        expect([...matrixJsonChunks(m, 5)].join("")).toBe(JSON.stringify({ pairs }, null, 2));
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it(`agree on the IPv6 matrix of ${Math.ceil(RUNS / 2)} random dual-stack clusters`, () => {
    fc.assert(
      fc.property(clusterArb, optionsArb, (cluster, options) => {
        const yaml = cluster.dual ? cluster.yaml : dualStack(cluster.yaml);
        const { model } = loadSources([{ file: "cluster.yaml", text: yaml }]);
        const m = reachabilityMatrix(model, { ...options, ipVersion: 6 });
        expect(m.ipVersion).toBe(6);
        // Every pod is dual-stack, so every pod is in the IPv6 matrix.
        expect(m.pods.length).toBe(cluster.pods.length);
        const pairs = [...m.pairs()];
        expect(pairs.length).toBe(m.pairCount);
        expect(matrixLines(m), yaml).toEqual(naiveLines(model, m));
        expect([...matrixJsonChunks(m, 5)].join("")).toBe(JSON.stringify({ pairs }, null, 2));
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  }, 600_000);
});
