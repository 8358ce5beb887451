/**
 * Random YAML texts for the YAML fast path's laws (yaml-fast-path.test.ts): resources (valid and
 * broken) serialized by `yaml` in many styles, then roughened by hand-made edits — comments,
 * blank lines, trailing spaces, re-indentation, and hostile constructs (anchors, tags, merge keys,
 * flow and block scalars, YAML 1.1 scalars, duplicate and typed keys, tabs, CR, BOM, markers...).
 */
import fc from "fast-check";
import { stringify, type ToStringOptions } from "yaml";

/** Strings each parser could type or cut differently; most are also valid or near-valid values. */
export const hostileStrings = [
  "yes", "no", "on", "off", "y", "True", "tRue", "FALSE", "null", "Null", "NULL", "~", "",
  "0b11", "-0x1", "0x1F", "0o17", "017", "1_000", "+1", "-1", ".5", "1.", "1e3", "1E+3", "-.inf", ".Inf", ".NaN", "2001-12-14", "1:20", "8000:8080",
  "a: b", "a:b", "a #b", "a#b", "#x", "- x", "-x", "-", "--", "--- x", "...", "x:", ":x", "?x", "? x", "'q'", "\"q\"", "it's", "a\\b", "\\u00e9", "é", "日本",
  "x\ny", " lead", "trail ", "a  b", "<<", "&a", "*a", "!x", "!!str", "%x", "@x", "`x", "|", ">", "[1]", "{a: 1}", "[]", "{}", "a,b", "a]b", "a}b",
  "tier in {'web', 'api'}", "app == 'x' && b != \"y\"", "has(a) || !has(b)", "tier == 'web", "\t", "a\tb", "\u2028", "x\u0085y", "\ufeffx", "\u0007", "a\rb",
  "x".repeat(90), "k".repeat(1100),
];

const hostileKeys = ["a,b", "a[b]", "x{y}", "a'b", "a\"b", "é/ключ", "app", "example.com/team", "__proto__", "constructor", "1", "true", "null", "~", "<<", "a b", "a:b", "a #b", "-x", "", "x".repeat(1100), "ports", "name"];

const scalar = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...hostileStrings) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>("web", "a", "x-1", "10.0.0.1", "example.com/app", "v1.2_3", "A") },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 1, -1, 80, 1.5, 1e21, true, false, null) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4, unit: "binary" }) },
);

const labels = fc.dictionary(fc.oneof({ weight: 3, arbitrary: fc.constantFrom("app", "tier", "example.com/x") }, { weight: 1, arbitrary: fc.constantFrom(...hostileKeys) }), scalar, { maxKeys: 3 });

/** Mostly-valid resources: the loader must reach validation and locating, not only syntax errors. */
const rule = fc.record(
  {
    action: fc.constantFrom<unknown>("Allow", "Deny", "allow", 3),
    protocol: fc.constantFrom<unknown>("TCP", "UDP", 6, "tcp"),
    source: fc.record({ selector: fc.constantFrom<unknown>("tier == 'web'", "app == 'x", "has(a)", "", 1), nets: fc.constantFrom<unknown>(["10.0.0.0/8"], ["10.0.0.1/33"], []) }, { requiredKeys: [] }),
    destination: fc.record({ ports: fc.constantFrom<unknown>([80, "8000:8080", "http"], [0], ["x:y"], []) }, { requiredKeys: [] }),
    junk: scalar,
  },
  { requiredKeys: ["action"] },
);

const metadata = fc.record({ name: fc.constantFrom<unknown>("a", "p-1", "Bad_Name", "", 7, "x".repeat(90)), namespace: fc.constantFrom<unknown>("ns", "default", 1), labels }, { requiredKeys: ["name"] });

