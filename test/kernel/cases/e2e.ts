/**
 * Kubernetes e2e NetworkPolicy tests transcribed from upstream
 * test/e2e/network/netpol/network_policy.go (kubernetes/kubernetes at 008b3652959c): each
 * `f.It(...)` keeps its title, its pod list (initializeResources), its policies and its
 * expected reachability exactly as upstream writes them. Multi-step tests (a label added, a
 * policy updated, created or deleted later) become one case per step: the compiler is a function
 * of state, so each step is a fresh state. SCTP steps compile and load; their probes skip when
 * the kernel or the harness cannot do SCTP.
 */
import type { KernelCase } from "../harness/case.js";
import type { Reachability } from "../harness/reachability.js";
import { k8sPolicy, largeCidrForIp } from "../harness/resources.js";
import { NS_NAME, all, emptyMatch, expr, match, nsIs, podIs, sctp, tcp, udp } from "./e2e-helpers.js";

const X = "x";
const Y = "y";
const Z = "z";

/** Upstream's recurring expectation: x/a unreachable from namespaces x and z (y unaffected). */
const xaClosedToXAndZ = (r: Reachability): Reachability =>
  r.expectPeer({ namespace: X }, { namespace: X, pod: "a" }, false).expectPeer({ namespace: Z }, { namespace: X, pod: "a" }, false);
/** The same, written as upstream writes it with y stated explicitly. */
const xaOpenOnlyToY = (r: Reachability): Reachability => xaClosedToXAndZ(r).expectPeer({ namespace: Y }, { namespace: X, pod: "a" }, true);

const denyIngressX = (name: string): object => k8sPolicy(X, name, all, { ingress: [] });
const allowPort81FromY = k8sPolicy(X, "allow-client-a-via-ns-selector", podIs("a"), {
  ingress: [{ from: [{ namespaceSelector: match({ [NS_NAME]: Y }) }], ports: [tcp(81)] }],
});
const exceptPolicy = (ip: (k: string) => string): object =>
  k8sPolicy(X, "allow-client-a-via-cidr-egress-rule", podIs("a"), {
    egress: [{ to: [{ ipBlock: { cidr: largeCidrForIp(ip("x/b")), except: [`${ip("x/b")}/32`] } }] }],
  });

