/**
 * Hostile documents through the real CLI (in-process): whatever the input, every command ends
 * with exit code 0 or 1 and a report, never an internal error or a stack trace. The documents
 * are real resources with one value replaced by something hostile (deep nesting, huge strings,
 * any unicode, the wrong type), written as JSON or YAML, sometimes with odd YAML around them
 * (aliases, tags, several documents, a byte-order mark, NUL bytes, CRLF line ends).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { cli } from "../cli/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pc-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pods = `apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: c, ports: [{name: http, containerPort: 80}]}]}
status: {podIP: 10.0.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client}}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.6}
`;
writeFileSync(join(dir, "pods.yaml"), pods);

/** Valid resources of the kinds users write, each a tree whose every value may be replaced. */
const resources: readonly unknown[] = [
  {
    apiVersion: "projectcalico.org/v3",
    kind: "NetworkPolicy",
    metadata: { name: "allow-80", namespace: "default", labels: { a: "b" } },
    spec: {
      selector: "app == 'web'",
      order: 10,
      types: ["Ingress", "Egress"],
      ingress: [{ action: "Allow", protocol: "TCP", source: { selector: "app == 'client'", nets: ["10.0.0.0/8"] }, destination: { ports: [80, "http", "1000:2000"] } }],
      egress: [{ action: "Deny", protocol: "ICMP", icmp: { type: 8, code: 0 }, destination: { notNets: ["fd00::/8"] } }],
    },
  },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "k8s", namespace: "default" },
    spec: {
      podSelector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["a"] }] },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {}, namespaceSelector: { matchLabels: { x: "y" } } }, { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }], ports: [{ port: 80, endPort: 90, protocol: "TCP" }] }],
    },
  },
  {
    apiVersion: "projectcalico.org/v3",
    kind: "GlobalNetworkPolicy",
    metadata: { name: "default.g" },
    spec: { tier: "default", selector: "all()", namespaceSelector: "has(x)", doNotTrack: false, ingress: [{ action: "Pass", source: { serviceAccounts: { names: ["a"] } } }] },
  },
  { apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "h", labels: { role: "host" } }, spec: { node: "node-1", interfaceName: "eth0", expectedIPs: ["10.0.0.1"], ports: [{ name: "p", port: 22, protocol: "TCP" }] } },
  { apiVersion: "v1", kind: "Pod", metadata: { name: "p3", namespace: "default", labels: { app: "x" } }, spec: { nodeName: "node-1", hostNetwork: false }, status: { podIP: "10.0.0.7", podIPs: [{ ip: "10.0.0.7" }] } },
  { apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "n2", labels: { a: "b" } } }] },
];

type Path = readonly (string | number)[];

function paths(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

function replaced(value: unknown, path: Path, by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaced(v, rest, by) : v));
  const obj = value as Record<string, unknown>;
  return { ...obj, [head as string]: replaced(obj[head as string], rest, by) };
}

function nested(depth: number, leaf: unknown, map: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = map ? { k: v } : [v];
  return v;
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-composite", maxLength: 20 }),
  fc.constantFrom("x".repeat(100_000), "😀".repeat(30_000), "é".repeat(300), "a\u0301".repeat(200), "\u202e\u001b[31mred", "\u0000", "", " ", "all()", "10.0.0.0/33", "::/0"),
  fc.integer({ min: 90, max: 3000 }).chain((d) => fc.boolean().map((m) => nested(d, "x", m))),
  fc.constantFrom(0, -1, 1e308, -0, 65536, 2 ** 53 + 1, 0.5, true, false, null),
  fc.constantFrom({}, [], [[]], { __proto__: { a: 1 } }, { constructor: "x", toString: 1 }, [1, "a", null, {}]),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxKeys: 4 }),
);

/** One resource with one value (or key) made hostile. */
const hostileResource: fc.Arbitrary<unknown> = fc
  .constantFrom(...resources)
  .chain((r) => fc.tuple(fc.constant(r), fc.constantFrom(...paths(r)), hostileValue, fc.boolean()))
  .map(([r, path, value, asKey]) => {
    if (!asKey || path.length === 0) return replaced(r, path, value);
    // A hostile key next to the value: unknown fields must be reported, whatever their name.
    const parent = path.slice(0, -1);
    let obj: unknown = r;
    for (const p of parent) obj = (obj as Record<string | number, unknown>)[p];
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return replaced(r, path, value);
    return replaced(r, parent, { ...obj, [typeof value === "string" ? value : JSON.stringify(value) ?? "k"]: 1 });
  });