export const resource: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ apiVersion: fc.constant("v1"), kind: fc.constantFrom("Namespace", "Pod", "Pdo"), metadata, spec: fc.record({ nodeName: fc.constantFrom("node-1", "n"), containers: fc.constant([{ name: "main", ports: [{ name: "http", containerPort: 8080 }] }]) }, { requiredKeys: [] }), status: fc.record({ podIP: fc.constantFrom<unknown>("10.0.0.1", "10.0.0.01", 5) }) }, { requiredKeys: ["apiVersion", "kind", "metadata"] }),
  fc.record({ apiVersion: fc.constant("projectcalico.org/v3"), kind: fc.constantFrom("NetworkPolicy", "GlobalNetworkPolicy"), metadata, spec: fc.record({ selector: fc.constantFrom<unknown>("app == 'x'", "all()", "app ==", 3), tier: fc.constantFrom<unknown>("default", "t"), order: scalar, ingress: fc.array(rule, { maxLength: 3 }), egress: fc.array(rule, { maxLength: 2 }), types: fc.constantFrom<unknown>(["Ingress"], ["Egress", "Ingress"], "Ingress") }, { requiredKeys: [] }) }, { requiredKeys: ["apiVersion", "kind", "metadata"] }),
  fc.record({ apiVersion: fc.constant("networking.k8s.io/v1"), kind: fc.constant("NetworkPolicy"), metadata, spec: fc.record({ podSelector: fc.record({ matchLabels: labels }), ingress: fc.array(fc.record({ from: fc.constant([{ podSelector: {} }]), ports: fc.constantFrom<unknown>([{ port: 80 }], [{ port: "http", protocol: "UDP" }], [{ port: 0 }]) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }) }, { requiredKeys: ["apiVersion", "kind", "metadata"] }),
  fc.record({ apiVersion: fc.constant("v1"), kind: fc.constant("List"), items: fc.array(fc.record({ apiVersion: fc.constant("v1"), kind: fc.constant("Namespace"), metadata }), { maxLength: 2 }) }),
  fc.dictionary(fc.constantFrom(...hostileKeys), fc.oneof(scalar, labels), { maxKeys: 4 }),
  scalar,
);

const anyStyle: fc.Arbitrary<ToStringOptions> = fc.record(
  {
    indent: fc.integer({ min: 1, max: 4 }),
    indentSeq: fc.boolean(),
    lineWidth: fc.constantFrom(0, 20, 80),
    defaultStringType: fc.constantFrom("PLAIN", "PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE", "BLOCK_LITERAL", "BLOCK_FOLDED"),
    defaultKeyType: fc.constantFrom(null, "PLAIN", "QUOTE_DOUBLE"),
    collectionStyle: fc.constantFrom("any", "any", "block", "flow"),
    flowCollectionPadding: fc.boolean(),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<ToStringOptions>;

/** Half the documents in the plain block style generators and kubectl write (what the fast path reads). */
const styles = fc.oneof(anyStyle, fc.record({ indent: fc.constantFrom(2, 2, 4), indentSeq: fc.boolean() }) as fc.Arbitrary<ToStringOptions>);

/** Lines that break, bend or decorate YAML; inserted with a random indentation. */
const hostileLines = [
  "# comment", "", "   ", "#", "&a x: 1", "x: &a 1", "y: *a", "x: !!str 1", "x: !t 1", "? a", ": b", "<<: {a: 1}", "%YAML 1.2", "...", "--- a: 1", "--- # c", "---",
  "\t- x", "x:\tb", "x: [1,", "2]", "x: |", "  a", "x: >-", "x: |+", "x: 'a", "  b'", "x: \"a\\", "- ", "-", "x:", "x: ", "x: a # c", "x: a#c", "x: \"a\"#c", "x: [1]#c",
  "x: {b: 1}", "x: [a, b]", "[a, b]: c", "~: x", "'q': 1", "\"q\": 2", "x: 1", "x: 1", "- - a", "- a: 1", "  - b", "x: b: c", "x: - b", "x : y", "x: \"\\x41\"", "x: '' ", "x: \"\\u00e9\"",
  "x: 0b11", "x: -0x1", "x: yes", "\ufeffx: 1", "x: 1\r", "apiVersion: v1", "kind: Pod", "metadata:", "  name: q",
];

export type Edit = readonly [kind: number, at: number, what: number, indent: number];

const edit: fc.Arbitrary<Edit> = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 6 }));

function applyEdit(text: string, [kind, at, what, indent]: Edit): string {
  const lines = text.split("\n");
  const i = at % (lines.length + 1);
  const pad = " ".repeat(indent);
  switch (kind) {
    case 0: // a hostile line
      lines.splice(i, 0, pad + (hostileLines[what % hostileLines.length] as string));
      break;
    case 1: // a comment at a line's end, or glued to it
      if (i < lines.length) lines[i] += what % 3 === 0 ? "#c" : " # c";
      break;
    case 2: // trailing spaces
      if (i < lines.length) lines[i] += " ".repeat(1 + (what % 3));
      break;
    case 3: // re-indent a line
      if (i < lines.length) lines[i] = pad + (lines[i] as string).trimStart();
      break;
    case 4: // blank or comment line
      lines.splice(i, 0, what % 2 ? "" : `${pad}# note`);
      break;
    case 5: // replace a value with a hostile string, written raw
      if (i < lines.length) lines[i] = (lines[i] as string).replace(/: .*$/, `: ${hostileStrings[what % hostileStrings.length] as string}`);
      break;
    case 6: {
      // a comment line just after a line, indented about as deep (where yaml may count it into a range)
      const depth = i < lines.length ? (lines[i] as string).search(/\S|$/) : 0;
      lines.splice(i + 1, 0, `${" ".repeat(Math.max(0, depth + (what % 4) - 1))}# c`);
      break;
    }
    default: // a line twice (duplicate keys, or a longer sequence)
      if (i < lines.length) lines.splice(i, 0, lines[i] as string);
  }
  return lines.join("\n");
}

/** Separators between documents (the first ones are the common ones). */
const separators = ["---\n", "---\n", "---\n", "\n---\n", "---\n# c\n", "--- \n", "...\n---\n", "---\n---\n"];

export const yamlText: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.tuple(resource, styles), { minLength: 1, maxLength: 4 }),
    fc.array(fc.nat(separators.length - 1), { minLength: 4, maxLength: 4 }),
    fc.oneof(fc.constant([] as Edit[]), fc.array(edit, { maxLength: 3 })),
    fc.constantFrom("", "", "---\n", "# head\n", "# head\n---\n"),
    fc.constantFrom("", "", "\n", "---\n", "\n# tail"),
  )
  .map(([docs, seps, edits, head, tail]) => {
    let text: string = head;
    docs.forEach(([doc, style], i) => {
      if (i > 0) text += separators[seps[i - 1] as number] as string;
      text += stringify(doc, style);
    });
    text += tail;
    for (const e of edits) text = applyEdit(text, e);
    return text;
  });