const TCP_CASES: KernelCase[] = [
  {
    name: "should support a 'default-deny-ingress' policy",
    pods: ["x/a", "x/b", "y/a", "y/b"],
    resources: () => [k8sPolicy(X, "deny-ingress", all, { ingress: [] })],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectPeer({}, { namespace: X }, false) }],
  },
  {
    name: "should support a 'default-deny-all' policy",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [k8sPolicy(X, "deny-all", all, { ingress: [], egress: [] })],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({}, { namespace: X }, false).expectPeer({ namespace: X }, {}, false) },
    ],
  },
  {
    name: "should enforce policy to allow traffic from pods within server namespace based on PodSelector",
    pods: ["x/a", "x/b", "x/c", "y/a"],
    resources: () => [k8sPolicy(X, "x-a-allows-x-b", podIs("a"), { ingress: [{ from: [{ podSelector: podIs("b") }] }] })],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("x/b", "x/a", true) }],
  },
  {
    name: "should enforce policy to allow ingress traffic for a target",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [
      k8sPolicy(X, "deny-all", all, { ingress: [] }),
      k8sPolicy(X, "allow-all-to-a", podIs("a"), { ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", true).expectAllIngress("x/b", false) }],
  },
  {
    name: "should enforce policy to allow ingress traffic from pods in all namespaces",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [k8sPolicy(X, "allow-from-another-ns", podIs("a"), { ingress: [{ from: [{ namespaceSelector: emptyMatch }] }] })],
    probes: [{ protocol: "TCP", port: 80 }],
  },
  {
    name: "should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [k8sPolicy(X, "allow-client-a-via-ns-selector", podIs("a"), { ingress: [{ from: [{ namespaceSelector: nsIs(Y) }] }] })],
    probes: [
      {
        protocol: "TCP",
        port: 80,
        expect: xaClosedToXAndZ,
      },
    ],
  },
  {
    name: "should enforce policy based on PodSelector with MatchExpressions",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [k8sPolicy(X, "x-a-allows-x-b", podIs("a"), { ingress: [{ from: [{ podSelector: expr("pod", "In", ["b"]) }] }] })],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("x/b", "x/a", true) }],
  },
  {
    name: "should enforce policy based on NamespaceSelector with MatchExpressions",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [
      k8sPolicy(X, "allow-ns-y-match-selector", podIs("a"), { ingress: [{ from: [{ namespaceSelector: expr(NS_NAME, "In", [Y]) }] }] }),
    ],
    probes: [
      {
        protocol: "TCP",
        port: 80,
        expect: xaClosedToXAndZ,
      },
    ],
  },
  {
    name: "should enforce policy based on PodSelector or NamespaceSelector",
    pods: ["x/a", "x/b", "x/c", "y/a"],
    resources: () => [
      k8sPolicy(X, "allow-ns-y-match-selector", podIs("a"), {
        ingress: [{ from: [{ namespaceSelector: expr(NS_NAME, "NotIn", [X]) }, { podSelector: podIs("b") }] }],
      }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expect("x/a", "x/a", false).expect("x/c", "x/a", false) }],
  },
  {
    name: "should enforce policy based on PodSelector and NamespaceSelector",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/b"],
    resources: () => [
      k8sPolicy(X, "allow-ns-y-podselector-and-nsselector", podIs("a"), {
        ingress: [{ from: [{ namespaceSelector: expr(NS_NAME, "NotIn", [X]), podSelector: podIs("b") }] }],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("y/b", "x/a", true).expect("z/b", "x/a", true) },
    ],
  },
  {
    name: "should enforce policy based on Multiple PodSelectors and NamespaceSelectors",
    pods: ["x/a", "x/b", "y/a", "y/b", "y/c"],
    resources: () => [
      k8sPolicy(X, "allow-ns-y-z-pod-b-c", podIs("a"), {
        ingress: [{ from: [{ namespaceSelector: expr(NS_NAME, "NotIn", [X]), podSelector: expr("pod", "In", ["b", "c"]) }] }],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({ namespace: X }, { namespace: X, pod: "a" }, false).expect("y/a", "x/a", false) },
    ],
  },
  {
    name: "should enforce policy based on any PodSelectors",
    pods: ["x/a", "x/b", "x/c"],
    resources: () => [
      k8sPolicy(X, "allow-ns-x-pod-b-c", podIs("a"), { ingress: [{ from: [{ podSelector: podIs("b") }, { podSelector: podIs("c") }] }] }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("x/b", "x/a", true).expect("x/c", "x/a", true) },
    ],
  },
  {
    name: "should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
    resources: () => [
      k8sPolicy(X, "allow-ns-y-pod-a-via-namespace-pod-selector", podIs("a"), {
        ingress: [{ from: [{ namespaceSelector: nsIs(Y), podSelector: podIs("a") }] }],
      }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("y/a", "x/a", true) }],
  },
  {
    name: "should enforce policy based on Ports",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
    resources: () => [allowPort81FromY],
    probes: [
      {
        protocol: "TCP",
        port: 81,
        expect: xaOpenOnlyToY,
      },
    ],
  },
  {
    name: "should enforce multiple, stacked policies with overlapping podSelectors (step 1: port 81 policy only)",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
    resources: () => [allowPort81FromY],
    probes: [
      {
        protocol: "TCP",
        port: 81,
        expect: xaOpenOnlyToY,
      },
      { protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false) },
    ],
  },
  {
    name: "should enforce multiple, stacked policies with overlapping podSelectors (step 2: port 80 policy added)",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
    resources: () => [
      allowPort81FromY,
      k8sPolicy(X, "allow-client-a-via-ns-selector-80", podIs("a"), {
        ingress: [{ from: [{ namespaceSelector: match({ [NS_NAME]: Y }) }], ports: [tcp(80)] }],
      }),
    ],
    probes: [
      {
        protocol: "TCP",
        port: 80,
        expect: xaOpenOnlyToY,
      },
    ],
  },
  {
    name: "should support allow-all policy",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [k8sPolicy(X, "allow-all", emptyMatch, { ingress: [{}] })],
    probes: [
      { protocol: "TCP", port: 80 },
      { protocol: "TCP", port: 81 },
    ],
  },
  {
    name: "should allow ingress access on one named port",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [k8sPolicy(X, "allow-all", emptyMatch, { ingress: [{ ports: [{ port: "serve-81-tcp" }] }] })],
    probes: [
      { protocol: "TCP", port: 81 },
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({}, { namespace: X }, false) },
    ],
  },
  {
    name: "should allow ingress access from namespace on one named port",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [
      k8sPolicy(X, "allow-client-a-via-ns-selector-80", podIs("a"), {
        ingress: [{ from: [{ namespaceSelector: match({ [NS_NAME]: Y }) }], ports: [tcp("serve-80-tcp")] }],
      }),
    ],
    probes: [
      {
        protocol: "TCP",
        port: 80,
        expect: xaClosedToXAndZ,
      },
      { protocol: "TCP", port: 81, expect: (r) => r.expectAllIngress("x/a", false) },
    ],
  },
  {
    name: "should allow egress access on one named port",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "allow-egress", emptyMatch, { egress: [{ ports: [{ port: "serve-80-tcp" }] }] })],
    probes: [
      { protocol: "TCP", port: 80 },
      { protocol: "TCP", port: 81, expect: (r) => r.expectPeer({ namespace: X }, {}, false) },
    ],
  },
  {
    name: "should enforce updated policy (step 1: allow all)",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "allow-all-mutate-to-deny-all", emptyMatch, { ingress: [{}] })],
    probes: [{ protocol: "TCP", port: 81 }],
  },
  {
    name: "should enforce updated policy (step 2: updated to deny all)",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "allow-all-mutate-to-deny-all", emptyMatch, { ingress: [] })],
    probes: [{ protocol: "TCP", port: 81, expect: (r) => r.expectPeer({}, { namespace: X }, false) }],
  },
  {
    name: "should allow ingress access from updated namespace (step 1: before the label)",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "allow-client-a-via-ns-selector", podIs("a"), { ingress: [{ from: [{ namespaceSelector: match({ ns2: "updated" }) }] }] })],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false) }],
  },
  {
    name: "should allow ingress access from updated namespace (step 2: namespace y labelled ns2=updated)",
    pods: ["x/a", "y/a"],
    namespaceLabels: { y: { ns2: "updated" } },
    resources: () => [k8sPolicy(X, "allow-client-a-via-ns-selector", podIs("a"), { ingress: [{ from: [{ namespaceSelector: match({ ns2: "updated" }) }] }] })],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expectPeer({ namespace: Y }, {}, true) }],
  },
  {
    name: "should allow ingress access from updated pod (step 1: before the label)",
    pods: ["x/a", "x/b"],
    resources: () => [
      k8sPolicy(X, "allow-client-a-via-pod-selector", podIs("a"), { ingress: [{ from: [{ podSelector: match({ pod: "b", pod2: "updated" }) }] }] }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false) }],
  },
  {
    name: "should allow ingress access from updated pod (step 2: x/b labelled pod2=updated)",
    pods: ["x/a", "x/b"],
    podLabels: { "x/b": { pod: "b", pod2: "updated" } },
    resources: () => [
      k8sPolicy(X, "allow-client-a-via-pod-selector", podIs("a"), { ingress: [{ from: [{ podSelector: match({ pod: "b", pod2: "updated" }) }] }] }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("x/b", "x/a", true) }],
  },
  {
    name: "should deny ingress from pods on other namespaces",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [k8sPolicy(X, "deny-empty-policy", all, { ingress: [{ from: [{ podSelector: emptyMatch }] }] })],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({ namespace: Y }, { namespace: X }, false).expectPeer({ namespace: Z }, { namespace: X }, false) },
    ],
  },
  {
    name: "should deny ingress access to updated pod (step 1: before the label)",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "deny-ingress-via-label-selector", match({ target: "isolated" }), { ingress: [] })],
    probes: [{ protocol: "TCP", port: 80 }],
  },
  {
    name: "should deny ingress access to updated pod (step 2: x/a labelled target=isolated)",
    pods: ["x/a", "y/a"],
    podLabels: { "x/a": { target: "isolated" } },
    resources: () => [k8sPolicy(X, "deny-ingress-via-label-selector", match({ target: "isolated" }), { ingress: [] })],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false) }],
  },
  {
    name: "should deny egress from pods based on PodSelector",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [k8sPolicy(X, "deny-egress-pod-a", podIs("a"), { egress: [] })],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllEgress("x/a", false) }],
  },
  {
    name: "should deny egress from all pods in a namespace",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [k8sPolicy(X, "deny-egress-ns-x", all, { egress: [] })],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectPeer({ namespace: X }, {}, false) }],
  },
  {
    name: "should work with Ingress, Egress specified together",
    pods: ["x/a", "x/b", "x/c", "y/a"],
    resources: () => [
      k8sPolicy(X, "allow-client-a-via-pod-selector", podIs("a"), {
        ingress: [{ from: [{ podSelector: podIs("b") }] }],
        egress: [{ ports: [{ port: 80 }] }],
        policyTypes: ["Egress", "Ingress"],
      }),
    ],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("x/b", "x/a", true) },
      {
        protocol: "TCP",
        port: 81,
        expect: (r) => r.expectAllIngress("x/a", false).expectAllEgress("x/a", false).expect("x/b", "x/a", true),
      },
    ],
  },
  {
    name: "should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)",
    pods: ["x/a", "y/a", "y/b"],
    resources: () => {
      const fromXa = { ingress: [{ from: [{ namespaceSelector: nsIs(X), podSelector: podIs("a") }] }] };
      return [
        k8sPolicy(X, "allow-to-ns-y-pod-a", podIs("a"), { egress: [{ to: [{ namespaceSelector: nsIs(Y), podSelector: podIs("a") }] }] }),
        k8sPolicy(Y, "allow-from-xa-on-ya-match-selector", podIs("a"), fromXa),
        k8sPolicy(Y, "allow-from-xa-on-yb-match-selector", podIs("b"), fromXa),
      ];
    },
    probes: [
      {
        protocol: "TCP",
        port: 80,
        expect: (r) =>
          r
            .expectPeer({ namespace: X, pod: "a" }, {}, false)
            .expectPeer({}, { namespace: Y, pod: "a" }, false)
            .expectPeer({ namespace: X, pod: "a" }, { namespace: Y, pod: "a" }, true)
            .expectPeer({}, { namespace: Y, pod: "b" }, false),
      },
    ],
  },
  {
    name: "should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector",
    pods: ["x/a", "y/a", "y/b"],
    resources: () => [
      k8sPolicy(X, "allow-to-ns-y-pod-a", podIs("a"), { egress: [{ to: [{ namespaceSelector: nsIs(Y), podSelector: podIs("a") }] }] }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllEgress("x/a", false).expect("x/a", "y/a", true) }],
  },
  {
    name: "should enforce ingress policy allowing any port traffic to a server on a specific protocol",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "allow-ingress-by-proto", podIs("a"), { ingress: [{ ports: [{ protocol: "TCP" }] }] })],
    probes: [
      { protocol: "TCP", port: 80 },
      { protocol: "UDP", port: 80, expect: (r) => r.expectPeer({}, { namespace: X, pod: "a" }, false) },
    ],
  },
  {
    name: "should enforce multiple ingress policies with ingress allow-all policy taking precedence (step 1: port 80 only)",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "allow-ingress-port-80", emptyMatch, { ingress: [{ ports: [{ port: 80 }] }] })],
    probes: [{ protocol: "TCP", port: 81, expect: (r) => r.expectPeer({}, { namespace: X }, false) }],
  },
  {
    name: "should enforce multiple ingress policies with ingress allow-all policy taking precedence (step 2: allow-all added)",
    pods: ["x/a", "y/a"],
    resources: () => [
      k8sPolicy(X, "allow-ingress-port-80", emptyMatch, { ingress: [{ ports: [{ port: 80 }] }] }),
      k8sPolicy(X, "allow-ingress", emptyMatch, { ingress: [{}] }),
    ],
    probes: [{ protocol: "TCP", port: 81 }],
  },
  {
    name: "should enforce multiple egress policies with egress allow-all policy taking precedence (step 1: port 80 only)",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "allow-egress-port-80", emptyMatch, { egress: [{ ports: [{ port: 80 }] }] })],
    probes: [{ protocol: "TCP", port: 81, expect: (r) => r.expectPeer({ namespace: X }, {}, false) }],
  },
  {
    name: "should enforce multiple egress policies with egress allow-all policy taking precedence (step 2: allow-all added)",
    pods: ["x/a", "y/a"],
    resources: () => [
      k8sPolicy(X, "allow-egress-port-80", emptyMatch, { egress: [{ ports: [{ port: 80 }] }] }),
      k8sPolicy(X, "allow-egress", emptyMatch, { egress: [{}] }),
    ],
    probes: [{ protocol: "TCP", port: 81 }],
  },
  {
    name: "should stop enforcing policies after they are deleted (step 1: deny-all)",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "deny-all", all, { ingress: [], egress: [] })],
    probes: [
      { protocol: "TCP", port: 80, expect: (r) => r.expectPeer({ namespace: X }, {}, false).expectPeer({}, { namespace: X }, false) },
    ],
  },
  {
    name: "should stop enforcing policies after they are deleted (step 2: policies deleted)",
    pods: ["x/a", "y/a"],
    probes: [{ protocol: "TCP", port: 80 }],
  },
  {
    name: "should allow egress access to server in CIDR block",
    pods: ["x/a", "y/a", "y/b"],
    resources: (t) => [
      k8sPolicy(X, "allow-client-a-via-cidr-egress-rule", podIs("a"), { egress: [{ to: [{ ipBlock: { cidr: `${t.ip("y/b")}/32` } }] }] }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllEgress("x/a", false).expect("x/a", "y/b", true) }],
  },
  {
    name: "should enforce except clause while egress access to server in CIDR block",
    pods: ["x/a", "x/b", "x/c"],
    resources: (t) => [exceptPolicy(t.ip)],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expect("x/a", "x/b", false) }],
  },
  {
    name: "should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed (step 1: cidr with except)",
    pods: ["x/a", "x/b", "x/c"],
    resources: (t) => [exceptPolicy(t.ip)],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expect("x/a", "x/b", false) }],
  },
  {
    name: "should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed (step 2: policy updated to x/b's /32)",
    pods: ["x/a", "x/b", "x/c"],
    resources: (t) => [
      k8sPolicy(X, "allow-client-a-via-cidr-egress-rule", podIs("a"), { egress: [{ to: [{ ipBlock: { cidr: `${t.ip("x/b")}/32` } }] }] }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllEgress("x/a", false).expect("x/a", "x/b", true) }],
  },
  {
    name: "should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector (step 1: allow egress)",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [k8sPolicy(X, "allow-egress-for-target", podIs("a"), { egress: [{}] })],
    probes: [{ protocol: "TCP", port: 80 }],
  },
  {
    name: "should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector (step 2: deny ingress added)",
    pods: ["x/a", "x/b", "y/a"],
    resources: () => [
      k8sPolicy(X, "allow-egress-for-target", podIs("a"), { egress: [{}] }),
      k8sPolicy(X, "deny-ingress-via-label-selector", podIs("a"), { ingress: [] }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectAllIngress("x/a", false) }],
  },
  {
    name: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    pods: ["x/a", "y/a"],
    resources: () => [
      denyIngressX("deny-ingress"),
      k8sPolicy(X, "allow-only-sctp-ingress-on-port-81", podIs("a"), { ingress: [{ ports: [sctp(81)] }] }),
    ],
    probes: [{ protocol: "TCP", port: 81, expect: (r) => r.expectPeer({}, { namespace: X }, false) }],
  },
  {
    name: "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "allow-only-sctp-ingress-on-port-80", podIs("a"), { ingress: [{ ports: [sctp(80)] }] })],
    probes: [{ protocol: "TCP", port: 81, expect: (r) => r.expectAllIngress("x/a", false) }],
  },
  {
    name: "should not allow access by TCP when a policy specifies only UDP",
    pods: ["x/a", "y/a"],
    resources: () => [k8sPolicy(X, "allow-only-udp-ingress-on-port-81", podIs("a"), { ingress: [{ ports: [udp(81)] }] })],
    probes: [{ protocol: "TCP", port: 81, expect: (r) => r.expectAllIngress("x/a", false) }],
  },
  {
    name: "should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [
      k8sPolicy(X, "allow-client-a-via-ns-selector-for-immutable-ns-label", podIs("a"), { ingress: [{ from: [{ namespaceSelector: nsIs(Y) }] }] }),
    ],
    probes: [
      {
        protocol: "TCP",
        port: 80,
        expect: xaClosedToXAndZ,
      },
    ],
  },
  {
    name: "should enforce policy based on NamespaceSelector with MatchExpressions using default ns label",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    resources: () => [
      k8sPolicy(X, "allow-ns-y-match-selector-for-immutable-ns-label", podIs("a"), {
        egress: [{ to: [{ namespaceSelector: expr(NS_NAME, "NotIn", [Y]) }] }],
      }),
    ],
    probes: [{ protocol: "TCP", port: 80, expect: (r) => r.expectPeer({ namespace: X, pod: "a" }, { namespace: Y }, false) }],
  },
];

