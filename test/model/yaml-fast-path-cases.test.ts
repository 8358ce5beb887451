/**
 * Named cases for the YAML fast path: every construct where a faster parser (js-yaml 4, measured
 * in notes/yaml-at-scale.md) and `yaml` disagree, or where `yaml`'s node ranges follow rules the
 * subset reader does not copy. Each is either read by the fast path to exactly `yaml`'s value,
 * or declined (the document, or the whole file, goes to `yaml`); in both cases the loader's
 * output is byte-identical to the `yaml`-only loader's.
 */
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/load.js";
import { yamlOptions } from "../../src/model/yaml-scalars.js";
import { hasUnusualCharacter, splitYamlStream } from "../../src/model/yaml-stream.js";
import { readSubset } from "../../src/model/yaml-subset.js";
import { diagsOf, load } from "./harness.js";

/** Whether every document of `text` is read by the fast path. */
function readsFast(text: string): boolean {
  const s = splitYamlStream(text);
  if (s === undefined) return false;
  for (let i = 0; i < s.length; i += 2) {
    const [start, end] = [s[i] as number, s[i + 1] as number];
    if (text.slice(start, end).trim() === "") continue;
    if (hasUnusualCharacter(text, start, end) || readSubset(text, start, end) === undefined) return false;
  }
  return true;
}

function expectSameLoad(text: string): void {
  const sources = [{ file: "t.yaml", text }];
  expect(JSON.stringify(loadSources(sources))).toBe(JSON.stringify(loadSources(sources, { yamlFastPath: false })));
}

// [what, text, read by the fast path?, the value of `a` when it is]
const scalars: [string, string, unknown][] = [
  ["True is a boolean, tRue a string", "a: True\nb: tRue", true],
  ["~ and Null are null", "a: ~\nb: Null", null],
  ["0o17 is octal", "a: 0o17", 15],
  ["0x1F is hex", "a: 0x1F", 31],
  [".5 and 1. are floats", "a: .5\nb: 1.", 0.5],
  ["a date is a string", "a: 2001-12-14", "2001-12-14"],
  ["8000:8080 is a string (sexagesimal in YAML 1.1)", "a: 8000:8080", "8000:8080"],
  ["a selector with braces, quotes and commas is one plain scalar", "a: tier in {'web', 'api'}, x", "tier in {'web', 'api'}, x"],
  ["single-quoted doubling", "a: 'it''s'", "it's"],
  ["double-quoted JSON escapes", 'a: "\\u00e9\\n\\"\\/"', 'é\n"/'],
  ["a comment after a space is not content", "a: b # c", "b"],
  ["# without a space before it is content", "a: b#c", "b#c"],
  ["__proto__ is an own key", "a: x\n__proto__: z", "x"],
  ["007 is 7 on both sides (octal 7 is 7)", "a: 007", 7],
  ["08 is 8 on both sides (not octal: go-yaml falls back to a float)", "a: 08", 8],
  ["1:20 is a string on both sides (go-yaml has no sexagesimal numbers)", "a: 1:20", "1:20"],
];

/**
 * Scalars that Kubernetes (go-yaml v2, YAML 1.1) reads otherwise than `yaml` (YAML 1.2): js-yaml
 * differed on some of them too. The fast path declines them and the loader refuses them (PC1004),
 * the same with and without the fast path.
 */
const refused: [string, string, string][] = [
  ["0b11 (YAML 1.1 binary: 3)", "a: 0b11", "`0b11` is the number 3 to Kubernetes"],
  ["-0x1 (signed hex: -1)", "a: -0x1", "`-0x1` is the number -1 to Kubernetes"],
  ["yes (YAML 1.1 boolean)", "a: yes", "`yes` is the boolean true to Kubernetes"],
  ["017 (octal 15)", "a: 017", "`017` is the number 15 to Kubernetes and calicoctl (YAML 1.1) but the number 17 here"],
  ["1_000 (underscores: 1000)", "a: 1_000", "`1_000` is the number 1000 to Kubernetes"],
  ["-.inf (JSON has no infinity)", "a: -.inf", "cannot convert minus infinity to JSON"],
];

