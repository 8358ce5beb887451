/**
 * How Kubernetes types a plain YAML scalar (go-yaml v2's resolve, as sigs.k8s.io/yaml uses it to
 * turn YAML into JSON), written out case by case, and which of them `yaml` (YAML 1.2) reads the
 * same way.
 */
import { describe, expect, it } from "vitest";
import { disagreement, goResolvePlain, jsonKey, jsonValue } from "../../src/model/yaml-11.js";
import { resolvePlain } from "../../src/model/yaml-scalars.js";

describe("go-yaml v2 reads a plain scalar as", () => {
  // [scalar, its JSON value for Kubernetes (undefined: JSON cannot hold it), same in YAML 1.2?]
  it.each<[string, unknown, boolean]>([
    ["80", 80, true],
    ["+80", 80, true],
    ["0120", 80, false], // a leading 0 is octal (strconv.ParseInt with base 0)
    ["-0120", -80, false],
    ["007", 7, true],
    ["08", 8, true], // not octal: ParseInt fails, go-yaml falls back to a float
    ["0o120", 80, true],
    ["0O120", 80, false],
    ["0x50", 80, true],
    ["0X50", 80, false],
    ["-0x50", -80, false],
    ["0b1010000", 80, false],
    ["-0b1", -1, false],
    ["8_080", 8080, false], // every `_` is removed first
    ["1__0", 10, false],
    ["_1", "_1", true],
    ["0x_50", 80, false],
    ["1_0.5", 10.5, false],
    [".5_0", 0.5, false], // Go's ParseFloat takes `_` between digits
    ["1.5", 1.5, true],
    [".5", 0.5, true],
    ["1.", 1, true],
    ["1e3", 1000, true],
    ["1e400", "1e400", false], // ParseFloat overflows: go-yaml keeps the string
    ["9223372036854775808", 9223372036854775808, true], // beyond int64: uint64
    ["18446744073709551616", 18446744073709551616, true], // beyond uint64: a float
    ["1:20", "1:20", true], // no sexagesimal numbers in go-yaml
    ["2001-12-14", "2001-12-14", true], // a timestamp, kept as its text in an interface{}
    ["0x", "0x", true],
    ["y", true, false],
    ["Y", true, false],
    ["yes", true, false],
    ["YES", true, false],
    ["on", true, false],
    ["On", true, false],
    ["true", true, true],
    ["True", true, true],
    ["tRue", "tRue", true],
    ["n", false, false],
    ["NO", false, false],
    ["off", false, false],
    ["OFF", false, false],
    ["False", false, true],
    ["~", null, true],
    ["null", null, true],
    ["NULL", null, true],
    ["nil", "nil", true],
    [".inf", undefined, false],
    ["-.Inf", undefined, false],
    [".NaN", undefined, false],
    ["toString", "toString", true],
    ["constructor", "constructor", true],
  ])("%s", (scalar, json, same) => {
    expect(jsonValue(goResolvePlain(scalar))).toEqual(json);
    expect(disagreement(scalar, resolvePlain(scalar, false), false) === undefined).toBe(same);
  });
});

describe("as a mapping key, sigs.k8s.io/yaml makes it the JSON key", () => {
  it.each<[string, string | undefined]>([
    ["app", "app"],
    ["80", "80"],
    ["0120", "80"],
    ["yes", "true"],
    ["off", "false"],
    ["1.5", "1.5"],
    ["1e6", "1e+06"], // FormatFloat(f, 'g', -1, 32)
    ["0.1", "0.1"],
    [".inf", ".inf"],
    ["~", undefined], // a null key: the conversion fails
    ["9223372036854775808", undefined], // a uint64 key: the conversion fails
  ])("%s → %s", (scalar, key) => {
    expect(jsonKey(goResolvePlain(scalar))).toBe(key);
  });
});