const oddYaml = [
  "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: !!binary aGVsbG8=, labels: !!set {a, b}}\n",
  "apiVersion: !!timestamp 2001-12-14\nkind: !!omap [a: 1]\n",
  "%YAML 1.2\n---\n--- |\n  text\n...\n--- !!str\nfoo\n",
  "? [a, b]\n: 1\n? {c: d}\n: 2\n",
  "base: &b {apiVersion: v1, kind: Namespace}\n<<: *b\nmetadata: {<<: [1, 2], name: m}\n",
  "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n    b: c\n\t- x\n",
  "- - - - - - [[[[[[{{{{{{",
  // Thousands of levels in each of YAML's ways to nest: flow, block mappings, block sequences.
  `a: ${"[".repeat(3000)}${"]".repeat(3000)}\n`,
  Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n") + " 1\n",
  Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}-`).join("\n") + " 1\n",
];

/** Block YAML; `yaml`'s writer recurses, so thousands of levels are written as flow (JSON) instead. */
function blockYaml(value: unknown): string {
  try {
    return stringify(value);
  } catch {
    return `${JSON.stringify(value)}\n`;
  }
}

const document: fc.Arbitrary<{ name: string; text: string }> = fc
  .record({
    items: fc.array(fc.oneof({ weight: 4, arbitrary: hostileResource }, { weight: 1, arbitrary: fc.integer({ min: 1000, max: 3000 }).map((d) => nested(d, resources[0], false)) }), { minLength: 1, maxLength: 3 }),
    format: fc.constantFrom("json", "json-list", "yaml", "yaml-flow"),
    odd: fc.option(fc.constantFrom(...oddYaml), { nil: undefined }),
    bom: fc.boolean(),
    crlf: fc.boolean(),
    nul: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ items, format, odd, bom, crlf, nul }) => {
    let text =
      format === "json"
        ? JSON.stringify(items[0])
        : format === "json-list"
          ? JSON.stringify({ apiVersion: "v1", kind: "List", items })
          : items.map((i) => (format === "yaml" ? blockYaml(i) : `${JSON.stringify(i)}\n`)).join("---\n");
    if (odd !== undefined && format.startsWith("yaml")) text += `---\n${odd}`;
    if (crlf) text = text.replace(/\n/g, "\r\n");
    if (nul !== undefined) text = `${text.slice(0, nul % (text.length + 1))}\u0000${text.slice(nul % (text.length + 1))}`;
    if (bom) text = `\ufeff${text}`;
    return { name: format.startsWith("json") ? "hostile.json" : "hostile.yaml", text };
  });

const commands: readonly (readonly string[])[] = [
  ["validate"],
  ["validate", "--format", "json"],
  ["compile", "--node", "node-1"],
  ["lint"],
  ["explain", "--from", "default/client", "--to", "default/web", "--port", "80"],
  ["matrix"],
  ["matrix", "--format", "html"],
];

describe("hostile documents through the CLI", () => {
  // Found by the property below: a .json file that JSON.parse rejects (a raw NUL inside a key
  // with escapes) is read as YAML; lint then located its fields with the JSON locator, which
  // threw on the key ("internal error: Bad control character in string literal").
  it("lints a JSON-looking file with a raw NUL in an escaped key", async () => {
    const file = join(dir, "nul-key.json");
    // The key sits in metadata.annotations (accepted, not read), so the policy loads and lint
    // locates its fields in a text the JSON locator cannot unescape.
    const r1 = resources[1] as { metadata: Record<string, unknown> };
    const text = JSON.stringify({ ...r1, metadata: { ...r1.metadata, annotations: { KEY: "1" } } }).replace('"KEY"', '"\u0000[\\"x\\"]"');
    expect(text).toContain("\u0000");
    writeFileSync(file, text);
    const r = await cli(["lint", "-f", join(dir, "pods.yaml"), "-f", file]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toMatch(/nul-key\.json:1:\d+: warning PC6001: policy knp\/default\/k8s applies to no endpoint/);
    expect(r.code).toBe(0);
  });

  it("every command exits 0 or 1 with a report: never an internal error, never a stack trace", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(document, async ({ name, text }) => {
        const file = join(dir, `${run++}-${name}`);
        writeFileSync(file, text);
        try {
          for (const command of commands) {
            const r = await cli([command[0] as string, "-f", join(dir, "pods.yaml"), "-f", file, ...command.slice(1)]);
            const where = `${command.join(" ")} on ${JSON.stringify(text.slice(0, 300))}:\n${r.stderr.slice(0, 2000)}`;
            expect([0, 1], where).toContain(r.code);
            expect(r.stderr, where).not.toMatch(/internal error|^\s+at /m);
            if (r.code === 1) expect(r.stderr + r.stdout, where).toMatch(/error/);
            // Bounded: a report echoes windows and clipped values, not the 100 KB strings.
            expect(r.stderr.length + r.stdout.length, where).toBeLessThan(200_000);
          }
        } finally {
          rmSync(file, { force: true });
        }
      }),
      { numRuns: 150 },
    );
  }, 300_000);
});
