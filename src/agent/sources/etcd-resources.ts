/**
 * Validated input documents → what `policy-compile datastore apply|delete` writes to (or removes
 * from) Calico's etcd datastore: one JSON value per key, under the keys the agent reads
 * (calico-keys.ts). Pure: texts and the loaded model in, entries and located diagnostics out.
 *
 * - A Calico resource is stored as written (JSON), with its namespace made explicit for a
 *   namespaced kind (`default` when absent, as Calico defaults it) and dropped for a
 *   cluster-scoped one (as the API server clears it), so the key and the value agree.
 * - A Kubernetes NetworkPolicy is stored the way Calico's kube-controllers stores it in etcd
 *   mode: a projectcalico.org/v3 NetworkPolicy named `knp.default.<name>` in the same namespace,
 *   tier default, order 1000, with the converted selector, types and rules (the same conversion
 *   the compiler applies, model/normalize/k8s-policy.ts).
 * - Every other kind is refused where it is written (PC7032), saying what Calico stores instead;
 *   two documents for one key are refused too (PC7033). Nothing is written unless all is well.
 */
import { Codes } from "../../diagnostics/codes.js";
import type { Diagnostic, SourceFile, Span } from "../../diagnostics/types.js";
import { forEachDocument } from "../../model/documents.js";
import type { EntityRule, Model, Policy, Port, Rule } from "../../model/types.js";
import { CALICO_KEY_KINDS, resourceKey } from "./calico-keys.js";

export interface DatastoreEntry {
  readonly key: string;
  /** The Calico kind stored (NetworkPolicy for a converted Kubernetes NetworkPolicy). */
  readonly kind: string;
  readonly namespace: string | null;
  readonly name: string;
  /** The stored JSON value. */
  readonly value: Readonly<Record<string, unknown>>;
  /** What the input said, for messages: `NetworkPolicy default/allow-80` or `Kubernetes NetworkPolicy default/web`. */
  readonly input: string;
  readonly span: Span;
}

/** The prefix kube-controllers gives a Kubernetes NetworkPolicy's name in etcd. */
export const KNP_ETCD_PREFIX = "knp.default.";

const REFUSED: Readonly<Record<string, string>> = {
  Pod: "Calico's etcd datastore holds a pod as the WorkloadEndpoint its CNI plugin creates; write WorkloadEndpoints",
  Namespace: "kube-controllers stores a namespace as the Profile kns.<namespace>; write that Profile",
  ServiceAccount: "kube-controllers stores a service account as the Profile ksa.<namespace>.<name>; write that Profile",
  ClusterNetworkPolicy: "Calico reads ClusterNetworkPolicy from the Kubernetes API only (unsupported in etcd mode)",
  AdminNetworkPolicy: "Calico v3.32 no longer enforces AdminNetworkPolicy; convert it to a ClusterNetworkPolicy (policy-compile convert)",
  BaselineAdminNetworkPolicy: "Calico v3.32 no longer enforces BaselineAdminNetworkPolicy; convert it to a ClusterNetworkPolicy (policy-compile convert)",
};

