/**
 * Inputs mean what they say (issue 16): a JSON object with a key written twice, a YAML scalar that
 * Kubernetes (YAML 1.1 through sigs.k8s.io/yaml) reads otherwise than YAML 1.2, and keys such as
 * `__proto__` or `constructor` are each reported where they are written, or kept as keys, never
 * silently resolved one way.
 */
import { describe, expect, it } from "vitest";
import { lineColumn } from "../../src/diagnostics/position.js";
import type { SourceFile } from "../../src/diagnostics/types.js";
import { loadSources } from "../../src/model/load.js";
import { compile } from "../../src/render/index.js";
import { calicoPolicy, k8sPolicy } from "./harness.js";

/** Each diagnostic as [code, "line:column", message, notes as "line:column message"]. */
function report(source: SourceFile, fast = true): [string, string, string, string[]][] {
  const at = (start: number) => {
    const lc = lineColumn(source.text, start);
    return `${lc.line}:${lc.column}`;
  };
  return loadSources([source], { yamlFastPath: fast }).diagnostics.map((d) => [d.code, d.span ? at(d.span.start) : "", d.message, (d.notes ?? []).map((n) => `${n.span ? at(n.span.start) : ""} ${n.message}`)]);
}

const gnp = (spec: string) => `{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy",\n "metadata": {"name": "g"},\n "spec": ${spec}}`;
const pod = (labels: string) => `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "labels": ${labels}}, "spec": {"nodeName": "node-1"}}`;

describe("JSON: a key written twice in one object is an error at the second, with a note at the first", () => {
  // [what, file, text, line:col of the second key, of the first]
  const cases: [string, string, string, string, string][] = [
    ["at the top", "t.json", `{"kind": "Pod",\n "kind": "Pod"}`, "2:2", "1:2"],
    ["in metadata", "t.json", `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a",\n  "name": "b"}}`, "2:3", "1:56"],
    ["in a rule (JSON.parse would compile Allow)", "t.json", gnp(`{"ingress": [{"action": "Deny",\n  "action": "Allow"}]}`), "4:3", "3:24"],
    ["in a label map", "t.json", pod(`{"app": "a",\n "app": "b"}`), "2:2", "1:98"],
    ["equal after unescaping (\\u0061 is a)", "t.json", `{"a": 1,\n "\\u0061": 2}`, "2:2", "1:2"],
    ["in a List's envelope", "t.json", `{"apiVersion": "v1", "kind": "List", "items": [],\n "kind": "List"}`, "2:2", "1:22"],
    ["in a List's item (each item is read on its own)", "list.json", `{"apiVersion": "v1", "kind": "List", "items": [\n${pod(`{"a": "x"}`)},\n${pod(`{"a": "x", "a": "y"}`)}]}`, "3:108", "3:98"],
    ["in an etcd value (a key without extension, read as JSON)", "/calico/resources/v3/projectcalico.org/globalnetworkpolicies/g", gnp(`{"order": 1,\n  "order": 2}`), "4:3", "3:11"],
  ];

  it.each(cases)("%s", (_what, file, text, second, first) => {
    const source: SourceFile = file.endsWith(".json") ? { file, text } : { file, text, format: "json" };
    // Only syntax codes: the pods here have no IP and no Namespace, which gets notices.
    const [d, ...rest] = report(source).filter((x) => x[0].startsWith("PC1"));
    expect(rest).toEqual([]);
    expect(d?.slice(0, 2)).toEqual(["PC1003", second]);
    expect(d?.[2]).toMatch(/^JSON syntax error: the key "\w+" appears twice in one object/);
    expect(d?.[3]).toEqual([`${first} first occurrence`]);
  });

  it("reads the other items of a List whose one item has a key twice", () => {
    const text = `{"apiVersion": "v1", "kind": "List", "items": [\n${pod(`{"a": "x", "a": "y"}`)},\n${pod(`{"a": "x"}`).replace('"p"', '"q"')}]}`;
    const r = loadSources([{ file: "list.json", text }]);
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual(["PC1003"]);
    expect(r.model.endpoints.map((e) => e.key)).toEqual(["default/q"]);
  });

  // YAML (flow mappings included, and JSON written in a .yaml file) is `yaml`'s to report; the
  // first occurrence is added as a note, as for JSON.
  it.each([
    ["a YAML block mapping", "t.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n", "5:3", "4:3"],
    ["a YAML flow mapping", "t.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, name: b}\n", "3:21", "3:12"],
    ["JSON in a .yaml file", "t.yaml", `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "name": "b"}}`, "1:69", "1:56"],
    ["a .json file that is not JSON (read as YAML)", "t.json", `{apiVersion: v1, kind: Namespace, metadata: {name: a, name: b}}`, "1:55", "1:46"],
  ])("%s: PC1001 at the second key", (_what, file, text, second, first) => {
    expect(report({ file, text })).toEqual([["PC1001", second, expect.stringContaining("Map keys must be unique"), [`${first} first occurrence`]]]);
  });
});