const declined: [string, string][] = [
  ["a block mapping on the --- line (js-yaml accepts)", "--- a: 1\n"],
  ["content after ... (js-yaml accepts)", "a: 1\n... x\n"],
  ["a %YAML directive", "%YAML 1.2\n---\na: b\n"],
  ["an implicit key over 1024 characters (js-yaml accepts)", `${"k".repeat(1100)}: v\n`],
  ["a comment glued to a quoted scalar (js-yaml accepts)", 'a: "x"#c\n'],
  ["a comment glued to a flow collection (js-yaml accepts)", "a: [1]#c\n"],
  ["a flow sequence continued on a less indented line (js-yaml accepts)", "a: [1,\n2]\n"],
  ["a quoted scalar continued on a line not indented past its key (js-yaml accepts)", "a:\n  b: 'x\n  y'\n"],
  ["a null key (js-yaml: \"null\", yaml: \"\")", "~: x\n"],
  ["an empty key in a flow mapping", "a: {: b}\n"],
  ["a collection as a key", "[a, b]: c\n"],
  ["an integer key", "1: a\n"],
  ["a boolean key", "true: a\n"],
  ["duplicate keys, quoted differently", "'q': 1\n\"q\": 2\n"],
  ["duplicate keys", "a: 1\na: 2\n"],
  ["a merge key", "b: &x {c: 1}\na:\n  <<: *x\n"],
  ["an anchor and an alias", "a: &x 1\nb: *x\n"],
  ["an explicit tag", "a: !!str 1\n"],
  ["an explicit ? key", "? a\n: b\n"],
  ["a tab before a sequence", "a:\n\t- b\n"],
  ["a tab inside a value", "a: x\ty\n"],
  ["CRLF line breaks", "a: 1\r\nb: 2\r\n"],
  ["a lone CR", "a: 1\rb: 2\n"],
  ["a byte-order mark", "\ufeffa: 1\n"],
  ["a non-printable character (js-yaml rejects, yaml accepts)", "a: \u0007\n"],
  ["a line separator", "a: x\u2028y\n"],
  ["a literal block scalar with keep chomping", "a: |+\n  x\n\n"],
  ["a folded block scalar", "a: >-\n  x\n  y\n"],
  ["a multi-line plain scalar", "a: b\n  c\n"],
  ["a bare key: (yaml ends the enclosing mapping at the null)", "a:\n  b:\nc: 1\n"],
  ["an indented comment after a collection's last line (yaml may count it in)", "a:\n  b: 1\n # c\n"],
  ["an indented comment between a collection's last line and the next key", "a:\n  b: 1\n   # c\nd: 1\n"],
  ["a dash alone on its line", "-\n  a: 1\n"],
  ["a YAML-only escape \\x41", 'a: "\\x41"\n'],
  ["a space before the colon", "a : b\n"],
  ["a flow mapping", "a: {b: 1}\n"],
  ["a root scalar", "hello\n"],
  ["nesting deeper than 200 levels", `${"- ".repeat(300)}x\n`],
];

describe("YAML fast path: named cases", () => {
  it.each(scalars)("%s", (_what, text, a) => {
    expect(readsFast(text)).toBe(true);
    const read = readSubset(text, 0, text.length)?.value as Record<string, unknown>;
    const docs = parseAllDocuments(text, yamlOptions);
    const yamlValue = (Array.isArray(docs) ? docs[0] : docs)!.toJS() as Record<string, unknown>;
    expect(read.a).toStrictEqual(a);
    expect(JSON.stringify(read)).toBe(JSON.stringify(yamlValue));
    expect(Object.keys(read)).toEqual(Object.keys(yamlValue));
    expectSameLoad(text);
  });

  it("keeps __proto__ an own property, as yaml does", () => {
    const read = readSubset("__proto__: z\n", 0, 13)?.value as object;
    expect(Object.hasOwn(read, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
  });

  it.each(refused)("declines and refuses %s", (_what, text, message) => {
    expect(readsFast(text)).toBe(false);
    expectSameLoad(text);
    expect(diagsOf(text)).toEqual([{ code: "PC1004", line: 1, column: 4 }]);
    expect(load(text).diagnostics[0]?.message).toContain(message);
  });

  it.each(declined)("declines %s", (_what, text) => {
    expect(readsFast(text)).toBe(false);
    expectSameLoad(text);
    // The same inside a stream of fast documents (so only that document, or the file, falls back).
    expectSameLoad(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n${text}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n`);
  });

  it("places an empty document after --- right after the marker, as yaml does", () => {
    const text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n# nothing\n";
    expectSameLoad(text);
    expect(diagsOf(text)).toEqual([{ code: "PC2001", line: 5, column: 4 }]);
    expect(load(text).diagnostics[0]?.message).toBe("expected a resource (a mapping with apiVersion and kind), found an empty value");
  });

  it("reports a merge key whose value is not a mapping as a syntax error at the key, not a crash", () => {
    const text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    <<: 0\n";
    expectSameLoad(text);
    expect(diagsOf(text)).toEqual([{ code: "PC1001", line: 6, column: 5 }]);
    expect(load(text).diagnostics[0]?.message).toBe("YAML syntax error: Merge sources must be maps or map aliases");
  });

  it("locates a selector error inside an escaped double-quoted string exactly, on the fast path", () => {
    const text = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: p\nspec:\n  selector: "\\u00e9 == \\"x\\" &&"\n';
    expect(readsFast(text)).toBe(true);
    expectSameLoad(text);
    expect(diagsOf(text).map((d) => d.code)).toEqual(["PC1002"]);
  });
});
