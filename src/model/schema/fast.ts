/**
 * A fast path for the resources a cluster holds by the hundred thousand (Pods, Namespaces,
 * ServiceAccounts; NetworkPolicies in fast-policy.ts): a hand-written check that accepts only inputs the zod schema certainly
 * accepts, and returns exactly what zod would return for them (the same fields, a Cidr for each
 * address, unknown fields stripped). Anything it is not sure about, valid or not, gives
 * undefined and the caller runs the full zod schema, so every diagnostic is still produced by
 * zod and worded as before. test/model/fast-path.test.ts checks the two agree.
 *
 * Why: zod allocates a payload, an issue list and a context per field; for 100,000 pods that is
 * most of the validation time and much of the garbage.
 */
import type { Cidr } from "../cidr.js";
import type { ResourceKind } from "../resources.js";
import { array, Checked, closed, ipAddress, metadata, object, optional, optionalString, UNSURE, unsure, type Obj } from "./fast-common.js";
import { calicoNetworkPolicy, k8sNetworkPolicy } from "./fast-policy.js";
import type { ResourceInput } from "./resources.js";
import { portNameProblem } from "./fields.js";
import { referenceIsValid } from "./references.js";

type ContainerPort = { name?: string; containerPort: number; protocol?: "TCP" | "UDP" | "SCTP" };

function containerPort(v: unknown): ContainerPort {
  const o = object(v);
  const name = optionalString(o, "name");
  if (name !== undefined && name !== "" && portNameProblem(name) !== undefined) unsure();
  const containerPort = o.containerPort;
  if (typeof containerPort !== "number" || !Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) unsure();
  const protocol = optional(o, "protocol");
  if (protocol !== undefined && protocol !== "TCP" && protocol !== "UDP" && protocol !== "SCTP") unsure();
  // One literal per shape: every pod's ports are kept until the model is built, and a property
  // added after a literal is created costs a separate backing store.
  if (name === undefined) return protocol === undefined ? { containerPort } : { containerPort, protocol };
  return protocol === undefined ? { name, containerPort } : { name, containerPort, protocol };
}

// A cluster has few nodes and service accounts, named by many pods each (k8s.ts's reference()).
const nodeNames = new Checked((s) => referenceIsValid(s));
const serviceAccountNames = new Checked((s) => referenceIsValid(s));
// Any phase is valid; interned, as every pod of a cluster has one of a handful.
const phases = new Checked(() => true);

function podSpec(v: unknown): ResourceInput<"k8s/Pod">["spec"] {
  const o = object(v);
  const out: Record<string, unknown> = {};
  for (const key of ["nodeName"] as const) {
    const s = optionalString(o, key);
    if (s !== undefined) out[key] = nodeNames.check(s);
  }
  const hostNetwork = optional(o, "hostNetwork");
  if (hostNetwork !== undefined) {
    if (typeof hostNetwork !== "boolean") unsure();
    out.hostNetwork = hostNetwork;
  }
  for (const key of ["serviceAccountName", "serviceAccount"] as const) {
    const s = optionalString(o, key);
    if (s !== undefined) out[key] = serviceAccountNames.check(s);
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
  if (phase !== undefined) out.phase = phases.check(phase);
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

const podKeys = new Set(["apiVersion", "kind", "metadata", "spec", "status"]);
const namespaceKeys = new Set(["apiVersion", "kind", "metadata", "spec", "status"]);
const serviceAccountKeys = new Set(["apiVersion", "kind", "metadata", "automountServiceAccountToken", "imagePullSecrets", "secrets"]);

function pod(o: Obj): ResourceInput<"k8s/Pod"> {
  const v = closed(o, podKeys);
  const meta = metadata(v.metadata, "subdomain", true);
  const rawSpec = optional(v, "spec");
  const spec = rawSpec === undefined ? undefined : podSpec(rawSpec);
  const rawStatus = optional(v, "status");
  const status = rawStatus === undefined ? undefined : podStatus(rawStatus);
  // One literal per shape: every pod's input is kept, and a property added later costs a backing store.
  const out = spec === undefined ? (status === undefined ? { metadata: meta } : { metadata: meta, status }) : status === undefined ? { metadata: meta, spec } : { metadata: meta, spec, status };
  return out as ResourceInput<"k8s/Pod">;
}

const fastSchemas: { readonly [K in ResourceKind]?: (v: Obj) => ResourceInput<K> } = {
  "k8s/Pod": pod,
  "k8s/Namespace": (v) => ({ metadata: metadata(closed(v, namespaceKeys).metadata, "label", false) }) as ResourceInput<"k8s/Namespace">,
  "k8s/ServiceAccount": (v) => ({ metadata: metadata(closed(v, serviceAccountKeys).metadata, "subdomain", true) }) as ResourceInput<"k8s/ServiceAccount">,
  "k8s/NetworkPolicy": k8sNetworkPolicy,
  "calico/NetworkPolicy": calicoNetworkPolicy,
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
