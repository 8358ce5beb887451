/**
 * The fast path (see fast.ts) for the policies a cluster holds by the thousand: Kubernetes
 * NetworkPolicies and Calico NetworkPolicies. Same contract: accept only what the zod schemas in
 * k8s.ts and calico.ts certainly accept, return exactly what they would, and give up (UNSURE) on
 * anything else, valid or not, so zod still words every diagnostic. Rarely used fields (ICMP
 * matches, service account matches, rule metadata, fields that are never enforced) are left to
 * zod too. test/model/fast-path-policy.test.ts checks the two agree.
 */
import { parseCidr, strictlyInside, type Cidr } from "../cidr.js";
import type { Port, Protocol } from "../types.js";
import { labelKeyProblem, labelValueProblem, parsesOnce, portNameProblem } from "./fields.js";
import { array, closed, labels, metadata, optional, string, unsure, type Obj } from "./fast-common.js";
import { referenceIsValid } from "./references.js";
import { portsFitProtocol } from "./calico.js";
import type { ResourceInput } from "./resources.js";

function keys(...names: string[]): ReadonlySet<string> {
  return new Set(names);
}

/** Copies the optional field `key` through `read` when present. */
function copy(out: Obj, o: Obj, key: string, read: (v: unknown) => unknown): void {
  const v = optional(o, key);
  if (v !== undefined) out[key] = read(v);
}

function cidr(v: unknown): Cidr {
  return parseCidr(string(v), false) ?? unsure();
}

/** A notNets entry: a catch-all /0 is left to zod, which refuses it (PC3090). */
function notNet(v: unknown): Cidr {
  const c = cidr(v);
  return c.prefix === 0 ? unsure() : c;
}

function stringArray(v: unknown): string[] {
  return array(v).map(string);
}

// Kubernetes.

const requirementKeys = keys("key", "operator", "values");

function requirement(v: unknown): Obj {
  const o = closed(v, requirementKeys);
  const key = string(o.key);
  if (labelKeyProblem(key) !== undefined) unsure();
  const operator = o.operator;
  if (operator !== "In" && operator !== "NotIn" && operator !== "Exists" && operator !== "DoesNotExist") unsure();
  const out: Obj = { key, operator };
  const values = optional(o, "values");
  if (values !== undefined) {
    const list = stringArray(values);
    for (const s of list) if (labelValueProblem(s) !== undefined) unsure();
    out.values = list;
  }
  const n = (out.values as string[] | undefined)?.length ?? 0;
  if ((operator === "In" || operator === "NotIn") !== n > 0) unsure();
  return out;
}

const labelSelectorKeys = keys("matchLabels", "matchExpressions");

function labelSelector(v: unknown): Obj {
  const o = closed(v, labelSelectorKeys);
  const out: Obj = {};
  copy(out, o, "matchLabels", labels);
  copy(out, o, "matchExpressions", (x) => array(x).map(requirement));
  return out;
}

const ipBlockKeys = keys("cidr", "except");
const peerKeys = keys("podSelector", "namespaceSelector", "ipBlock");

function peer(v: unknown): Obj {
  const o = closed(v, peerKeys);
  const out: Obj = {};
  copy(out, o, "podSelector", labelSelector);
  copy(out, o, "namespaceSelector", labelSelector);
  const block = optional(o, "ipBlock");
  if (block !== undefined) {
    if (out.podSelector !== undefined || out.namespaceSelector !== undefined) unsure();
    const b = closed(block, ipBlockKeys);
    const outer = cidr(b.cidr);
    const ipBlock: Obj = { cidr: outer };
    copy(ipBlock, b, "except", (x) =>
      array(x).map((e) => {
        const inner = cidr(e);
        return strictlyInside(inner, outer) ? inner : unsure();
      }),
    );
    out.ipBlock = ipBlock;
  } else if (out.podSelector === undefined && out.namespaceSelector === undefined) unsure();
  return out;
}

