/**
 * Field schemas shared by the Calico and Kubernetes kinds: names, labels, selectors, CIDRs,
 * protocols, ports. Each one checks its value completely and reports with a precise code, so a
 * resource with several problems gets all of them in one run.
 */
import { z } from "zod";
import { Codes } from "../../diagnostics/codes.js";
import { parseSelector, SelectorSyntaxError } from "../../selector/index.js";
import { parseCidr, isBareAddress, formatCidr, type Cidr } from "../cidr.js";
import type { Port, Protocol } from "../types.js";
import { closest } from "../suggest.js";
import { describe, report } from "./issue.js";

const dnsLabel = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
export const NameFormats = {
  /** DNS-1123 subdomain: most resource names. */
  subdomain: { regex: new RegExp(`^${dnsLabel}(\\.${dnsLabel})*$`), max: 253, text: "lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character" },
  /** DNS-1123 label: namespaces, tiers. */
  label: { regex: new RegExp(`^${dnsLabel}$`), max: 63, text: "lower case alphanumeric characters or '-', starting and ending with an alphanumeric character" },
  /** Calico NetworkPolicy: a label, `label.label`, or `knp.default.`/`ossg.default.` + subdomain. */
  calicoPolicy: { regex: new RegExp(`^((${dnsLabel})(\\.${dnsLabel})?|((?:knp|ossg)\\.default\\.(${dnsLabel}(\\.${dnsLabel})*)))$`), max: 253, text: "a DNS label, optionally prefixed by '<tier>.' (lower case alphanumeric characters or '-')" },
  /** Calico GlobalNetworkPolicy: a label, optionally `label.label`. */
  calicoGlobalPolicy: { regex: new RegExp(`^(${dnsLabel}\\.)?${dnsLabel}$`), max: 253, text: "a DNS label, optionally prefixed by '<tier>.' (lower case alphanumeric characters or '-')" },
} as const;
export type NameFormat = keyof typeof NameFormats;

export function name(format: NameFormat) {
  const f = NameFormats[format];
  return z.string().superRefine((s, ctx) => {
    if (s.length === 0) report(ctx, Codes.invalidName, "name must not be empty", { input: s });
    else if (s.length > f.max) report(ctx, Codes.invalidName, `name ${JSON.stringify(s)} is too long: ${s.length} characters, at most ${f.max} allowed`, { input: s });
    else if (!f.regex.test(s)) report(ctx, Codes.invalidName, `invalid name ${JSON.stringify(s)}: expected ${f.text}`, { input: s });
  });
}

// Kubernetes label syntax (IsQualifiedName / IsValidLabelValue).
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const nm = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0 || prefix.length > 253 || !NameFormats.subdomain.regex.test(prefix)) {
      return `invalid label key ${JSON.stringify(key)}: the prefix before '/' must be a DNS subdomain`;
    }
  }
  if (nm.length === 0 || nm.length > 63 || !qualifiedNamePart.test(nm)) {
    return `invalid label key ${JSON.stringify(key)}: expected at most 63 alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character (optionally prefixed by a DNS subdomain and '/')`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !labelValueRe.test(value)) {
    return `invalid label value ${JSON.stringify(value)}: expected at most 63 alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character`;
  }
  return undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any refinement context will do
function checkLabels(labels: Readonly<Record<string, unknown>>, ctx: z.core.$RefinementCtx<any>): void {
  for (const [k, v] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) report(ctx, Codes.invalidLabel, keyProblem, { path: [k], part: "key" });
    if (typeof v !== "string") report(ctx, Codes.wrongType, `label ${JSON.stringify(k)}: expected a string, found ${describe(v)}`, { path: [k] });
    else {
      const valueProblem = labelValueProblem(v);
      if (valueProblem) report(ctx, Codes.invalidLabel, valueProblem, { path: [k] });
    }
  }
}

/** Whether `v` is a mapping with an own `__proto__` key (JSON.parse and `yaml` make one from the text). */
export function hasProtoKey(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.hasOwn(v, "__proto__");
}

/**
 * zod's record leaves an own `__proto__` key out of its result without a word (assigning it would
 * set the copy's prototype). No label key may start with `_`, so such a map is always invalid:
 * it is checked whole before the record runs (which then does not: a pipe stops at its first
 * stage's issues), so the key is reported where it is written, with every other problem of the map.
 */