function refusal(kind: string, apiVersion: string): string {
  const why =
    REFUSED[kind] ??
    (kind.startsWith("Staged")
      ? "staged policies are not written by datastore apply: the agent does not read them from etcd"
      : `only ${[...CALICO_KEY_KINDS.keys()].join(", ")} (projectcalico.org/v3) and Kubernetes NetworkPolicy are written`);
  return `${kind} (${apiVersion}) is not written to Calico's etcd datastore: ${why}`;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export interface DatastoreEntries {
  readonly entries: readonly DatastoreEntry[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The entries of `sources`, which must have loaded without errors into `model` (the knp
 * policies' conversion is taken from it). In file and document order.
 */
export function datastoreEntries(prefix: string, sources: readonly SourceFile[], model: Model): DatastoreEntries {
  const entries: DatastoreEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  const knp = new Map(model.policies.filter((p) => p.policyKind === "knp").map((p) => [`${p.namespace}/${p.name}`, p]));
  const ordered = [...sources].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const source of ordered) {
    const mark = { entries: entries.length, diagnostics: diagnostics.length };
    const ignored: Diagnostic[] = [];
    forEachDocument(
      source,
      ignored,
      (doc) => {
        const spanOf = (path: readonly (string | number)[]) => doc.locator.resolve([{ path }])[0] as Span;
        doc.forEachResource(
          (raw) => {
            const v = raw.value;
            const meta = (v.metadata ?? {}) as Record<string, unknown>;
            const name = str(meta.name) ?? "";
            const kind = str(v.kind) ?? raw.kind.slice(raw.kind.indexOf("/") + 1);
            const span = spanOf(raw.path);
            if (raw.kind === "k8s/NetworkPolicy") {
              const namespace = str(meta.namespace) ?? "default";
              const policy = knp.get(`${namespace}/${name}`);
              if (!policy) throw new Error(`internal: Kubernetes NetworkPolicy ${namespace}/${name} is not in the model`);
              const stored = `${KNP_ETCD_PREFIX}${name}`;
              entries.push({ key: resourceKey(prefix, "NetworkPolicy", namespace, stored), kind: "NetworkPolicy", namespace, name: stored, value: kubeControllersPolicy(policy, stored), input: `Kubernetes NetworkPolicy ${namespace}/${name}`, span });
              return;
            }
            const info = raw.kind.startsWith("calico/") ? CALICO_KEY_KINDS.get(kind) : undefined;
            if (!info) {
              diagnostics.push({ code: Codes.notStoredInEtcd.code, severity: "error", message: refusal(kind, str(v.apiVersion) ?? ""), span: spanOf([...raw.path, "kind"]) });
              return;
            }
            const namespace = info.namespaced ? (str(meta.namespace) ?? "default") : null;
            const { namespace: _dropped, ...rest } = meta;
            const metadata = namespace === null ? rest : { ...rest, namespace };
            // Type meta first, as Calico writes it; a List's items inherit theirs.
            const value = { ...v, apiVersion: "projectcalico.org/v3", kind, metadata };
            entries.push({ key: resourceKey(prefix, kind, namespace, name), kind, namespace, name, value, input: `${kind} ${namespace ? `${namespace}/` : ""}${name}`, span });
          },
          (problem) => {
            if (problem.code === Codes.stagedIgnored) {
              const path = problem.path;
              diagnostics.push({ code: Codes.notStoredInEtcd.code, severity: "error", message: refusal(problem.message.split(" ")[0] as string, "projectcalico.org/v3"), span: spanOf(path) });
            }
          },
        );
      },
      () => {
        entries.length = mark.entries;
        diagnostics.length = mark.diagnostics;
      },
    );
  }
  const firstAt = new Map<string, DatastoreEntry>();
  for (const e of entries) {
    const first = firstAt.get(e.key);
    if (!first) firstAt.set(e.key, e);
    else {
      diagnostics.push({
        code: Codes.sameEtcdKey.code,
        severity: "error",
        message: `${e.input} would be written to ${e.key}, which ${first.input} is written to as well`,
        span: e.span,
        notes: [{ message: `${first.input} is here`, span: first.span }],
      });
    }
  }
  return { entries, diagnostics };
}

function portJson(p: Port): number | string {
  if (p.kind === "named") return p.name;
  return p.first === p.last ? p.first : `${p.first}:${p.last}`;
}

function entityJson(e: EntityRule): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {
    ...(e.selector !== undefined && { selector: e.selector }),
    ...(e.namespaceSelector !== undefined && { namespaceSelector: e.namespaceSelector }),
    ...(e.nets.length > 0 && { nets: e.nets }),
    ...(e.notNets.length > 0 && { notNets: e.notNets }),
    ...(e.ports.length > 0 && { ports: e.ports.map(portJson) }),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

function ruleJson(r: Rule): Record<string, unknown> {
  const source = entityJson(r.source);
  const destination = entityJson(r.destination);
  return {
    action: r.action,
    ...(r.protocol !== undefined && { protocol: typeof r.protocol === "string" ? r.protocol.toUpperCase() : r.protocol }),
    ...(source && { source }),
    ...(destination && { destination }),
  };
}

/** A knp policy as kube-controllers writes it to etcd (K8sNetworkPolicyToCalico, renamed). */
export function kubeControllersPolicy(p: Policy, name: string): Record<string, unknown> {
  return {
    apiVersion: "projectcalico.org/v3",
    kind: "NetworkPolicy",
    metadata: { name, namespace: p.namespace },
    spec: {
      tier: "default",
      order: 1000,
      selector: p.selector,
      types: p.types,
      ...(p.ingress.length > 0 && { ingress: p.ingress.map(ruleJson) }),
      ...(p.egress.length > 0 && { egress: p.egress.map(ruleJson) }),
    },
  };
}
