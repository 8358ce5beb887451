/**
 * Staged policies on the x/y/z cluster (calico-332.md §4). Each case runs twice: with today's
 * rules loaded (staged policies are never enforced: only their namesakes and the rest count) and
 * with the rules of the promoted cluster loaded (Set replaces its namesake, Delete removes it).
 * The truth tables are written from the definitions, before running anything; the harness also
 * holds `matrix --staged` (enforced resp. pending verdicts) to what the kernel did.
 */
import type { KernelCase } from "../harness/case.js";
import { CALICO_V3 as V3, calicoPolicy, k8sPolicy } from "../harness/resources.js";
import type { Reachability } from "../harness/reachability.js";
import { nsIs, podIs } from "./e2e-helpers.js";

interface StagedCase {
  readonly name: string;
  readonly pods: readonly string[];
  readonly resources: () => readonly object[];
  readonly port: number;
  readonly enforced: (r: Reachability) => unknown;
  readonly promoted: (r: Reachability) => unknown;
}

const STAGED: readonly StagedCase[] = [
  {
    name: "a StagedKubernetesNetworkPolicy (Set) replaces its namesake",
    pods: ["x/a", "x/b", "x/c", "y/b"],
    resources: () => [
      k8sPolicy("x", "to-a", podIs("a"), { ingress: [{ from: [{ podSelector: podIs("b") }] }] }),
      { apiVersion: V3, kind: "StagedKubernetesNetworkPolicy", metadata: { name: "to-a", namespace: "x" }, spec: { stagedAction: "Set", podSelector: podIs("a"), policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: podIs("c") }] }] } },
    ],
    port: 80,
    enforced: (r) => r.expectAllIngress("x/a", false).expect("x/b", "x/a", true),
    promoted: (r) => r.expectAllIngress("x/a", false).expect("x/c", "x/a", true),
  },
  {
    name: "a StagedNetworkPolicy (Delete) removes its namesake; a Learn one adds a policy",
    pods: ["x/a", "x/b", "y/a", "y/b"],
    resources: () => [
      calicoPolicy("x", "deny-to-a", { selector: "pod == 'a'", types: ["Ingress"], ingress: [{ action: "Deny" }] }),
      { apiVersion: V3, kind: "StagedNetworkPolicy", metadata: { name: "deny-to-a", namespace: "x" }, spec: { stagedAction: "Delete" } },
      { apiVersion: V3, kind: "StagedNetworkPolicy", metadata: { name: "isolate-b", namespace: "y" }, spec: { stagedAction: "Learn", selector: "pod == 'b'", types: ["Ingress"] } },
    ],
    port: 81,
    enforced: (r) => r.expectAllIngress("x/a", false),
    promoted: (r) => r.expectAllIngress("y/b", false),
  },
  {
    name: "a tier holding only a StagedGlobalNetworkPolicy: no drop today; promoted, its Deny and the tier's end decide",
    pods: ["x/a", "x/b", "y/a", "z/c"],
    resources: () => [
      { apiVersion: V3, kind: "Tier", metadata: { name: "security" }, spec: { order: 100 } },
      {
        apiVersion: V3,
        kind: "StagedGlobalNetworkPolicy",
        metadata: { name: "guard-a" },
        spec: {
          tier: "security",
          selector: "pod == 'a' && projectcalico.org/namespace == 'x'",
          types: ["Ingress"],
          ingress: [
            { action: "Deny", source: { namespaceSelector: "ns == 'y'" } },
            { action: "Pass", source: { namespaceSelector: "ns == 'x'" } },
          ],
        },
      },
      // Enforced in the default tier: nothing isolates x/a there, so Pass ends at the profiles.
      k8sPolicy("z", "unrelated", podIs("c"), { ingress: [{ from: [{ namespaceSelector: nsIs("x") }] }] }),
    ],
    port: 80,
    // Today: only z/c is isolated (from x only).
    enforced: (r) => r.expectAllIngress("z/c", false).expectPeer({ namespace: "x" }, { namespace: "z", pod: "c" }, true),
    // Promoted: y → x/a denied, x → x/a passed (allowed by the profile), z → x/a ends tier security (deny).
    promoted: (r) =>
      r
        .expectAllIngress("z/c", false)
        .expectPeer({ namespace: "x" }, { namespace: "z", pod: "c" }, true)
        .expect("y/a", "x/a", false)
        .expect("z/c", "x/a", false),
  },
];

export const STAGED_CASES: readonly KernelCase[] = STAGED.flatMap((c) =>
  (["enforced", "promoted"] as const).map((mode) => ({
    name: `${c.name} (${mode === "enforced" ? "today's rules" : "promoted cluster's rules"})`,
    pods: c.pods,
    resources: c.resources,
    staged: mode,
    probes: [{ protocol: "TCP" as const, port: c.port, expect: mode === "enforced" ? c.enforced : c.promoted }],
  })),
);
