/** "Did you mean": edit distance with adjacent swaps, and when a candidate is close enough. */
import { describe, expect, it } from "vitest";
import { closest, editDistance } from "../../src/model/suggest.js";

describe("editDistance", () => {
  it.each([
    ["spec", "spec", 0],
    ["sepc", "spec", 1], // a swap of two neighbours is one edit
    ["lables", "labels", 1],
    ["Spec", "spec", 0], // case does not count
    ["spe", "spec", 1],
    ["specs", "spec", 1],
    ["sxec", "spec", 1],
    ["abc", "cab", 2],
    ["", "abc", 3],
    ["ingres", "ingress", 1],
  ])("%j → %j is %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("closest", () => {
  it.each([
    ["sepc", ["metadata", "spec", "status"], "spec"],
    ["lables", ["name", "namespace", "labels"], "labels"],
    ["nodename", ["nodeName", "hostNetwork"], "nodeName"],
    ["xyz", ["metadata", "spec"], undefined], // too far from everything
    ["spec", ["spec"], undefined], // the word itself is not a suggestion
  ])("%j among %j → %j", (word, candidates, want) => {
    expect(closest(word, candidates)).toBe(want);
  });
});
