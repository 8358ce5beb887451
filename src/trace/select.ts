/**
 * Endpoints named the way users name pods: exactly (`shop/web-7d9f8c6b5-x2x4z`), by the workload
 * that generated their names (`shop/web`: a Deployment's `web-<hash>-<id>`, a DaemonSet's or
 * Job's `web-<id>`, a StatefulSet's `web-0`), or by labels (`shop/app=web,tier=front`). Pure: a
 * function of the model.
 */
import type { Model, WorkloadEndpoint } from "../model/types.js";
import { compareStrings } from "../resolve/ordering.js";
import { TraceError } from "./errors.js";

export type EndpointSelection =
  | { readonly kind: "name"; readonly namespace: string; readonly name: string }
  | { readonly kind: "labels"; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };

export interface SelectedEndpoints {
  /** How the selection matched: the exact pod, the pods of a workload, or the pods with the labels. */
  readonly by: "pod" | "workload" | "labels";
  /** Sorted by name. */
  readonly endpoints: readonly WorkloadEndpoint[];
}

/** The namespace-profile prefix Calico gives a Kubernetes Namespace (`kns.<name>`). */
const NAMESPACE_PROFILE = "kns.";

/** Every namespace the inputs know: of a Namespace resource, an endpoint or a namespaced policy. */
export function knownNamespaces(model: Model): Set<string> {
  const out = new Set<string>();
  for (const p of model.profiles) if (p.name.startsWith(NAMESPACE_PROFILE)) out.add(p.name.slice(NAMESPACE_PROFILE.length));
  for (const e of model.endpoints) out.add(e.namespace);
  for (const p of model.policies) if (p.namespace !== undefined) out.add(p.namespace);
  return out;
}

/** Throws PC8011 when `namespace` is none of the inputs' namespaces. */
export function requireNamespace(model: Model, namespace: string, what: string): void {
  const known = knownNamespaces(model);
  if (known.has(namespace)) return;
  const list = [...known].sort(compareStrings);
  throw new TraceError(`${what}: namespace ${JSON.stringify(namespace)} is not in the inputs (known: ${list.length > 0 ? list.join(", ") : "none"})`, "PC8011");
}

/**
 * The name a workload controller gives its pods: `<workload>-<replicaset hash>-<5 characters>`
 * (Deployment), `<workload>-<5 characters>` (ReplicaSet, DaemonSet, Job), `<workload>-<ordinal>`
 * (StatefulSet).
 */
const GENERATED_SUFFIX = /^(?:[a-z0-9]{1,10}-[a-z0-9]{5}|[a-z0-9]{5}|\d+)$/;

export function isPodOfWorkload(pod: string, workload: string): boolean {
  return pod.startsWith(`${workload}-`) && GENERATED_SUFFIX.test(pod.slice(workload.length + 1));
}

/**
 * The endpoints the selection names. PC8011 for an unknown namespace; a name that is no pod and
 * no workload's is an unknown pod (PC8001); labels that select nothing are PC8010.
 */
export function selectEndpoints(model: Model, s: EndpointSelection, what: string): SelectedEndpoints {
  const inNamespace = model.endpoints.filter((e) => e.namespace === s.namespace);
  const sorted = (list: readonly WorkloadEndpoint[]): WorkloadEndpoint[] => [...list].sort((a, b) => compareStrings(a.name, b.name));
  if (s.kind === "name") {
    const exact = inNamespace.find((e) => e.name === s.name);
    if (exact) return { by: "pod", endpoints: [exact] };
    const workload = inNamespace.filter((e) => isPodOfWorkload(e.name, s.name));
    if (workload.length > 0) return { by: "workload", endpoints: sorted(workload) };
    requireNamespace(model, s.namespace, what);
    throw new TraceError(
      `unknown pod ${s.namespace}/${s.name}: no Pod or WorkloadEndpoint of that namespace and name in the input, and no pod of a workload of that name (${s.name}-<hash>-<id>, ${s.name}-<id>, ${s.name}-<n>)`,
      "PC8001",
    );
  }
  requireNamespace(model, s.namespace, what);
  const wanted = Object.entries(s.labels);
  const matching = inNamespace.filter((e) => wanted.every(([k, v]) => e.labels[k] === v));
  if (matching.length > 0) return { by: "labels", endpoints: sorted(matching) };
  throw new TraceError(`${what}: no pod of namespace ${s.namespace} has the labels ${wanted.map(([k, v]) => `${k}=${v}`).join(",")}`, "PC8010");
}
