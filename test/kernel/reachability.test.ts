/** The truth-table helpers and interface naming, checked without a kernel. */
import { describe, expect, it } from "vitest";
import { Reachability, renderMatrix } from "./harness/reachability.js";
import { calicoInterfaceName } from "./harness/topology.js";

const PODS = ["x/a", "x/b", "y/a"];

describe("Reachability (upstream reachability.go semantics)", () => {
  it.each([
    ["default true", (r: Reachability) => r, "x/b", "x/a", true],
    ["expect sets one cell", (r: Reachability) => r.expect("x/b", "x/a", false), "x/b", "x/a", false],
    ["expect leaves the reverse", (r: Reachability) => r.expect("x/b", "x/a", false), "x/a", "x/b", true],
    ["expectAllIngress sets a column", (r: Reachability) => r.expectAllIngress("x/a", false), "y/a", "x/a", false],
    ["expectAllIngress leaves egress", (r: Reachability) => r.expectAllIngress("x/a", false), "x/a", "y/a", true],
    ["expectAllEgress sets a row", (r: Reachability) => r.expectAllEgress("x/a", false), "x/a", "y/a", false],
    ["expectPeer by namespace", (r: Reachability) => r.expectPeer({ namespace: "y" }, { namespace: "x" }, false), "y/a", "x/b", false],
    ["expectPeer empty matches all", (r: Reachability) => r.expectPeer({}, { namespace: "x", pod: "a" }, false), "y/a", "x/a", false],
    ["expectPeer other namespace untouched", (r: Reachability) => r.expectPeer({ namespace: "y" }, { namespace: "x" }, false), "x/a", "x/b", true],
    ["later calls override", (r: Reachability) => r.expectAllIngress("x/a", false).expect("x/b", "x/a", true), "x/b", "x/a", true],
  ])("%s", (_name, build, from, to, want) => {
    expect(build(new Reachability(PODS, true)).get(from, to)).toBe(want);
  });

  it("probes all ordered pairs except loopback", () => {
    expect(new Reachability(PODS, true).pairs()).toHaveLength(6);
  });

  it("rejects unknown pods", () => {
    expect(() => new Reachability(PODS, true).expect("z/a", "x/a", true)).toThrow("unknown pod z/a");
  });

  it("renders expected, observed and difference matrices", () => {
    const r = new Reachability(PODS, true).expectAllIngress("x/a", false);
    expect(renderMatrix(PODS, (f, t) => r.get(f, t))).toBe(
      ["from\\to x/a x/b y/a", "x/a     -   .   .  ", "x/b     X   -   .  ", "y/a     X   .   -  "].join("\n"),
    );
    const diff = renderMatrix(PODS, () => true, (f, t) => r.get(f, t));
    expect(diff.split("\n")[2]).toBe("x/b     !   -   .  ");
  });
});

describe("calicoInterfaceName", () => {
  // Expected values from `printf 'x.a' | sha1sum` and `printf 'default.web' | sha1sum`.
  it.each([
    ["x", "a", "cali456b416f2bf"],
    ["default", "web", "cali68caf03a5f4"],
  ])("%s/%s -> %s", (ns, pod, want) => {
    expect(calicoInterfaceName(ns, pod)).toBe(want);
  });
});