const npPortKeys = keys("protocol", "port", "endPort");

function npPort(v: unknown): Obj {
  const o = closed(v, npPortKeys);
  const out: Obj = {};
  copy(out, o, "protocol", (p) => (p === "TCP" || p === "UDP" || p === "SCTP" ? p : unsure()));
  copy(out, o, "port", (p) => {
    if (typeof p === "number") return Number.isInteger(p) && p >= 1 && p <= 65535 ? p : unsure();
    if (typeof p === "string" && portNameProblem(p) === undefined) return p;
    return unsure();
  });
  const endPort = optional(o, "endPort");
  if (endPort !== undefined) {
    if (typeof endPort !== "number" || !Number.isInteger(endPort) || endPort < 1 || endPort > 65535) unsure();
    if (typeof out.port !== "number" || endPort < out.port) unsure();
    out.endPort = endPort;
  }
  return out;
}

function k8sRule(peersKey: "from" | "to"): (v: unknown) => Obj {
  const allowed = keys(peersKey, "ports");
  return (v) => {
    const o = closed(v, allowed);
    const out: Obj = {};
    copy(out, o, peersKey, (x) => array(x).map(peer));
    copy(out, o, "ports", (x) => array(x).map(npPort));
    return out;
  };
}

const k8sSpecKeys = keys("podSelector", "policyTypes", "ingress", "egress");
const k8sIngress = k8sRule("from");
const k8sEgress = k8sRule("to");

function k8sSpec(v: unknown): Obj {
  const o = closed(v, k8sSpecKeys);
  const out: Obj = {};
  copy(out, o, "podSelector", labelSelector);
  copy(out, o, "policyTypes", (x) => array(x).map((t) => (t === "Ingress" || t === "Egress" ? t : unsure())));
  copy(out, o, "ingress", (x) => array(x).map(k8sIngress));
  copy(out, o, "egress", (x) => array(x).map(k8sEgress));
  return out;
}

const k8sPolicyKeys = keys("apiVersion", "kind", "metadata", "spec", "status");

export function k8sNetworkPolicy(v: Obj): ResourceInput<"k8s/NetworkPolicy"> {
  closed(v, k8sPolicyKeys);
  const out: Obj = { metadata: metadata(v.metadata, "subdomain", true) };
  copy(out, v, "spec", k8sSpec);
  return out as ResourceInput<"k8s/NetworkPolicy">;
}

// Calico.

/** A selector with no global() (zod words every global() case). */
function selector(v: unknown): string {
  const text = string(v);
  if (text.length > 1024 || text.includes("global(")) unsure();
  try {
    parsesOnce(text);
  } catch {
    unsure();
  }
  return text;
}

const protocolNames: Readonly<Record<string, Protocol>> = { TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPv6: "icmpv6", SCTP: "sctp", UDPLite: "udplite" };

function protocol(v: unknown): Protocol {
  if (typeof v === "number" || (typeof v === "string" && /^[0-9]+$/.test(v))) {
    const n = Number(v);
    return Number.isInteger(n) && n >= 1 && n <= 255 ? n : unsure();
  }
  if (typeof v === "string" && Object.hasOwn(protocolNames, v)) return protocolNames[v] as Protocol;
  return unsure();
}

function portNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

function calicoPort(v: unknown): Port {
  if (typeof v === "number") return portNumber(v) ? { kind: "range", first: v, last: v } : unsure();
  const s = string(v);
  const range = /^([0-9]+)(?::([0-9]+))?$/.exec(s);
  if (range) {
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    if (!portNumber(first) || !portNumber(last) || first > last) unsure();
    return { kind: "range", first, last };
  }
  if (portNameProblem(s) !== undefined) unsure();
  return { kind: "named", name: s };
}

const entityKeys = keys("nets", "notNets", "selector", "notSelector", "namespaceSelector", "ports", "notPorts");

