/**
 * A fast path for the resources a cluster holds by the hundred thousand (Pods, Namespaces,
 * ServiceAccounts): a hand-written check that accepts only inputs the zod schema certainly
 * accepts, and returns exactly what zod would return for them (the same fields, a Cidr for each
 * address, unknown fields stripped). Anything it is not sure about, valid or not, gives
 * undefined and the caller runs the full zod schema, so every diagnostic is still produced by
 * zod and worded as before. test/model/fast-path.test.ts checks the two agree.
 *
 * Why: zod allocates a payload, an issue list and a context per field; for 100,000 pods that is
 * most of the validation time and much of the garbage.
 */
import { parseCidr, type Cidr } from "../cidr.js";
import type { ResourceKind } from "../resources.js";
import { labelKeyProblem, labelValueProblem, NameFormats, type NameFormat } from "./fields.js";
import type { ResourceInput } from "./resources.js";

type Obj = Record<string, unknown>;

/** Thrown (and caught below) when the input is not one the fast path is sure about. */
const UNSURE: unique symbol = Symbol("unsure");

function unsure(): never {
  throw UNSURE;
}

function object(v: unknown): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) unsure();
  return v as Obj;
}

/** A plain object as zod's record sees one (no own `constructor`, no `__proto__` key). */
function plainObject(v: unknown): Obj {
  const o = object(v);
  if (Object.getPrototypeOf(o) !== Object.prototype || Object.hasOwn(o, "constructor") || Object.hasOwn(o, "__proto__")) unsure();
  return o;
}

/** The value of an optional field; a key that is present but undefined is left to zod. */
function optional(o: Obj, key: string): unknown {
  const v = o[key];
  if (v === undefined && key in o) unsure();
  return v;
}

function string(v: unknown): string {
  if (typeof v !== "string") unsure();
  return v;
}

function optionalString(o: Obj, key: string): string | undefined {
  const v = optional(o, key);
  return v === undefined ? undefined : string(v);
}

function array(v: unknown): readonly unknown[] {
  if (!Array.isArray(v)) unsure();
  return v;
}

/**
 * Strings already found valid for one check. A cluster repeats its label keys, label values and
 * namespace names many times, and the checks are pure; emptied when it grows large.
 */
class Checked {
  private readonly ok = new Set<string>();
  constructor(private readonly valid: (s: string) => boolean) {}

  check(s: string): string {
    if (this.ok.has(s)) return s;
    if (!this.valid(s)) unsure();
    if (this.ok.size >= 50_000) this.ok.clear();
    this.ok.add(s);
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

function name(v: unknown, format: NameFormat): string {
  const s = string(v);
  if (format === "label") return namespaceNames.check(s);
  if (!nameIsValid(s, format)) unsure();
  return s;
}

function labels(v: unknown): Record<string, string> {
  const o = plainObject(v);
  const out: Record<string, string> = {};
  for (const key of Object.keys(o)) out[labelKeys.check(key)] = labelValues.check(string(o[key]));
  return out;
}

function ipAddress(v: unknown): Cidr {
  const text = string(v);
  if (text.includes("/")) unsure();
  return parseCidr(text, true) ?? unsure();
}

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}

function metadata(v: unknown, format: NameFormat, namespaced: boolean): Metadata {
  const o = object(v);
  const out: Metadata = { name: name(o.name, format) };
  if (namespaced) {
    const ns = optional(o, "namespace");
    if (ns !== undefined) out.namespace = name(ns, "label");
  }
  const l = optional(o, "labels");
  if (l !== undefined) out.labels = labels(l);
  return out;
}

type ContainerPort = { name?: string; containerPort: number; protocol?: "TCP" | "UDP" | "SCTP" };

function containerPort(v: unknown): ContainerPort {
  const o = object(v);
  const name = optionalString(o, "name");
  const containerPort = o.containerPort;
  if (typeof containerPort !== "number" || !Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) unsure();
  const protocol = optional(o, "protocol");
  if (protocol !== undefined && protocol !== "TCP" && protocol !== "UDP" && protocol !== "SCTP") unsure();
  // One literal per shape: every pod's ports are kept until the model is built, and a property
  // added after a literal is created costs a separate backing store.
  if (name === undefined) return protocol === undefined ? { containerPort } : { containerPort, protocol };
  return protocol === undefined ? { name, containerPort } : { name, containerPort, protocol };
}

function podSpec(v: unknown): ResourceInput<"k8s/Pod">["spec"] {
  const o = object(v);
  const out: Record<string, unknown> = {};
  for (const key of ["nodeName"] as const) {
    const s = optionalString(o, key);
    if (s !== undefined) out[key] = s;
  }
  const hostNetwork = optional(o, "hostNetwork");
  if (hostNetwork !== undefined) {
    if (typeof hostNetwork !== "boolean") unsure();
    out.hostNetwork = hostNetwork;
  }
  for (const key of ["serviceAccountName", "serviceAccount"] as const) {
    const s = optionalString(o, key);
    if (s !== undefined) out[key] = s;
  }
  const containers = optional(o, "containers");
  if (containers !== undefined) {
    out.containers = array(containers).map((c) => {
      const co = object(c);
      const ports = optional(co, "ports");
      return ports === undefined ? {} : { ports: array(ports).map(containerPort) };
    });
  }
  return out as ResourceInput<"k8s/Pod">["spec"];
}

function podStatus(v: unknown): ResourceInput<"k8s/Pod">["status"] {
  const o = object(v);
  const out: { phase?: string; podIP?: Cidr; podIPs?: { ip: Cidr }[] } = {};
  const phase = optionalString(o, "phase");
  if (phase !== undefined) out.phase = phase;
  const podIP = optional(o, "podIP");
  if (podIP !== undefined) out.podIP = ipAddress(podIP);
  const podIPs = optional(o, "podIPs");
  // podIPs[0] normally repeats podIP: the same text gets the same (readonly) Cidr, not a copy.
  if (podIPs !== undefined) out.podIPs = array(podIPs).map((x) => {
    const ip = object(x).ip;
    return { ip: ip === podIP && out.podIP !== undefined ? out.podIP : ipAddress(ip) };
  });
  return out;
}

function pod(v: Obj): ResourceInput<"k8s/Pod"> {
  const out: Record<string, unknown> = { metadata: metadata(v.metadata, "subdomain", true) };
  const spec = optional(v, "spec");
  if (spec !== undefined) out.spec = podSpec(spec);
  const status = optional(v, "status");
  if (status !== undefined) out.status = podStatus(status);
  return out as ResourceInput<"k8s/Pod">;
}

const fastSchemas: { readonly [K in ResourceKind]?: (v: Obj) => ResourceInput<K> } = {
  "k8s/Pod": pod,
  "k8s/Namespace": (v) => ({ metadata: metadata(v.metadata, "label", false) }) as ResourceInput<"k8s/Namespace">,
  "k8s/ServiceAccount": (v) => ({ metadata: metadata(v.metadata, "subdomain", true) }) as ResourceInput<"k8s/ServiceAccount">,
};

/**
 * What `resourceSchemas[kind].safeParse(value).data` would be, when the fast path is sure the
 * value is valid; otherwise undefined (run zod).
 */
export function fastParse<K extends ResourceKind>(kind: K, value: Record<string, unknown>): ResourceInput<K> | undefined {
  const check = fastSchemas[kind] as ((v: Obj) => ResourceInput<K>) | undefined;
  if (!check) return undefined;
  try {
    return check(value);
  } catch (e) {
    if (e === UNSURE) return undefined;
    throw e;
  }
}
