/**
 * What the fast paths (fast.ts, fast-policy.ts) share: reading a value only when it is certainly
 * what zod accepts, and throwing UNSURE (caught in fastParse) otherwise.
 */
import { parseCidr, type Cidr } from "../cidr.js";
import { labelKeyProblem, labelValueProblem, NameFormats, type NameFormat } from "./fields.js";
import { OBJECT_META_IGNORED } from "./object-meta.js";

export type Obj = Record<string, unknown>;

/** Thrown (and caught below) when the input is not one the fast path is sure about. */
export const UNSURE: unique symbol = Symbol("unsure");

export function unsure(): never {
  throw UNSURE;
}

export function object(v: unknown): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) unsure();
  return v as Obj;
}

/** A plain object as zod's record sees one (no own `constructor`, no `__proto__` key). */
export function plainObject(v: unknown): Obj {
  const o = object(v);
  if (Object.getPrototypeOf(o) !== Object.prototype || Object.hasOwn(o, "constructor") || Object.hasOwn(o, "__proto__")) unsure();
  return o;
}

/** The value of an optional field; a key that is present but undefined is left to zod. */
export function optional(o: Obj, key: string): unknown {
  const v = o[key];
  if (v === undefined && key in o) unsure();
  return v;
}

export function string(v: unknown): string {
  if (typeof v !== "string") unsure();
  return v;
}

export function optionalString(o: Obj, key: string): string | undefined {
  const v = optional(o, key);
  return v === undefined ? undefined : string(v);
}

export function array(v: unknown): readonly unknown[] {
  if (!Array.isArray(v)) unsure();
  return v;
}

/**
 * Strings already found valid for one check. A cluster repeats its label keys, label values and
 * namespace names many times, and the checks are pure; emptied when it grows large. A string seen
 * before is returned as the instance first seen (interned): JSON.parse makes a new string for
 * every value, and 100,000 pods would otherwise each hold their own copies of the same label
 * values, namespace and node names.
 */
export class Checked {
  private readonly ok = new Map<string, string>();
  constructor(private readonly valid: (s: string) => boolean) {}

  check(s: string): string {
    const seen = this.ok.get(s);
    if (seen !== undefined) return seen;
    if (!this.valid(s)) unsure();
    if (this.ok.size >= 50_000) this.ok.clear();
    this.ok.set(s, s);
    return s;
  }
}

const labelKeys = new Checked((k) => labelKeyProblem(k) === undefined);
const labelValues = new Checked((v) => labelValueProblem(v) === undefined);
// Namespace names repeat (one per pod); resource names mostly do not, so they are not remembered.
const namespaceNames = new Checked((s) => nameIsValid(s, "label"));

function nameIsValid(s: string, format: NameFormat): boolean {
  const f = NameFormats[format];
  return s.length > 0 && s.length <= f.max && f.regex.test(s);
}

export function name(v: unknown, format: NameFormat): string {
  const s = string(v);
  if (format === "label") return namespaceNames.check(s);
  if (!nameIsValid(s, format)) unsure();
  return s;
}

export function labels(v: unknown): Record<string, string> {
  const o = plainObject(v);
  const out: Record<string, string> = {};
  for (const key of Object.keys(o)) out[labelKeys.check(key)] = labelValues.check(string(o[key]));
  return out;
}

export function ipAddress(v: unknown): Cidr {
  const text = string(v);
  if (text.includes("/")) unsure();
  return parseCidr(text, true) ?? unsure();
}

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}

/** What each closed object may hold (object-meta.ts); any other key is left to zod, which reports it. */
const metadataKeys = { namespaced: new Set(["name", "namespace", "labels", ...OBJECT_META_IGNORED]), cluster: new Set(["name", "namespace", "labels", ...OBJECT_META_IGNORED]) };

/** `v` as a plain object whose keys are all in `allowed` (what zod's strictObject or a closed object accepts). */
export function closed(v: unknown, allowed: ReadonlySet<string>): Obj {
  const o = object(v);
  if (Object.getPrototypeOf(o) !== Object.prototype) unsure();
  for (const key of Object.keys(o)) if (!allowed.has(key)) unsure();
  return o;
}

export function metadata(v: unknown, format: NameFormat, namespaced: boolean): Metadata {
  const o = closed(v, namespaced ? metadataKeys.namespaced : metadataKeys.cluster);
  const n = name(o.name, format);
  const rawNs = namespaced ? optional(o, "namespace") : undefined;
  const namespace = rawNs === undefined ? undefined : name(rawNs, "label");
  const l = optional(o, "labels");
  const ls = l === undefined ? undefined : labels(l);
  // One literal per shape (kept for every resource: a property added later costs a backing store).
  if (namespace === undefined) return ls === undefined ? { name: n } : { name: n, labels: ls };
  return ls === undefined ? { name: n, namespace } : { name: n, namespace, labels: ls };
}

