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
import { runsFromEnv } from "../runs.js";

const RUNS = runsFromEnv("REFERENCE_RUNS", 500);
/** REFERENCE_SEED replays a run (fast-check prints the seed of a failure). */
const SEED = process.env.REFERENCE_SEED === undefined ? {} : { seed: Number(process.env.REFERENCE_SEED) };

describe("reference semantics = trace", () => {
  it(`agree on ${RUNS} random clusters x 12 flows, and both verdicts occur`, () => {
    const seen = { allow: 0, deny: 0, ipv6: 0, host: 0, stagedChanges: 0 };
    fc.assert(
      fc.property(
        clusterArb.chain((c) => fc.tuple(fc.constant(c), fc.array(flowArb(c), { minLength: 12, maxLength: 12 }))),
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
            if (flow.ipVersion === 6) seen.ipv6++;
            if (flow.from.kind === "host" || flow.to.kind === "host") seen.host++;
            if (staged && ref.promoted.verdict(flow) !== want) seen.stagedChanges++;
            expect(tracer.explain(flow).verdict, `enforced ${JSON.stringify(flow)}\n${cluster.yaml}`).toBe(want);
            if (staged) expect(staged.pending.explain(flow).verdict, `pending ${JSON.stringify(flow)}\n${cluster.yaml}`).toBe(ref.promoted.verdict(flow));
          }
        },
      ),
      { numRuns: RUNS, ...SEED },
    );
    // The generated clusters must say something: both verdicts in a meaningful share.
    const total = seen.allow + seen.deny;
    expect(seen.allow / total, JSON.stringify(seen)).toBeGreaterThan(0.15);
    expect(seen.deny / total, JSON.stringify(seen)).toBeGreaterThan(0.15);
    // And the features the generators add are exercised: IPv6 flows, host endpoints, staged
    // policies whose promotion changes the verdict.
    expect(seen.ipv6 / total, JSON.stringify(seen)).toBeGreaterThan(0.1);
    expect(seen.host / total, JSON.stringify(seen)).toBeGreaterThan(0.03);
    expect(seen.stagedChanges / total, JSON.stringify(seen)).toBeGreaterThan(0.005);
    console.log(`reference differential: ${JSON.stringify(seen)}`);
  }, 600_000);
});
