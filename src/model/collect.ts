/**
 * Per file: documents → resources → schema validation, with every problem and every origin
 * located in one batch per document (see paths.ts). The result is a list of valid, typed
 * resources with their spans, and the diagnostics.
 */
import type { z } from "zod";
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic, SourceFile, Span } from "../diagnostics/types.js";
import { forEachDocument } from "./documents.js";
import type { Path, SpanRequest } from "./paths.js";
import { splitResources, type ResourceKind } from "./resources.js";
import { schemaProblems } from "./schema/issues.js";
import { resourceSchemas, type ResourceInput } from "./schema/resources.js";

/** A valid resource of kind K with where it came from. */
export interface Collected<K extends ResourceKind = ResourceKind> {
  readonly kind: K;
  readonly input: ResourceInput<K>;
  readonly span: Span;
  /** Span of metadata.name (for duplicates) and of spec.tier (falls back to the nearest ancestor). */
  readonly nameSpan: Span;
  readonly tierSpan: Span;
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

export function collectFile(source: SourceFile, diagnostics: Diagnostic[], out: AnyCollected[]): void {
  forEachDocument(source, diagnostics, (doc) => {
    const requests: SpanRequest[] = [];
    const apply: ((span: Span) => void)[] = [];
    const locate = (req: SpanRequest, then: (span: Span) => void): void => {
      requests.push(req);
      apply.push(then);
    };
    const problem = (code: (typeof Codes)[keyof typeof Codes], severity: Diagnostic["severity"], message: string, req: SpanRequest): void => {
      locate(req, (span) => diagnostics.push({ code: code.code, severity, message, span }));
    };

    splitResources(
      doc.value,
      (raw) => {
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
        const spans: { span?: Span; name?: Span; tier?: Span; ingress: Span[]; egress: Span[] } = { ingress: [], egress: [] };
        const at = (p: Path): Path => [...raw.path, ...p];
        locate({ path: at([]) }, (s) => (spans.span = s));
        locate({ path: at(["metadata", "name"]) }, (s) => (spans.name = s));
        if (raw.kind === "calico/NetworkPolicy" || raw.kind === "calico/GlobalNetworkPolicy") locate({ path: at(["spec", "tier"]) }, (s) => (spans.tier = s));
        for (const field of ["ingress", "egress"] as const) {
          const n = ruleCount(raw.value, field);
          for (let i = 0; i < n; i++) locate({ path: at(["spec", field, i]) }, (s) => spans[field].push(s));
        }
        locate({ path: at([]) }, () =>
          out.push({
            kind: raw.kind,
            input: result.data,
            span: spans.span as Span,
            nameSpan: spans.name as Span,
            tierSpan: spans.tier ?? (spans.span as Span),
            ingressSpans: spans.ingress,
            egressSpans: spans.egress,
          } as AnyCollected),
        );
      },
      (p) => problem(p.code, p.code.severity, p.message, { path: p.path, ...(p.part ? { part: p.part } : {}) }),
    );

    if (requests.length === 0) return;
    const spans = doc.locator.resolve(requests);
    spans.forEach((span, i) => apply[i]?.(span));
  });
}
