// Differential check used for notes/yaml-at-scale.md: each case through `yaml` (today's loader
// options) and js-yaml, printing DIFF where they disagree on acceptance or value.
// Not part of the build or tests. Run: npm install --no-save js-yaml && node notes/yaml-differential.mjs
import { parseAllDocuments } from "yaml";
import * as jsyaml from "js-yaml";
const cases = [
 "{a:1}", "[a:1]", "ports: [80, 8000:8080, http]", "{\"a\":1}", "[\"a\":1]", "--- a: 1", "--- [1]", "--- |\n a\n", "a: 1\n... x\n",
 "a:\n\t- b", "a:\tb", "- \tb", "k" + "x".repeat(1100) + ": v", "a: 'x\n\n  y'", "a: \"x\\\n  y\"", "a: b\n  c", "a: >\n  x\n\n   y\n  z\n", "a: |2\n   x\n",
 "? a\n: b", ": b", "a: 1\r2", "a: \"\\x41\\u00e9\\N\\_\\L\\P\\/\\ \\t\"", "a: 0o17", "a: 017", "a: 0x1F", "a: 1_000", "a: +1", "a: .5", "a: 1.", "a: 1e3", "a: 1E+3", "a: .Inf", "a: -.inf", "a: .NaN", "a: yes", "a: True", "a: tRue", "a: ~", "a: Null", "a: 2001-12-14", "a: 0b11", "a: -0x1", "a: 1:20",
 "a: b #c", "a: b#c", "a: \"x\"#c", "a: [1, 2,]", "a: {b: 1,}", "a: [1 2]", "- a\n-b", "a:b", "a: @x", "a: `x", "a: %x", "a: -", "a: - b", "a: 'it''s'", "a: !!str 1", "a: ! 1",
 "a:\n  b: 1\n c: 2", "a:\n- x\n- y", "- - a\n  - b", "a: |\n  x\n y\n", "a: [\n1]", "a: {\nb: 1}", "a:\n  [1,\n 2]", "[a, b]: c", "{a: 1}: c", "a: \"\\q\"", "key with spaces: 1", "'q': 1\n\"q\": 2", "a: 1\na: 2",
 "a: 1 # c\n---\n# only\n---\nb: 2\n", "a: \u2028b", "a: x\u0085y", "a: \u0007", "x: |\n  #c\n", "a: 'x' y", "a: [a, {b: c}]", "a: {b}", "a: {b: [c: d]}", "- [a: b]", "a: \"x\"y",
 "{: b}", "[: b]", "- : b", "a: {: b}", "a: 'x\ny'", "a: \"x\ny\"", "a:\n  b: 'x\n  y'", "a:\n  b: 'x\n   y'", "a:\n  b: x\n  y", "a:\n  b: x\n   y",
 "- a: [1,\n  2]", "- a: [1,\n   2]", "x:\n  a: [\n  1]", "x:\n  a: [\n   1]", "- [1,\n 2]", "- [1,\n2]", "a: [1,\n2]", "a: [1,\n 2]", "- - [1,\n  2]", "- - [1,\n    2]", "- - [1,\n     2]",
 "a: 'x\n\n  y'", "- 'x\ny'", "- 'x\n y'", "a: \"x\n y\"", "a:\n  - 'x\n  y'", "a: b\n---\nc: d", "a: b\n--- \nc: d", "a: 'x\n---\n'", "a: |\n  x\n---\n",
 "a:   \n  b", "a: b  \n", "a: {b: 1}#c", "a: [1]#c", "a: 'x'#c", "a: b # c\n  # d\nc: 1", "a:\n  # c\n  b: 1", "a: [1, # c\n 2]", "a: {b: 1, # c\n c: 2}",
 "- \n  a: 1", "-\n  a: 1", "a:\n  -\n    b: 1", "a: - b", "a: |-\n  x\n\n", "a: >-\n  x\n", "a: |+\n  x\n\n", "a: 'x' # c", "\"a\" : b", "a : b", "a: \"\\u12\"", "a: \"\\xZZ\"",
 "a: b\n...\n", "a: b\n...\n---\nc: d\n", "a: b\n...\nc: d\n", "%YAML 1.2\n---\na: b", "a: 1\n%x\n", "'a\nb': c", "a: \"b\n\n\n c\"", "a: b\n \n  c", "a: x\n\n\n  y",
];
for (const c of cases) {
  const docs = parseAllDocuments(c, { merge: true, uniqueKeys: true, prettyErrors: false });
  const arr = Array.isArray(docs) ? docs : [docs];
  const yerr = arr.map(d => d.errors.map(e => e.code)).flat();
  const yval = yerr.length ? "ERR " + yerr.join(",") : JSON.stringify(arr.map(d => d.toJS()));
  let jval;
  try { const out = []; out.push(...jsyaml.loadAll(c, { schema: jsyaml.CORE_SCHEMA })); jval = JSON.stringify(out); } catch (e) { jval = "ERR " + e.reason; }
  const same = yval === jval ? "same" : (yval.startsWith("ERR") && jval.startsWith("ERR") ? "botherr" : "DIFF");
  console.log(same.padEnd(8), JSON.stringify(c).slice(0, 40).padEnd(42), "yaml:", yval.slice(0, 50).padEnd(52), "js:", jval.slice(0, 60));
}
