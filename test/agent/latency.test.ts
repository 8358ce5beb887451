/** The status dump's latency window: a ring of the newest samples, and the samples since a mark. */
import { describe, expect, it } from "vitest";
import { LatencyWindow } from "../../src/agent/latency.js";

describe("LatencyWindow", () => {
  it("keeps the newest `capacity` samples and sums them up", () => {
    const w = new LatencyWindow(4);
    for (const ms of [100, 1, 2, 3, 4, 5]) w.add(ms);
    expect(w.summary()).toEqual({ count: 4, p50: 4, p99: 5, max: 5 });
    expect(w.total).toBe(6);
  });

  it("gives the samples after a mark, oldest first, as far as the ring still holds them", () => {
    const w = new LatencyWindow(3);
    w.add(7);
    const mark = w.total;
    w.add(8);
    w.add(9);
    expect(w.since(mark)).toEqual([8, 9]);
    w.add(10);
    w.add(11);
    expect(w.since(mark)).toEqual([9, 10, 11]);
    expect(w.since(w.total)).toEqual([]);
  });
});
