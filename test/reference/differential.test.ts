/**
 * Differential test: on random clusters and random flows, the independent reference (the
 * semantics, read from the resources as written: semantics.ts) and the trace (the compiled
 * rules, interpreted as the kernel runs them) give the same verdict, enforced and pending (every
 * staged policy promoted). REFERENCE_RUNS raises the number of clusters.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import { FlowTracer, StagedTracer } from "../../src/trace/index.js";
import { clusterArb, flowArb } from "./generators.js";
import { referenceOf } from "./semantics.js";

const RUNS = Number(process.env.REFERENCE_RUNS ?? 1000);

describe("reference semantics = trace", () => {
  it(`agree on ${RUNS} random clusters x 8 flows, and both verdicts occur`, () => {
    const seen = { allow: 0, deny: 0 };
    fc.assert(
      fc.property(
        clusterArb.chain((c) => fc.tuple(fc.constant(c), fc.array(flowArb(c), { minLength: 8, maxLength: 8 }))),
        ([cluster, flows]) => {
          const sources = [{ file: "cluster.yaml", text: cluster.yaml }];
          const { model, diagnostics } = loadSources(sources);
          const errors = diagnostics.filter((d) => d.severity === "error");
          expect(errors, cluster.yaml).toEqual([]);
          const ref = referenceOf(sources);
          const staged = cluster.staged ? new StagedTracer(model) : undefined;
          const tracer = staged?.enforced ?? new FlowTracer(model);
          for (const flow of flows) {
            const want = ref.enforced.verdict(flow);
            seen[want]++;
            expect(tracer.explain(flow).verdict, `enforced ${JSON.stringify(flow)}\n${cluster.yaml}`).toBe(want);
            if (staged) expect(staged.pending.explain(flow).verdict, `pending ${JSON.stringify(flow)}\n${cluster.yaml}`).toBe(ref.promoted.verdict(flow));
          }
        },
      ),
      { numRuns: RUNS },
    );
    // The generated clusters must say something: both verdicts in a meaningful share.
    const total = seen.allow + seen.deny;
    expect(seen.allow / total, JSON.stringify(seen)).toBeGreaterThan(0.15);
    expect(seen.deny / total, JSON.stringify(seen)).toBeGreaterThan(0.15);
  }, 600_000);
});
