/** Small dual-stack inputs for the IPv6 tests, loaded through the real model stage. */
import { formatDiagnostics, hasErrors } from "../../src/diagnostics/index.js";
import { loadSources } from "../../src/model/index.js";
import type { Model } from "../../src/model/types.js";

export function load(text: string): Model {
  const sources = [{ file: "in.yaml", text }];
  const { model, diagnostics } = loadSources(sources);
  if (hasErrors(diagnostics)) throw new Error(formatDiagnostics(diagnostics, sources));
  return model;
}

export const pod = (name: string, node: string, ips: readonly string[], labels: Record<string, string>): string => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: ${JSON.stringify(labels)}}
spec:
  nodeName: ${node}
  containers: [{name: main, image: x, ports: [{name: http, containerPort: 8080}]}]
status:
  podIP: ${ips[0]}
  podIPs: [${ips.map((ip) => `{ip: "${ip}"}`).join(", ")}]
`;

export const namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n";

/** A Calico NetworkPolicy on app == 'web' with these ingress rules (YAML flow items). */
export const calicoPolicy = (rules: readonly string[]): string => `---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: p, namespace: default}
spec:
  selector: app == 'web'
  types: [Ingress]
  ingress:
${rules.map((r) => `  - ${r}`).join("\n")}
`;

export const cluster = (): string =>
  namespace + pod("web", "node-1", ["10.65.0.10", "fd00:10::a"], { app: "web" }) + pod("client", "node-2", ["10.65.0.11", "fd00:10::b"], { app: "client" }) + pod("old", "node-2", ["10.65.0.12"], { app: "client" });
