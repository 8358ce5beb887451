/**
 * Documents → resources. A document holds one resource, a `kind: List` / `kind: <Kind>List`
 * wrapper (items inherit the list's apiVersion and item kind when they omit them, as typed lists
 * from the API server do), or a sequence of resources. Each resource is recognised by apiVersion
 * and kind; unknown ones are reported.
 */
import { Codes } from "../diagnostics/codes.js";
import { closest } from "./suggest.js";
import type { Path } from "./paths.js";

/** The Calico kinds, read alike as `projectcalico.org/v3` and as the `crd.projectcalico.org/v1` CRDs that back them. */
const CALICO_KINDS = [
  "NetworkPolicy",
  "GlobalNetworkPolicy",
  "Tier",
  "Profile",
  "NetworkSet",
  "GlobalNetworkSet",
  "WorkloadEndpoint",
  "HostEndpoint",
  "StagedNetworkPolicy",
  "StagedGlobalNetworkPolicy",
  "StagedKubernetesNetworkPolicy",
] as const;

/**
 * `crd.projectcalico.org/v1`: what `kubectl get -o yaml` returns on a Kubernetes-datastore
 * cluster without Calico's API server. The CRDs hold the same spec as the v3 kinds (the API
 * server converts field for field), with kubectl's metadata (resourceVersion, uid,
 * creationTimestamp, generation, the `projectcalico.org/metadata` annotation), which the v3 kinds
 * accept already; so they are read as the same kinds, with the same strict spec.
 */
export const CALICO_CRD_API_VERSION = "crd.projectcalico.org/v1";

export const resourceKinds = {
  "projectcalico.org/v3": CALICO_KINDS,
  "crd.projectcalico.org/v1": CALICO_KINDS,
  "networking.k8s.io/v1": ["NetworkPolicy"],
  "policy.networking.k8s.io/v1alpha1": ["AdminNetworkPolicy", "BaselineAdminNetworkPolicy"],
  "policy.networking.k8s.io/v1alpha2": ["ClusterNetworkPolicy"],
  v1: ["Namespace", "Pod", "ServiceAccount"],
} as const;

export type ResourceKind =
  | "calico/NetworkPolicy"
  | "calico/GlobalNetworkPolicy"
  | "calico/Tier"
  | "calico/Profile"
  | "calico/NetworkSet"
  | "calico/GlobalNetworkSet"
  | "calico/WorkloadEndpoint"
  | "calico/HostEndpoint"
  | "calico/StagedNetworkPolicy"
  | "calico/StagedGlobalNetworkPolicy"
  | "calico/StagedKubernetesNetworkPolicy"
  | "k8s/NetworkPolicy"
  | "k8s/AdminNetworkPolicy"
  | "k8s/BaselineAdminNetworkPolicy"
  | "k8s/ClusterNetworkPolicy"
  | "k8s/Namespace"
  | "k8s/Pod"
  | "k8s/ServiceAccount";

export interface RawResource {
  readonly kind: ResourceKind;
  readonly value: Record<string, unknown>;
  /** Path of the resource within its document. */
  readonly path: Path;
}

/** A problem found while splitting; the caller locates it. */
export interface SplitProblem {
  readonly code: (typeof Codes)[keyof typeof Codes];
  readonly message: string;
  readonly path: Path;
  readonly part?: "key" | "value";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The kinds read for `apiVersion`; own keys only, so "__proto__" or "toString" is just unknown. */
function kindsOf(apiVersion: string): readonly string[] | undefined {
  return Object.hasOwn(resourceKinds, apiVersion) ? (resourceKinds as Record<string, readonly string[]>)[apiVersion] : undefined;
}

function kindOf(apiVersion: string, kind: string): ResourceKind | undefined {
  const group = apiVersion === "projectcalico.org/v3" || apiVersion === CALICO_CRD_API_VERSION ? "calico" : "k8s";
  const known = kindsOf(apiVersion);
  return known?.includes(kind) ? (`${group}/${kind}` as ResourceKind) : undefined;
}

/** A document's own path, shared: a resource read lazily keeps its path, one per pod otherwise. */
const DOCUMENT_ROOT: Path = Object.freeze([]);

export function splitResources(value: unknown, onResource: (r: RawResource) => void, onProblem: (p: SplitProblem) => void): void {
  splitResource(value, DOCUMENT_ROOT, undefined, onResource, onProblem);
}

/** What a List gives its items that omit them. */
export interface Inherited {
  readonly apiVersion?: string;
  readonly kind?: string;
}

/** splitResources for one value at `path` (a document, or an item of a List with what it inherits). */
export function splitResource(
  v: unknown,
  path: Path,
  inherited: Inherited | undefined,
  onResource: (r: RawResource) => void,
  onProblem: (p: SplitProblem) => void,
): void {
  const visit = (v: unknown, path: Path, inherited?: Inherited): void => splitResource(v, path, inherited, onResource, onProblem);
  if (Array.isArray(v)) {
    v.forEach((item, i) => visit(item, [...path, i], inherited));
    return;
  }
  if (!isObject(v)) {
    onProblem({ code: Codes.notAnObject, message: `expected a resource (a mapping with apiVersion and kind), found ${v === null ? "an empty value" : typeof v === "string" ? "a string" : typeof v}`, path });
    return;
  }
  const apiVersion = typeof v.apiVersion === "string" ? v.apiVersion : inherited?.apiVersion;
  const kind = typeof v.kind === "string" ? v.kind : inherited?.kind;
  if (apiVersion === undefined || kind === undefined) {
    const missing = [apiVersion === undefined ? "apiVersion" : undefined, kind === undefined ? "kind" : undefined].filter(Boolean).join(" and ");
    onProblem({ code: Codes.missingTypeMeta, message: `resource has no ${missing}: expected e.g. "apiVersion: projectcalico.org/v3" and "kind: NetworkPolicy"`, path });
    return;
  }
  if (kind === "List" || (kind.endsWith("List") && Array.isArray(v.items))) {
    if (!Array.isArray(v.items)) {
      onProblem({ code: Codes.missingField, message: `${kind} has no items list`, path });
      return;
    }
    const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
    v.items.forEach((item, i) => visit(item, [...path, "items", i], { apiVersion, ...(itemKind ? { kind: itemKind } : {}) }));
    return;
  }
  const rk = kindOf(apiVersion, kind);
  if (rk) {
    onResource({ kind: rk, value: v, path });
    return;
  }
  const known = kindsOf(apiVersion);
  const versions = Object.keys(resourceKinds).filter((av) => (resourceKinds as Record<string, readonly string[]>)[av]!.includes(kind));
  const hint = versions.length > 0 ? `; kind ${kind} is read with apiVersion ${versions.join(" or ")}` : "";
  if (known) {
    const near = versions.length > 0 ? undefined : closest(kind, known);
    onProblem({ code: Codes.unknownKind, message: `unknown kind ${JSON.stringify(kind)} for apiVersion ${apiVersion}: expected one of ${known.join(", ")}${near ? ` (did you mean ${JSON.stringify(near)}?)` : hint}`, path: typeof v.kind === "string" ? [...path, "kind"] : path });
    return;
  }
  onProblem({ code: Codes.unknownKind, message: `unknown apiVersion ${JSON.stringify(apiVersion)} (kind ${kind}): expected projectcalico.org/v3, networking.k8s.io/v1, policy.networking.k8s.io/v1alpha1, policy.networking.k8s.io/v1alpha2 or v1${hint}`, path: typeof v.apiVersion === "string" ? [...path, "apiVersion"] : path });
}
