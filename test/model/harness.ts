/** Shared helpers for the model tests: load YAML text, and show diagnostics as {code, line, column}. */
import { lineColumn } from "../../src/diagnostics/position.js";
import type { Diagnostic, SourceFile } from "../../src/diagnostics/types.js";
import { loadSources, type LoadResult } from "../../src/model/load.js";
import type { Model } from "../../src/model/types.js";

export function load(text: string, file = "t.yaml"): LoadResult {
  return loadSources([{ file, text }]);
}

export interface Where {
  readonly code: string;
  readonly line: number;
  readonly column: number;
}

export function where(diags: readonly Diagnostic[], sources: readonly SourceFile[]): Where[] {
  return diags.map((d) => {
    const src = sources.find((s) => s.file === d.span?.file);
    const lc = src && d.span ? lineColumn(src.text, d.span.start) : { line: 0, column: 0 };
    return { code: d.code, line: lc.line, column: lc.column };
  });
}

export function diagsOf(text: string, file = "t.yaml"): Where[] {
  return where(load(text, file).diagnostics, [{ file, text }]);
}

/** The model without origins (spans), for comparisons that should not depend on positions. */
export function withoutOrigins(model: Model): unknown {
  return JSON.parse(JSON.stringify(model, (k, v: unknown) => (k === "origin" ? undefined : v)));
}

function policyYaml(apiVersion: string, spec: string, name: string): string {
  return `apiVersion: ${apiVersion}
kind: NetworkPolicy
metadata:
  name: ${name}
  namespace: default
spec:
${spec}`;
}

/** YAML for a Calico NetworkPolicy with the given spec lines (indented under `spec:`). */
export function calicoPolicy(spec: string, name = "p"): string {
  return policyYaml("projectcalico.org/v3", spec, name);
}

/** YAML for a Kubernetes NetworkPolicy with the given spec lines (indented under `spec:`). */
export function k8sPolicy(spec: string, name = "p"): string {
  return policyYaml("networking.k8s.io/v1", spec, name);
}
