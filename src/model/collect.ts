/**
 * Per file: documents → resources → schema validation, with every problem and every origin
 * located in one batch per document (see paths.ts). The result is a list of valid, typed
 * resources with their spans, and the diagnostics.
 *
 * Pods, Namespaces, ServiceAccounts and Kubernetes and Calico NetworkPolicies first try the fast
 * path (schema/fast.ts, schema/fast-policy.ts), which returns what zod would for inputs it is
 * sure about; everything else, and every invalid input, goes through the full zod schema, which
 * words the diagnostics.
 */
import type { z } from "zod";
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic, SourceFile, Span } from "../diagnostics/types.js";
import { forEachDocument } from "./documents.js";
import { JsonLocator } from "./locate-json.js";
import { SubsetLocator } from "./locate-subset.js";
import type { Locator, Path, SpanRequest } from "./paths.js";
import type { ResourceKind } from "./resources.js";
import { clusterNetworkPolicy } from "./normalize/cluster-network-policy.js";
import { fastParse } from "./schema/fast.js";
import { schemaProblems } from "./schema/issues.js";
import { CLUSTER_SCOPED } from "./schema/object-meta.js";
import { resourceSchemas, type ResourceInput } from "./schema/resources.js";

/** A valid resource of kind K with where it came from. */
export interface Collected<K extends ResourceKind = ResourceKind> {
  readonly kind: K;
  readonly input: ResourceInput<K>;
  readonly span: Span;
  /** Span of metadata.name (for duplicates) and of spec.tier (falls back to the nearest ancestor). */
  readonly nameSpan: Span;
  readonly tierSpan: Span;
  /** Span of spec.types (spec.policyTypes of Kubernetes kinds) of a policy with rules, else the resource's. */
  readonly typesSpan: Span;
  /** Spans of spec.ingress[i] / spec.egress[i], for rule origins. */
  readonly ingressSpans: readonly Span[];
  readonly egressSpans: readonly Span[];
}

export type AnyCollected = { [K in ResourceKind]: Collected<K> }[ResourceKind];

function ruleCount(input: unknown, field: "ingress" | "egress"): number {
  const spec = (input as { spec?: Record<string, unknown> }).spec;
  const list = spec?.[field];
  return Array.isArray(list) ? list.length : 0;
}

/**
 * What to do with the spans of one document, in the order things were found: a problem takes one
 * span (request `at`); a valid resource takes its own span, its name's, its tier's (policies
 * only) and one per ingress and egress rule, in that order from request `at`.
 */
type Task =
  | { readonly type: "problem"; readonly code: string; readonly severity: Diagnostic["severity"]; readonly message: string; readonly at: number }
  | {
      readonly type: "resource";
      readonly kind: ResourceKind;
      readonly input: unknown;
      readonly at: number;
      readonly tier: boolean;
      /** The field naming the policy's directions, requested for a policy with rules. */
      readonly types: "types" | "policyTypes" | undefined;
      readonly ingress: number;
      readonly egress: number;
      /** Set when the name's span is located lazily (then no request was made for it). */
      readonly lazyName: LazyName | undefined;
    };

interface LazyName {
  readonly locator: Locator;
  readonly path: Path;
}

const noSpans: readonly Span[] = Object.freeze([]);

/**
 * A resource without rules or tier whose nameSpan is located on first use: for 100,000 pods in a
 * JSON List, locating every name up front was a tenth of the load, and only a diagnostic reads one.
 * The same holds for a YAML document read by the fast path (whose locator holds only offsets).
 */
class LazilyNamed {
  private located: Span | undefined;

  constructor(
    readonly kind: ResourceKind,
    readonly input: unknown,
    readonly span: Span,
    private readonly locator: Locator,
    private readonly path: Path,
  ) {}

  get nameSpan(): Span {
    return (this.located ??= this.locator.resolve([{ path: [...this.path, "metadata", "name"] }])[0] as Span);
  }

  // Constant for a resource without tier or rules; getters, so that no pod carries them.
  get tierSpan(): Span {
    return this.span;
  }

  get typesSpan(): Span {
    return this.span;
  }

  get ingressSpans(): readonly Span[] {
    return noSpans;
  }

  get egressSpans(): readonly Span[] {
    return noSpans;
  }
}

const tiered: ReadonlySet<ResourceKind> = new Set<ResourceKind>(["calico/NetworkPolicy", "calico/GlobalNetworkPolicy", "calico/StagedNetworkPolicy", "calico/StagedGlobalNetworkPolicy"]);
const kubernetesTyped: ReadonlySet<ResourceKind> = new Set<ResourceKind>(["k8s/NetworkPolicy", "calico/StagedKubernetesNetworkPolicy"]);