/**
 * Upstream runs the same three tests for UDP and for SCTP ("UDP: …", "SCTP: …"); only the
 * protocol differs.
 */
function protocolCases(protocol: "UDP" | "SCTP"): KernelCase[] {
  const port = protocol === "UDP" ? udp : sctp;
  return [
    {
      name: `${protocol}: should support a 'default-deny-ingress' policy`,
      pods: ["x/a", "x/b", "y/a", "y/b"],
      resources: () => [k8sPolicy(X, "deny-all", all, { ingress: [] })],
      probes: [{ protocol, port: 80, expect: (r) => r.expectPeer({}, { namespace: X }, false) }],
    },
    {
      name: `${protocol}: should enforce policy based on Ports`,
      pods: ["x/a", "x/b", "y/a", "z/a"],
      resources: () => [
        k8sPolicy(X, "allow-ingress-on-port-81-ns-x", podIs("a"), { ingress: [{ from: [{ namespaceSelector: nsIs(Y) }], ports: [port(81)] }] }),
      ],
      probes: [
        {
          protocol,
          port: 81,
          expect: xaClosedToXAndZ,
        },
      ],
    },
    {
      name: `${protocol}: should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector`,
      pods: ["x/a", "x/b", "y/a"],
      resources: () => [
        k8sPolicy(X, "allow-ns-y-pod-a-via-namespace-pod-selector", podIs("a"), {
          ingress: [{ from: [{ namespaceSelector: nsIs(Y), podSelector: podIs("a") }] }],
        }),
      ],
      probes: [{ protocol, port: 80, expect: (r) => r.expectAllIngress("x/a", false).expect("y/a", "x/a", true) }],
    },
  ];
}

export const E2E_CASES: readonly KernelCase[] = [...TCP_CASES, ...protocolCases("UDP"), ...protocolCases("SCTP")];