function entity(v: unknown): Obj {
  const o = closed(v, entityKeys);
  const out: Obj = {};
  copy(out, o, "nets", (x) => array(x).map(cidr));
  copy(out, o, "notNets", (x) => array(x).map(notNet));
  copy(out, o, "selector", selector);
  copy(out, o, "notSelector", selector);
  copy(out, o, "namespaceSelector", selector);
  copy(out, o, "ports", (x) => array(x).map(calicoPort));
  copy(out, o, "notPorts", (x) => array(x).map(calicoPort));
  return out;
}

const ruleKeys = keys("action", "ipVersion", "protocol", "notProtocol", "source", "destination");

function rule(v: unknown): Obj {
  const o = closed(v, ruleKeys);
  const action = o.action;
  if (action !== "Allow" && action !== "Deny" && action !== "Log" && action !== "Pass") unsure();
  const out: Obj = { action };
  copy(out, o, "ipVersion", (x) => (x === 4 || x === 6 ? x : unsure()));
  copy(out, o, "protocol", protocol);
  copy(out, o, "notProtocol", protocol);
  copy(out, o, "source", entity);
  copy(out, o, "destination", entity);
  // The rule-level checks of calico.ts's rule schema: anything it would report is left to it.
  const sides = [out.source, out.destination] as (Obj | undefined)[];
  for (const side of sides) {
    if (!portsFitProtocol(out.protocol as Protocol | undefined, (side?.ports as Port[] | undefined) ?? []) || !portsFitProtocol(out.protocol as Protocol | undefined, (side?.notPorts as Port[] | undefined) ?? [])) unsure();
  }
  let version = out.ipVersion as 4 | 6 | undefined;
  for (const p of [out.protocol, out.notProtocol]) {
    const want = p === "icmp" ? 4 : p === "icmpv6" ? 6 : undefined;
    if (want !== undefined && version !== undefined && version !== want) unsure();
  }
  for (const side of sides) {
    for (const c of [...((side?.nets as Cidr[] | undefined) ?? []), ...((side?.notNets as Cidr[] | undefined) ?? [])]) {
      if (version === undefined) version = c.version;
      else if (c.version !== version) unsure();
    }
  }
  return out;
}

const calicoSpecKeys = keys("tier", "order", "selector", "serviceAccountSelector", "types", "ingress", "egress", "performanceHints");

function calicoSpec(v: unknown): Obj {
  const o = closed(v, calicoSpecKeys);
  const out: Obj = {};
  copy(out, o, "tier", (x) => (referenceIsValid(string(x), "label") ? x : unsure()));
  copy(out, o, "order", (x) => (typeof x === "number" && Number.isFinite(x) ? x : unsure()));
  copy(out, o, "selector", selector);
  copy(out, o, "serviceAccountSelector", selector);
  copy(out, o, "types", (x) => {
    const types = array(x).map((t) => (t === "Ingress" || t === "Egress" ? t : unsure()));
    if (new Set(types).size !== types.length) unsure();
    return types;
  });
  copy(out, o, "ingress", (x) => array(x).map(rule));
  copy(out, o, "egress", (x) => array(x).map(rule));
  copy(out, o, "performanceHints", (x) => {
    const hints = array(x).map((h) => (h === "AssumeNeededOnEveryNode" ? h : unsure()));
    return hints.length > 1 ? unsure() : hints;
  });
  return out;
}

const calicoObjectKeys = keys("apiVersion", "kind", "metadata", "spec");

export function calicoNetworkPolicy(v: Obj): ResourceInput<"calico/NetworkPolicy"> {
  const o = closed(v, calicoObjectKeys);
  const out: Obj = { apiVersion: string(o.apiVersion), kind: string(o.kind), metadata: metadata(o.metadata, "calicoPolicy", true) };
  copy(out, o, "spec", calicoSpec);
  return out as ResourceInput<"calico/NetworkPolicy">;
}
