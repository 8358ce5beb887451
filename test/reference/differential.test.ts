/**
 * Differential test: on random clusters (loaded through the real loader) and random flows, the
 * reference evaluator (the semantics) and the trace (the compiled rules, interpreted as the
 * kernel runs them) give the same verdict. REFERENCE_RUNS raises the number of clusters.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import { explainFlow } from "../../src/trace/index.js";
import { referenceVerdict } from "./evaluate.js";
import { clusterArb, flowArb } from "./generators.js";
import { runsFromEnv } from "../runs.js";

const RUNS = runsFromEnv("REFERENCE_RUNS", 1000);

describe("reference semantics = trace", () => {
  it(`agree on ${RUNS} random clusters x 8 flows`, () => {
    fc.assert(
      fc.property(
        clusterArb.chain((c) => fc.tuple(fc.constant(c), fc.array(flowArb(c), { minLength: 8, maxLength: 8 }))),
        ([cluster, flows]) => {
          const { model, diagnostics } = loadSources([{ file: "cluster.yaml", text: cluster.yaml }]);
          const errors = diagnostics.filter((d) => d.severity === "error");
          expect(errors, cluster.yaml).toEqual([]);
          for (const flow of flows) {
            const want = referenceVerdict(model, flow);
            const got = explainFlow(model, flow).verdict;
            expect(got, `${JSON.stringify(flow)}\n${cluster.yaml}`).toBe(want);
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
