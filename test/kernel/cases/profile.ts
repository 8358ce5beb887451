/**
 * Calico profiles on non-Kubernetes workloads: the classic `web` profile from the Calico docs
 * (fixtures/examples/calico-profile-web.yaml, verbatim) on WorkloadEndpoints spread over two
 * namespaces and both nodes. No Pods, so no `kns.`/`ksa.` profiles open anything: an endpoint
 * gets exactly the profiles it lists, in order (reference/k8s-semantics.md §3.2, §3.6):
 *
 * - web-1, web-2:   [web]            web=""-labelled (labelsToApply); in: has(web) any protocol,
 *                                    TCP 80/443 from anywhere; out: everything
 * - web-3:          [closed, web]    the first profile allows nothing, the second decides
 * - client-1/-2:    [outbound]       out: everything; in: nothing
 * - closed-1:       [closed]         a profile without rules: nothing in or out
 * - bare-2:         no profiles      "Drop if no profiles matched", both directions
 *
 * Profile rules are not namespace-scoped (Felix converts them with no namespace), so has(web)
 * matches web endpoints of both namespaces. Expectations are written from these semantics,
 * before running anything.
 */
import { readFileSync } from "node:fs";
import type { CaseFamily, KernelCase } from "../harness/case.js";
import type { PodDef } from "../harness/resources.js";
import type { Reachability } from "../harness/reachability.js";

const fixture = (name: string) => ({
  file: `examples/${name}`,
  text: readFileSync(new URL(`../fixtures/examples/${name}`, import.meta.url), "utf8"),
});

/** Interface names as a non-CNI orchestrator picks them: `cali` prefix, not the sha1 of ns.pod. */
const endpoint = (namespace: string, name: string, node: string, ip: string, interfaceName: string, profiles: readonly string[]): PodDef => ({
  namespace,
  name,
  node,
  ip,
  labels: { app: name.replace(/-\d+$/, "") },
  containerPorts: [],
  workloadEndpoint: { interfaceName, profiles },
});

export const PROFILE_FAMILY: CaseFamily = {
  name: "Calico profiles on WorkloadEndpoints",
  tag: "prof",
  nodes: ["node-1", "node-2"],
  namespaces: [
    { name: "shop", labels: {} },
    { name: "ops", labels: {} },
  ],
  pods: [
    endpoint("shop", "web-1", "node-1", "10.67.0.1", "caliweb1", ["web"]),
    endpoint("ops", "web-2", "node-2", "10.67.0.65", "caliweb2", ["web"]),
    endpoint("shop", "web-3", "node-2", "10.67.0.66", "caliweb3", ["closed", "web"]),
    endpoint("shop", "client-1", "node-1", "10.67.0.2", "caliclient1", ["outbound"]),
    endpoint("ops", "client-2", "node-2", "10.67.0.67", "caliclient2", ["outbound"]),
    endpoint("shop", "closed-1", "node-1", "10.67.0.3", "caliclosed1", ["closed"]),
    endpoint("ops", "bare-2", "node-2", "10.67.0.68", "calibare2", []),
  ],
  servePorts: [80, 81, 443],
};

const ALL = PROFILE_FAMILY.pods.map((p) => `${p.namespace}/${p.name}`);
const WEB = ["shop/web-1", "ops/web-2", "shop/web-3"];
const CLIENTS = ["shop/client-1", "ops/client-2"];

/** The two profiles the family's endpoints use besides the example's `web`. */
const OTHER_PROFILES: readonly object[] = [
  { apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "outbound" }, spec: { egress: [{ action: "Allow" }] } },
  { apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "closed" }, spec: {} },
];

/** Every endpoint that may send at all: web (egress Allow) and clients (outbound). */
const SENDERS = [...WEB, ...CLIENTS];

/** For a `defaultExpectation: false` table: every (from, to) of each [froms, tos] connects. */
const allow =
  (...grants: readonly (readonly [readonly string[], readonly string[]])[]) =>
  (r: Reachability): Reachability => {
    for (const [froms, tos] of grants) for (const from of froms) for (const to of tos) if (from !== to) r.expect(from, to, true);
    return r;
  };

export const PROFILE_CASES: readonly KernelCase[] = [
  {
    name: "calico-profile-web.yaml: web endpoints take TCP 80/443 from anyone who may send, anything from web; others are closed",
    pods: ALL,
    resources: () => OTHER_PROFILES,
    files: [fixture("calico-profile-web.yaml")],
    probes: [
      // closed-1 and bare-2 cannot send at all, so they reach nothing either.
      { protocol: "TCP", port: 80, defaultExpectation: false, expect: allow([SENDERS, WEB]) },
      { protocol: "TCP", port: 443, defaultExpectation: false, expect: allow([SENDERS, WEB]) },
      // Only the has(web) rule: any protocol and port, from web endpoints only.
      { protocol: "TCP", port: 81, defaultExpectation: false, expect: allow([WEB, WEB]) },
      { protocol: "UDP", port: 80, defaultExpectation: false, expect: allow([WEB, WEB]) },
      { protocol: "ICMP", defaultExpectation: false, expect: allow([WEB, WEB]) },
    ],
  },
  {
    name: "a NetworkPolicy selecting has(web) (a profile-applied label) in shop replaces the profile there: only its TCP 81 rule",
    pods: ALL,
    resources: () => [
      ...OTHER_PROFILES,
      {
        apiVersion: "projectcalico.org/v3",
        kind: "NetworkPolicy",
        metadata: { name: "web-81-only", namespace: "shop" },
        spec: { selector: "has(web)", types: ["Ingress"], ingress: [{ action: "Allow", protocol: "TCP", destination: { ports: [81] } }] },
      },
    ],
    files: [fixture("calico-profile-web.yaml")],
    probes: [
      // shop/web-1 and shop/web-3: the default tier has a policy for them, so its end-of-tier drop
      // decides everything but TCP 81 and their profiles are never consulted. ops/web-2 keeps its profile.
      { protocol: "TCP", port: 80, defaultExpectation: false, expect: allow([SENDERS, ["ops/web-2"]]) },
      { protocol: "TCP", port: 81, defaultExpectation: false, expect: allow([SENDERS, ["shop/web-1", "shop/web-3"]], [WEB, ["ops/web-2"]]) },
      { protocol: "ICMP", defaultExpectation: false, expect: allow([WEB, ["ops/web-2"]]) },
    ],
  },
];