export const labelMap = z.preprocess(
  (v, ctx) => {
    if (hasProtoKey(v)) checkLabels(v, ctx);
    return v;
  },
  z.record(z.string(), z.string()).superRefine(checkLabels),
);

/**
 * A map of strings whose keys policy-compile does not check (rule annotations), except an own
 * `__proto__`: zod's record would drop it silently, and it is not a Kubernetes key (those start
 * with a letter or digit).
 */
/**
 * Selector texts that parsed without error. Policies repeat the same few selectors, and parsing
 * is pure, so each text is parsed once (the set is emptied when it grows large).
 */
const parsedSelectors = new Set<string>();

export function parsesOnce(text: string): void {
  if (parsedSelectors.has(text)) return;
  parseSelector(text);
  if (parsedSelectors.size >= 10_000) parsedSelectors.clear();
  parsedSelectors.add(text);
}

/** Where a selector sits decides what may appear in it (global() rules from Calico's validator). */
export type SelectorPlace = "policy" | "entity" | "namespaceSelector";

export function selector(place: SelectorPlace) {
  return z.string().superRefine((text, ctx) => {
    if (text.length > 1024) {
      report(ctx, Codes.invalidValue, `selector is too long: ${text.length} characters, at most 1024 allowed`, { input: text });
      return;
    }
    try {
      parsesOnce(text);
    } catch (e) {
      if (e instanceof SelectorSyntaxError) {
        report(ctx, Codes.selectorSyntax, `invalid selector: ${e.message}`, { inner: e.offset, innerLength: e.offset < text.length ? 1 : 0, input: text });
        return;
      }
      throw e;
    }
    const g = text.indexOf("global(");
    if (g >= 0) {
      if (place !== "namespaceSelector") {
        report(ctx, Codes.globalSelectorMisuse, "global() can only be used in an EntityRule namespaceSelector", { inner: g, innerLength: 8, input: text });
      } else if (text.trim() !== "global()") {
        report(ctx, Codes.globalSelectorMisuse, "global() cannot be combined with other selectors", { inner: g, innerLength: 8, input: text });
      }
    }
  });
}

/** A CIDR (host bits allowed and masked) → its normalized text. */
/**
 * A CIDR. `negated` (a rule's notNets): Calico's v3 validator (since v3.30.3/v3.31.0) refuses the
 * literal `0.0.0.0/0` and any IPv6 network whose parsed form is `::/0` (calico-332.md §5.4).
 */
export function cidr(options: { allowBareAddress?: boolean; negated?: boolean } = {}) {
  return z.string().transform((text, ctx): Cidr => {
    const c = parseCidr(text, options.allowBareAddress ?? false);
    if (c && options.negated && isRefusedCatchAll(text, c)) {
      report(ctx, Codes.catchAllNotNet, `catch-all CIDR in negation creates logical contradiction (matches no traffic): notNets ${JSON.stringify(text)} excludes every ${c.version === 4 ? "IPv4" : "IPv6"} address; remove the rule, or use a narrower net`, { input: text });
      return z.NEVER;
    }
    if (c) return c;
    const hint = isBareAddress(text) ? ` (did you mean ${JSON.stringify(formatCidr(parseCidr(text, true) as Cidr))}?)` : "";
    report(ctx, Codes.invalidCidr, `invalid CIDR ${JSON.stringify(text)}: expected an IPv4 or IPv6 network such as "10.0.0.0/16" or "fd00::/64"${hint}`, { input: text });
    return z.NEVER;
  });
}

/** Calico's check: a string compare for IPv4, a parsed compare for IPv6. */
export const isRefusedCatchAll = (text: string, c: Cidr): boolean => (c.version === 4 ? text === "0.0.0.0/0" : c.prefix === 0);

export const ipAddress = z.string().transform((text, ctx): Cidr => {
  const c = parseCidr(text, true);
  if (c && !text.includes("/")) return c;
  report(ctx, Codes.invalidCidr, `invalid IP address ${JSON.stringify(text)}: expected an IPv4 or IPv6 address such as "10.0.0.5"`, { input: text });
  return z.NEVER;
});