/** `yamlFastPath` false reads YAML with the `yaml` parser only (see documents.ts). */
export function collectFile(source: SourceFile, diagnostics: Diagnostic[], out: AnyCollected[], yamlFastPath = true): void {
  const recorded = { diagnostics: diagnostics.length, out: out.length };
  const abandon = (): void => {
    diagnostics.length = recorded.diagnostics;
    out.length = recorded.out;
  };
  forEachDocument(source, diagnostics, (doc) => {
    const requests: SpanRequest[] = [];
    const tasks: Task[] = [];
    const problem = (code: (typeof Codes)[keyof typeof Codes], severity: Diagnostic["severity"], message: string, req: SpanRequest): void => {
      tasks.push({ type: "problem", code: code.code, severity, message, at: requests.length });
      requests.push(req);
    };

    doc.forEachResource(
      (raw) => {
        let input: unknown = fastParse(raw.kind, raw.value);
        if (input === undefined) {
          const schema = resourceSchemas[raw.kind] as z.ZodType;
          const result = schema.safeParse(raw.value, { reportInput: true });
          if (!result.success) {
            for (const p of schemaProblems(schema, result.error.issues)) {
              problem(p.code, p.severity, p.message, {
                path: [...raw.path, ...p.path],
                ...(p.part ? { part: p.part } : {}),
                ...(p.inner !== undefined ? { inner: p.inner, innerLength: p.innerLength ?? 1 } : {}),
              });
            }
            return;
          }
          input = result.data;
        }
        const at = (p: Path): Path => (raw.path.length === 0 ? p : [...raw.path, ...p]);
        const meta = raw.value.metadata;
        if (CLUSTER_SCOPED.has(raw.kind) && typeof meta === "object" && meta !== null && Object.hasOwn(meta, "namespace")) {
          const kind = String(raw.value.kind ?? raw.kind.slice(raw.kind.indexOf("/") + 1));
          problem(Codes.namespaceIgnored, "warning", `${kind} is cluster-scoped: metadata.namespace is ignored (the API server clears it); remove it`, { path: at(["metadata", "namespace"]), part: "key" });
        }
        if (raw.kind === "k8s/ClusterNetworkPolicy") {
          // What Calico's conversion makes of it that the API does not mean, at the place that causes it.
          const cnp = input as ResourceInput<"k8s/ClusterNetworkPolicy">;
          for (const n of clusterNetworkPolicy(cnp.metadata.name, cnp.spec, { ingress: [], egress: [] }).notes) {
            problem(n.code, n.code.severity, n.message, { path: at(n.path), ...(n.part ? { part: n.part } : {}) });
          }
        }
        const tier = tiered.has(raw.kind);
        const ingress = ruleCount(raw.value, "ingress");
        const egress = ruleCount(raw.value, "egress");
        // The name's span is needed only for a diagnostic; a JSON List item's or a fast-read YAML
        // document's (whose locator holds nothing but offsets into the text, and reads only that
        // item or document) is located when first asked for.
        const small = (doc.locator instanceof JsonLocator && doc.locator.itemScoped) || doc.locator instanceof SubsetLocator;
        const lazyName = !tier && ingress === 0 && egress === 0 && small ? { locator: doc.locator, path: raw.path } : undefined;
        const types = ingress + egress === 0 ? undefined : tier ? "types" : kubernetesTyped.has(raw.kind) ? "policyTypes" : undefined;
        tasks.push({ type: "resource", kind: raw.kind, input, at: requests.length, tier, types, ingress, egress, lazyName });
        requests.push({ path: raw.path });
        if (lazyName === undefined) requests.push({ path: at(["metadata", "name"]) });
        if (tier) requests.push({ path: at(["spec", "tier"]) });
        if (types !== undefined) requests.push({ path: at(["spec", types]), part: "key" });
        for (let i = 0; i < ingress; i++) requests.push({ path: at(["spec", "ingress", i]) });
        for (let i = 0; i < egress; i++) requests.push({ path: at(["spec", "egress", i]) });
      },
      (p) => problem(p.code, p.code.severity, p.message, { path: p.path, ...(p.part ? { part: p.part } : {}) }),
    );

    if (requests.length === 0) return;
    const spans = doc.locator.resolve(requests);
    for (const t of tasks) {
      if (t.type === "problem") {
        diagnostics.push({ code: t.code, severity: t.severity, message: t.message, span: spans[t.at] as Span });
        continue;
      }
      let i = t.at;
      const span = spans[i++] as Span;
      if (t.lazyName !== undefined) {
        out.push(new LazilyNamed(t.kind, t.input, span, t.lazyName.locator, t.lazyName.path) as unknown as AnyCollected);
        continue;
      }
      const nameSpan = spans[i++] as Span;
      const tierSpan = t.tier ? (spans[i++] as Span) : span;
      const typesSpan = t.types !== undefined ? (spans[i++] as Span) : span;
      // Most resources (every pod) have no rules: they share one empty list.
      const ingressSpans = t.ingress === 0 ? noSpans : spans.slice(i, i + t.ingress);
      const egressSpans = t.egress === 0 ? noSpans : spans.slice(i + t.ingress, i + t.ingress + t.egress);
      out.push({ kind: t.kind, input: t.input, span, nameSpan, tierSpan, typesSpan, ingressSpans, egressSpans } as AnyCollected);
    }
  }, abandon, yamlFastPath);
}
