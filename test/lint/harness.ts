/**
 * Lint test harness: lint YAML texts (a small cluster plus the policy under test) and show the
 * findings as { code, line, column } in the policy file, so each case states exactly where the
 * warning points.
 */
import { lineColumn } from "../../src/diagnostics/position.js";
import type { Diagnostic, SourceFile } from "../../src/diagnostics/types.js";
import { lintModel } from "../../src/lint/lint.js";
import { loadSources } from "../../src/model/load.js";

/** Namespaces default (team=a) and other; pods web (http/TCP 80) and client in default, db in other. */
export const cluster = `apiVersion: v1
kind: Namespace
metadata:
  name: default
  labels:
    team: a
---
apiVersion: v1
kind: Namespace
metadata:
  name: other
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
  labels:
    app: web
spec:
  nodeName: node-1
  containers:
  - name: main
    ports:
    - name: http
      containerPort: 80
    - name: dns
      containerPort: 53
      protocol: UDP
status:
  podIP: 10.65.0.10
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  namespace: default
  labels:
    run: client
spec:
  nodeName: node-1
  containers:
  - name: main
status:
  podIP: 10.65.0.11
---
apiVersion: v1
kind: Pod
metadata:
  name: db
  namespace: other
  labels:
    app: db
spec:
  nodeName: node-2
  containers:
  - name: main
status:
  podIP: 10.65.1.10
`;

export interface Finding {
  readonly code: string;
  readonly line: number;
  readonly column: number;
}

export function lintSources(sources: readonly SourceFile[]): Diagnostic[] {
  const { model, diagnostics } = loadSources(sources);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`test input does not load: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  return lintModel(model, sources);
}

/** Lints `policy` (file p.yaml) with `cluster` (file cluster.yaml, unless replaced). */
export function lint(policy: string, clusterText = cluster, file = "p.yaml"): Diagnostic[] {
  return lintSources([
    { file: "cluster.yaml", text: clusterText },
    { file, text: policy },
  ]);
}

export function findings(policy: string, clusterText = cluster, file = "p.yaml"): Finding[] {
  return lint(policy, clusterText, file).map((d) => {
    const text = d.span?.file === file ? policy : clusterText;
    const lc = d.span ? lineColumn(text, d.span.start) : { line: 0, column: 0 };
    return { code: d.code, line: lc.line, column: lc.column };
  });
}

export function calico(spec: string, name = "p", kind = "NetworkPolicy", namespace = "default"): string {
  return `apiVersion: projectcalico.org/v3
kind: ${kind}
metadata:
  name: ${name}
${kind === "NetworkPolicy" ? `  namespace: ${namespace}\n` : ""}spec:
${spec}`;
}

export function k8s(spec: string, name = "p", namespace = "default"): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${spec}`;
}