const calicoProtocolNames: Record<string, Protocol> = {
  TCP: "tcp",
  UDP: "udp",
  ICMP: "icmp",
  ICMPv6: "icmpv6",
  SCTP: "sctp",
  UDPLite: "udplite",
};

/** Calico protocol: one of its names (exact case) or a number 1..255 (also as a numeric string). */
export const calicoProtocol = z.unknown().transform((v, ctx): Protocol => {
  if (typeof v === "number" || (typeof v === "string" && /^[0-9]+$/.test(v))) {
    const n = Number(v);
    if (Number.isInteger(n) && n >= 1 && n <= 255) return n;
    report(ctx, Codes.invalidProtocol, `invalid protocol number ${describe(v)}: expected 1 to 255`, { input: v });
    return z.NEVER;
  }
  if (typeof v === "string") {
    const p = calicoProtocolNames[v];
    if (p !== undefined) return p;
    const names = Object.keys(calicoProtocolNames);
    const near = names.find((n) => n.toLowerCase() === v.toLowerCase()) ?? closest(v, names);
    report(ctx, Codes.invalidProtocol, `invalid protocol ${describe(v)}: expected one of ${names.join(", ")} or a number 1 to 255${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}`, { input: v });
    return z.NEVER;
  }
  report(ctx, Codes.wrongType, `expected a protocol name or number, found ${describe(v)}`, { input: v });
  return z.NEVER;
});

/** IANA_SVC_NAME (Kubernetes IsValidPortName): what named ports must look like. */
export function portNameProblem(s: string): string | undefined {
  if (s.length > 15) return `port name ${JSON.stringify(s)} is too long: at most 15 characters`;
  if (!/^[-a-z0-9]+$/.test(s)) return `invalid port name ${JSON.stringify(s)}: expected lower case letters, digits and '-'`;
  if (!/[a-z]/.test(s)) return `invalid port name ${JSON.stringify(s)}: must contain at least one letter`;
  if (s.startsWith("-") || s.endsWith("-") || s.includes("--")) {
    return `invalid port name ${JSON.stringify(s)}: must not start or end with '-' or contain '--'`;
  }
  return undefined;
}

function portNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

/** Calico port: a number, "first:last", or a port name. */
export const calicoPort = z.unknown().transform((v, ctx): Port => {
  if (typeof v === "number") {
    if (portNumber(v)) return { kind: "range", first: v, last: v };
    report(ctx, Codes.invalidPort, `invalid port ${v}: expected 0 to 65535`, { input: v });
    return z.NEVER;
  }
  if (typeof v !== "string") {
    report(ctx, Codes.wrongType, `expected a port number, a range "first:last" or a port name, found ${describe(v)}`, { input: v });
    return z.NEVER;
  }
  const range = /^([0-9]+)(?::([0-9]+))?$/.exec(v);
  if (range) {
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    if (!portNumber(first) || !portNumber(last)) {
      report(ctx, Codes.invalidPort, `invalid port ${JSON.stringify(v)}: port numbers must be 0 to 65535`, { input: v });
      return z.NEVER;
    }
    if (first > last) {
      report(ctx, Codes.reversedPortRange, `port range ${JSON.stringify(v)} is reversed: the first port must not be greater than the last (did you mean "${last}:${first}"?)`, { input: v });
      return z.NEVER;
    }
    return { kind: "range", first, last };
  }
  const problem = portNameProblem(v);
  if (problem) {
    report(ctx, Codes.invalidPort, `${problem}; expected a port number, a range "first:last" or a port name`, { input: v });
    return z.NEVER;
  }
  return { kind: "named", name: v };
});

/** A field that Calico or Kubernetes has but policy-compile does not enforce: always an error. */
export function notEnforced(what: string) {
  return z.unknown().superRefine((v, ctx) => {
    report(ctx, Codes.notEnforced, `${what} is not enforced by policy-compile; remove the field (it would otherwise be silently ignored)`, { part: "key", input: v });
  });
}

/** A field with no bearing on policy: accepted as anything and ignored. */
export const ignored = z.unknown().optional();

export const order = z.number().refine(Number.isFinite, { message: "order must be a finite number" });
