/** Hostile inputs shared by the bounds tests (CLI, daemon, agent process). */

/**
 * The reported case: one line of JSON, a List of `count` Kubernetes NetworkPolicies each wrong
 * in several places (a 1,500-character label value, an unknown policy type, a 300-character
 * port name) — about 3 KB and 4 errors per item, 2.3 MB and 3,000 errors for 750.
 */
export function hugeBadList(count = 750): string {
  const items = Array.from({ length: count }, (_, i) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `bad-${i}`, namespace: "default", labels: { x: "y".repeat(1000) } },
    spec: {
      podSelector: { matchLabels: { app: "a".repeat(1500) } },
      policyTypes: ["Ingress", "Bogus"],
      ingress: [{ from: [{ podSelector: { matchLabels: { k: "v" } } }], ports: [{ port: "x".repeat(300) }] }],
    },
  }));
  return JSON.stringify({ apiVersion: "v1", kind: "List", items });
}

/** `depth` nested flow sequences as the selector of an otherwise valid policy. */
export function deepPolicy(depth: number, json: boolean): string {
  const nest = `${"[".repeat(depth)}${"]".repeat(depth)}`;
  return json
    ? `{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"a"},"spec":{"selector":${nest}}}`
    : `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: a\nspec:\n  selector: ${nest}\n`;
}