describe("YAML scalars Kubernetes reads otherwise (YAML 1.1) are refused where they are written", () => {
  // The port of a Calico rule (a number or a string on both sides), and of a Kubernetes rule.
  const calicoPort = (v: string) => calicoPolicy(`  ingress:\n  - action: Allow\n    protocol: TCP\n    destination:\n      ports:\n      - ${v}\n`);
  const k8sPort = (v: string) => k8sPolicy(`  ingress:\n  - ports:\n    - port: ${v}\n`);
  // [scalar, what the message says]
  const refused: [string, string][] = [
    ["0120", "`0120` is the number 80 to Kubernetes and calicoctl (YAML 1.1) but the number 120 here (YAML 1.2): write 80, or quote it (\"0120\") for the string"],
    ["-0120", "`-0120` is the number -80 to Kubernetes"],
    ["0O17", "`0O17` is the number 15 to Kubernetes and calicoctl (YAML 1.1) but the string \"0O17\" here (YAML 1.2): write 15"],
    ["0b1010000", "`0b1010000` is the number 80 to Kubernetes"],
    ["0X50", "`0X50` is the number 80 to Kubernetes"],
    ["+0x50", "`+0x50` is the number 80 to Kubernetes"],
    ["8_080", "`8_080` is the number 8080 to Kubernetes and calicoctl (YAML 1.1) but the string \"8_080\" here (YAML 1.2): write 8080"],
    ["yes", "`yes` is the boolean true to Kubernetes and calicoctl (YAML 1.1) but the string \"yes\" here (YAML 1.2): write true, or quote it (\"yes\") for the string"],
    ["Off", "`Off` is the boolean false to Kubernetes"],
    ["n", "`n` is the boolean false to Kubernetes"],
    ["Y", "`Y` is the boolean true to Kubernetes"],
    [".inf", "`.inf` is infinity here (YAML 1.2), but Kubernetes and calicoctl (YAML 1.1, then JSON) cannot convert infinity to JSON and reject it"],
    [".NaN", "cannot convert NaN to JSON"],
    ["1e400", "`1e400` is the string \"1e400\" to Kubernetes and calicoctl (YAML 1.1) but infinity here (YAML 1.2): quote it (\"1e400\") for the string"],
  ];

  describe.each([
    ["a Calico kind", calicoPort, "12:9"],
    ["a Kubernetes kind", k8sPort, "9:13"],
  ])("in %s", (_kind, doc, at) => {
    it.each(refused)("%s", (scalar, message) => {
      for (const fast of [true, false]) {
        const [d, ...rest] = report({ file: "t.yaml", text: doc(scalar) }, fast);
        expect(rest).toEqual([]);
        expect(d?.slice(0, 2)).toEqual(["PC1004", at]);
        expect(d?.[2]).toContain(message);
      }
    });
  });

  // Where both read the same, nothing is said: octal 7 is 7, `08` is not octal (go-yaml falls
  // back to a float), `0o`/`0x` are YAML 1.2 too, go-yaml has no sexagesimal numbers, and a
  // quoted scalar is a string on both sides.
  it.each(["80", "007", "08", "0o120", "0x50", "1:20", "'1:20'", "'0120'", '"yes"'])("%s reads the same on both sides", (scalar) => {
    expect(report({ file: "t.yaml", text: calicoPort(scalar) })).toEqual([]);
  });

  it.each([
    ["a flow sequence", calicoPolicy("  ingress:\n  - action: Allow\n    protocol: TCP\n    destination:\n      ports: [80, 0120]\n"), "11:19"],
    ["a Calico order", calicoPolicy("  order: 0100\n"), "7:10"],
    ["a label value", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    enabled: yes\n", "6:14"],
    ["a label key", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    on: x\n", "6:5"],
    ["a null key", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    ~: x\n", "6:5"],
    ["an explicit tag (`!!int \"0120\"` is 80 to go-yaml)", calicoPolicy('  order: !!int "0120"\n'), "7:16"],
    ["a document the fast path declines (an anchor)", calicoPolicy("  order: &o 0100\n"), "7:13"],
    ["a .json file that is not JSON (read as YAML)", `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": {"n": n}}}`, "1:85"],
  ])("in %s", (_what, text, at) => {
    const file = text.startsWith("{") ? "t.json" : "t.yaml";
    for (const fast of [true, false]) expect(report({ file, text }, fast).map((d) => d.slice(0, 2))).toEqual([["PC1004", at]]);
  });

  // Under a `%YAML 1.1` directive `yaml` reads YAML 1.1 too: `0120` is 80 on both sides, while
  // `1:20` is 80 to `yaml` (a sexagesimal number) and the string "1:20" to go-yaml.
  it.each([
    ["0120", []],
    ["1:20", [["PC1004", "14:9"]]],
  ])("under the YAML 1.1 directive: %s", (scalar, expected) => {
    const text = `%YAML 1.1\n---\n${calicoPort(scalar)}`;
    expect(report({ file: "t.yaml", text }).map((d) => d.slice(0, 2))).toEqual(expected);
  });

  it("reports every such scalar of a document, and reads the file's other documents", () => {
    const text = `${calicoPolicy("  order: 010\n  selector: all()\n  ingress:\n  - action: Allow\n    protocol: TCP\n    destination:\n      ports: [010]\n")}---\n${calicoPolicy("  selector: all()\n", "q")}`;
    const r = loadSources([{ file: "t.yaml", text }]);
    expect(r.diagnostics.map((d) => [d.code, lineColumn(text, d.span!.start).line])).toEqual([
      ["PC1004", 7],
      ["PC1004", 13],
    ]);
    expect(r.model.policies.map((p) => p.name)).toEqual(["q"]);
  });
});

describe("__proto__, constructor and other Object.prototype names are keys like any other", () => {
  const ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n---\n";
  const podYaml = (labels: string) => `${ns}apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\n  labels:\n${labels}spec:\n  nodeName: node-1\nstatus:\n  podIP: 10.0.0.1\n`;
  const invalidProto = `invalid label key "__proto__"`;

  // [where, file, text, line:col of the key]
  it.each([
    ["a pod label (YAML)", "t.yaml", podYaml("    app: a\n    __proto__: x\n"), "13:5"],
    ["a pod label (YAML flow)", "t.yaml", `${ns}apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default, labels: {__proto__: x}}\n`, "8:50"],
    ["a pod label (JSON)", "t.json", pod(`{"__proto__": "x"}`), "1:98"],
    ["a pod label (JSON List item)", "t.json", `{"apiVersion": "v1", "kind": "List", "items": [\n${pod(`{"__proto__": "x"}`)}]}`, "2:98"],
    ["a Calico label", "t.yaml", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata:\n  name: s\n  labels:\n    __proto__: x\n", "6:5"],
    ["a matchLabels key", "t.yaml", k8sPolicy("  podSelector:\n    matchLabels:\n      __proto__: x\n"), "9:7"],
    ["a profile's labelsToApply", "t.yaml", "apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata:\n  name: pr\nspec:\n  labelsToApply:\n    __proto__: x\n", "7:5"],
  ])("%s: PC2010 at the key", (_where, file, text, at) => {
    const diags = report({ file, text }).filter((d) => d[0] !== "PC4005");
    expect(diags.map((d) => d.slice(0, 2))).toEqual([["PC2010", at]]);
    expect(diags[0]?.[2]).toContain(invalidProto);
  });

  it("a __proto__ label is reported with the map's other problems", () => {
    const diags = report({ file: "t.yaml", text: podYaml("    __proto__: x\n    'bad key': y1\n    ok: 'bad value!'\n") }).filter((d) => d[0] !== "PC4005");
    expect(diags.map((d) => d.slice(0, 2))).toEqual([
      ["PC2010", "12:5"],
      ["PC2010", "13:5"],
      ["PC2010", "14:9"],
    ]);
  });

  it("a __proto__ rule annotation is reported (PC2014), not dropped", () => {
    const text = calicoPolicy("  ingress:\n  - action: Allow\n    metadata:\n      annotations:\n        __proto__: x\n");
    expect(report({ file: "t.yaml", text }).map((d) => d.slice(0, 2))).toEqual([["PC2014", "11:9"]]);
  });

  it("an unknown __proto__ field is reported like any unknown field", () => {
    const text = calicoPolicy("  selector: all()\n  __proto__: {order: 1}\n");
    expect(report({ file: "t.yaml", text }).map((d) => d.slice(0, 3))).toEqual([["PC2004", "8:3", expect.stringContaining('unknown field "__proto__" in spec')]]);
  });

  it("an admin policy's namespaces selector keeps a toString key as a key (an unknown field, not a removed one)", () => {
    const text = `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n  - action: Deny\n    from:\n    - namespaces: {toString: 1}\n`;
    expect(report({ file: "t.yaml", text }).map((d) => d.slice(0, 3))).toEqual([["PC2004", "10:20", expect.stringContaining('unknown field "toString"')]]);
  });

  it.each([
    ["YAML", "t.yaml", podYaml("    constructor: x\n    toString: y1\n    hasOwnProperty: z\n")],
    ["JSON", "t.json", pod(`{"constructor": "x", "toString": "y1", "hasOwnProperty": "z"}`)],
  ])("constructor, toString and hasOwnProperty are valid labels (%s)", (_format, file, text) => {
    const r = loadSources([{ file, text }]);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const labels = r.model.endpoints[0]?.labels ?? {};
    expect([labels.constructor, labels.toString, labels.hasOwnProperty]).toEqual(["x", "y1", "z"]);
  });

  it("selects by a constructor label through compile; an endpoint without it is not selected by has(toString)", () => {
    const p = (name: string, ip: string, labels: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: default\n  labels:\n${labels}spec:\n  nodeName: node-1\nstatus:\n  podIP: ${ip}\n---\n`;
    const text =
      ns +
      p("a", "10.0.0.1", "    constructor: x\n") +
      p("b", "10.0.0.2", "    other: x\n") +
      p("c", "10.0.0.3", "    toString: z\n") +
      calicoPolicy("  selector: all()\n  ingress:\n  - action: Allow\n    source:\n      selector: constructor == \"x\"\n  - action: Allow\n    source:\n      selector: has(toString)\n  - action: Allow\n    source:\n      selector: has(hasOwnProperty)\n");
    const r = loadSources([{ file: "t.yaml", text }]);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const state = compile(r.model, { node: "node-1" });
    const members = state.ipsets.filter((s) => s.name.startsWith("cali40s:")).map((s) => [...s.members]);
    expect(members.sort()).toEqual([[], ["10.0.0.1/32"], ["10.0.0.3/32"]]);
  });
});
