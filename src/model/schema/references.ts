/**
 * Strings that end up in the kernel: names of other objects (nodes, pods, profiles, tiers,
 * service accounts) that become chain names or are compared with them, interface names that
 * become `--in-interface`/`--out-interface` arguments and chain names, port names that select
 * named-port ipset members, rule annotations that become comments. Each is checked where it
 * enters, against the format Calico or Kubernetes gives it, so nothing with whitespace, quotes,
 * control characters or an iptables wildcard (`+`) can reach a restore file. The renderers check
 * again (src/render/safe-token.ts); this is the check users see, with the caret on the value.
 */
import { z } from "zod";
import { Codes } from "../../diagnostics/codes.js";
import { hasProtoKey, labelKeyProblem, NameFormats, portNameProblem, type NameFormat } from "./fields.js";
import { report } from "./issue.js";

/** Calico's interface name rule: what Linux allows (15 bytes) in the characters iptables passes through. */
export const INTERFACE_NAME = /^[a-zA-Z0-9_.-]{1,15}$/;

/** How a value reads in a message: quoted, and cut short when long (a 100 KB name is not echoed). */
export function quoted(s: string): string {
  return s.length > 80 ? `${JSON.stringify(s.slice(0, 60))}... (${s.length} characters)` : JSON.stringify(s);
}

/** Why `s` is not a name of `format` (a DNS-1123 subdomain or label), or undefined. */
export function nameFormatProblem(s: string, format: NameFormat, what: string): string | undefined {
  const f = NameFormats[format];
  if (s.length > f.max) return `${what} ${quoted(s)} is too long: ${s.length} characters, at most ${f.max} allowed`;
  if (!f.regex.test(s)) return `invalid ${what} ${quoted(s)}: expected ${f.text}`;
  return undefined;
}

/**
 * A field naming another object (`spec.node`, `spec.tier`, ...). Empty is allowed, as Calico's
 * `omitempty` allows it: it means "not set" and names nothing. List entries (`profiles[i]`) are
 * never empty: an entry names something.
 */
export function reference(what: string, format: NameFormat = "subdomain", options: { allowEmpty: boolean } = { allowEmpty: true }) {
  return z.string().superRefine((s, ctx) => {
    if (s === "" && options.allowEmpty) return;
    if (s === "") {
      report(ctx, Codes.invalidName, `${what} must not be empty`, { input: s });
      return;
    }
    const problem = nameFormatProblem(s, format, what);
    if (problem) report(ctx, Codes.invalidName, problem, { input: s });
  });
}

export function referenceIsValid(s: string, format: NameFormat = "subdomain"): boolean {
  const f = NameFormats[format];
  return s === "" || (s.length <= f.max && f.regex.test(s));
}

/**
 * A workload endpoint's host-side interface. Unlike a host endpoint it has no `*`: a workload is
 * one interface, and `cali+` would be an iptables wildcard matching every workload's traffic.
 */
export const workloadInterfaceName = z.string().superRefine((s, ctx) => {
  if (s === "" || INTERFACE_NAME.test(s)) return;
  const wildcard = /[+*]/.test(s) ? " (a workload endpoint is one interface: '+' and '*' would match many)" : "";
  report(ctx, Codes.invalidInterfaceName, `interfaceName ${quoted(s)} is not an interface name: expected 1-15 of a-z A-Z 0-9 _ . -${wildcard}`, { input: s });
});

/**
 * A declared port's name (IANA_SVC_NAME, the form rules use to refer to it). A Pod's container
 * port may leave it empty (it is then not a named port); a Calico endpoint port may not.
 */
export function declaredPortName(options: { allowEmpty: boolean } = { allowEmpty: false }) {
  return z.string().superRefine((s, ctx) => {
    if (s === "" && options.allowEmpty) return;
    const problem = portNameProblem(s);
    if (problem) report(ctx, Codes.invalidPort, problem, { input: s });
  });
}

/** Kubernetes' bound on all annotations of one object (TotalAnnotationSizeLimitB). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

function annotationKeyProblem(key: string): string | undefined {
  return labelKeyProblem(key)?.replace("label key", "annotation key");
}

/**
 * Rule metadata annotations: keys are Kubernetes annotation keys (qualified names); values are
 * free text (they are escaped into comments) but all of them together are bounded. zod's record
 * drops an own `__proto__` key without a word, so that key (never valid: keys start with a
 * letter or digit) is reported before the record runs.
 */
const annotationRecord = z.record(z.string(), z.string()).superRefine((a, ctx) => {
  let bytes = 0;
  for (const [k, v] of Object.entries(a)) {
    const problem = annotationKeyProblem(k);
    if (problem) report(ctx, Codes.invalidAnnotation, problem, { path: [k], part: "key" });
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (bytes > ANNOTATIONS_MAX_BYTES) {
    report(ctx, Codes.invalidAnnotation, `annotations are too large: ${bytes} bytes, at most ${ANNOTATIONS_MAX_BYTES} allowed`, { part: "key" });
  }
});

export const ruleAnnotations = z.preprocess((v, ctx) => {
  if (hasProtoKey(v)) report(ctx, Codes.invalidAnnotation, annotationKeyProblem("__proto__") ?? "", { path: ["__proto__"], part: "key" });
  return v;
}, annotationRecord);
