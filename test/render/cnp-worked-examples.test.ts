/**
 * calico-332.md §2.7, examples 1–3: the ClusterNetworkPolicies given there, with one pod per
 * subject on node-1 so the chains are programmed, must compile to the chains shown there line for
 * line (hashes, set names, comments), and to the v1 selectors and set ids stated beside them.
 */
import { describe, expect, it } from "vitest";
import { compile, ruleText, type DataplaneState } from "../../src/render/index.js";
import { policySelectorText, SelectorCache, entityRuleSelector } from "../../src/resolve/selectors.js";
import { parseSelector, namedPortIpSetId } from "../../src/selector/index.js";
import type { Model } from "../../src/model/types.js";
import { diagsOf, load } from "../model/harness.js";

const example1 = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: sensitive-ns}
spec:
  tier: Admin
  priority: 10
  subject:
    namespaces: {matchLabels: {kubernetes.io/metadata.name: sensitive}}
  ingress:
  - name: allow-monitoring
    action: Accept
    from:
    - namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
    protocols:
    - tcp: {destinationPort: {number: 9090}}
    - tcp: {destinationPort: {range: {start: 9100, end: 9200}}}
    - tcp: {destinationPort: {number: 9091}}
  - name: deny-others
    action: Deny
    from:
    - namespaces: {}
---
apiVersion: v1
kind: Namespace
metadata: {name: sensitive, labels: {kubernetes.io/metadata.name: sensitive}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: sensitive}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.5}
`;

const example2 = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: default}
spec:
  tier: Baseline
  priority: 5
  subject:
    pods:
      namespaceSelector: {matchLabels: {env: prod}}
      podSelector: {matchExpressions: [{key: app, operator: In, values: [web, api]}]}
  egress:
  - name: dns
    action: Accept
    to:
    - pods:
        namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
        podSelector: {matchLabels: {k8s-app: kube-dns}}
    protocols:
    - udp: {destinationPort: {number: 53}}
    - tcp: {destinationPort: {number: 53}}
  - name: block-internet
    action: Deny
    to:
    - networks: ["0.0.0.0/0", "::/0"]
---
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: web}}
spec: {nodeName: node-1}
status: {podIPs: [{ip: 10.0.0.6}, {ip: "fd00::6"}]}
`;

const example3 = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: legacy-guard}
spec:
  tier: Admin
  priority: 500
  subject: {namespaces: {matchLabels: {team: legacy}}}
  ingress:
  - name: web-from-frontend
    action: Accept
    from:
    - pods: {namespaceSelector: {}, podSelector: {matchLabels: {role: frontend}}}
    protocols:
    - tcp: {destinationPort: {number: 8080}}
    - destinationNamedPort: http
  egress:
  - name: allow-example-com
    action: Accept
    to: [{domainNames: ["example.com"]}]
  - name: pass-nodes
    action: Pass
    to: [{nodes: {matchLabels: {kubernetes.io/os: linux}}}]
---
apiVersion: v1
kind: Namespace
metadata: {name: legacy, labels: {team: legacy}}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: legacy}
spec:
  nodeName: node-1
  containers: [{ports: [{name: http, containerPort: 80}, {name: http, containerPort: 8053, protocol: UDP}]}]
status: {podIP: 10.0.0.7}
`;

function modelOf(text: string): Model {
  const { model, diagnostics } = load(text);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return model;
}

function chainOf(state: DataplaneState, name: string): string[] {
  const c = state.chains.find((x) => x.name === name);
  if (!c) throw new Error(`no chain ${name}`);
  return c.rules.map((r) => `-A ${name} ${ruleText(r)}`);
}

const cache = new SelectorCache();
const policyOf = (m: Model, id: string) => {
  const p = m.policies.find((x) => x.id === id);
  if (!p) throw new Error(`no policy ${id}`);
  return p;
};

describe("Example 1: Admin tier, namespaces subject, range merging, Deny on namespaces: {}", () => {
  const model = modelOf(example1);
  const state = compile(model, { node: "node-1" });

  it("converts to the GNP-equivalent: kube-admin, order 10, ports merged, Deny from all()", () => {
    const p = policyOf(model, "kcnp/sensitive-ns");
    expect([p.tier, p.order, p.selector, p.namespaceSelector, p.types]).toEqual(["kube-admin", 10, "projectcalico.org/orchestrator == 'k8s'", "kubernetes.io/metadata.name == 'sensitive'", ["Ingress"]]);
    expect(p.ingress.map((r) => [r.action, r.protocol, r.source.namespaceSelector, r.destination.ports, r.annotations])).toEqual([
      ["Allow", "tcp", "kubernetes.io/metadata.name == 'monitoring'", [{ kind: "range", first: 9090, last: 9091 }, { kind: "range", first: 9100, last: 9200 }], { name: "allow-monitoring" }],
      ["Deny", undefined, "all()", [], { name: "deny-others" }],
    ]);
  });

  it("has the v1 policy selector and rule selectors of the reference", () => {
    const p = policyOf(model, "kcnp/sensitive-ns");
    expect(policySelectorText(cache, p)).toBe(`(projectcalico.org/orchestrator == 'k8s') && pcns.kubernetes.io/metadata.name == "sensitive"`);
    const sources = p.ingress.map((r) => entityRuleSelector(cache, r.source, undefined));
    expect(sources).toEqual([`pcns.kubernetes.io/metadata.name == "monitoring"`, "has(projectcalico.org/namespace)"]);
    expect(parseSelector(sources[0] as string).id).toBe("s:CPdrtiGoEf5WlAPFNvnKEyMbJW_7UP9cEjAm3w");
  });

  it("renders cali-pi-kcnp/sensitive-ns line for line", () => {
    expect(chainOf(state, "cali-pi-kcnp/sensitive-ns")).toEqual([
      '-A cali-pi-kcnp/sensitive-ns -m comment --comment "cali:RpzJpkDBqrgRz89T" -m comment --comment "name=allow-monitoring" -m comment --comment "KubernetesClusterNetworkPolicy sensitive-ns ingress" -p tcp -m set --match-set cali40s:CPdrtiGoEf5WlAPFNvnKEyM src -m multiport --destination-ports 9090:9091,9100:9200 --jump MARK --set-mark 0x10000/0x10000',
      '-A cali-pi-kcnp/sensitive-ns -m comment --comment "cali:6Qj8eAA5KidTko9U" -m comment --comment "name=allow-monitoring" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-A cali-pi-kcnp/sensitive-ns -m comment --comment "cali:rKGu71Ow8IS7E2OR" -m comment --comment "name=deny-others" -m set --match-set cali40s:2dAotJA2sZ5pOhC_BaBuAFe src --jump MARK --set-mark 0x40000/0x40000',
      '-A cali-pi-kcnp/sensitive-ns -m comment --comment "cali:qrMf-Od89uVPmaAk" -m comment --comment "name=deny-others" -m mark --mark 0x40000/0x40000 --jump DROP',
    ]);
  });

  it("programs no cali-po-kcnp/sensitive-ns (ingress only) and no end-of-tier drop for kube-admin", () => {
    expect(state.chains.some((c) => c.name === "cali-po-kcnp/sensitive-ns")).toBe(false);
    const tw = state.chains.find((c) => c.name.startsWith("cali-tw-"));
    const comments = (tw?.rules ?? []).flatMap((r) => r.comments);
    expect(comments).toContain("Start of tier kube-admin");
    expect(comments.some((c) => c.startsWith("End of tier kube-admin"))).toBe(false);
  });
});

describe("Example 2: Baseline tier, pods subject with In, protocol reordering, networks, per-version rendering", () => {
  const model = modelOf(example2);

  it("converts to the GNP-equivalent: kube-baseline, TCP before UDP, nets without selector", () => {
    const p = policyOf(model, "kcnp/default");
    expect([p.tier, p.order, p.selector, p.namespaceSelector, p.types]).toEqual(["kube-baseline", 5, "projectcalico.org/orchestrator == 'k8s' && app in { 'web', 'api' }", "env == 'prod'", ["Egress"]]);
    expect(p.egress.map((r) => [r.action, r.protocol, r.destination.selector, r.destination.namespaceSelector, r.destination.nets])).toEqual([
      ["Allow", "tcp", "projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'", "kubernetes.io/metadata.name == 'kube-system'", []],
      ["Allow", "udp", "projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns'", "kubernetes.io/metadata.name == 'kube-system'", []],
      ["Deny", undefined, undefined, undefined, ["0.0.0.0/0", "::/0"]],
    ]);
  });

  it("has the v1 selectors and the set id of the reference", () => {
    const p = policyOf(model, "kcnp/default");
    expect(policySelectorText(cache, p)).toBe(`(projectcalico.org/orchestrator == 'k8s' && app in { 'web', 'api' }) && pcns.env == "prod"`);
    const dst = entityRuleSelector(cache, (p.egress[0] as (typeof p.egress)[number]).destination, undefined);
    expect(dst).toBe(`(pcns.kubernetes.io/metadata.name == "kube-system") && (projectcalico.org/orchestrator == 'k8s' && k8s-app == 'kube-dns')`);
    const sel = parseSelector(dst);
    expect(sel.canonical).toBe(`(pcns.kubernetes.io/metadata.name == "kube-system" && (projectcalico.org/orchestrator == "k8s" && k8s-app == "kube-dns"))`);
    expect(sel.id).toBe("s:TwSPtm330ezw8L_TsjzvdD818MvvOV4Yd_LInA");
  });

  it("renders cali-po-kcnp/default in IPv4 line for line", () => {
    expect(chainOf(compile(model, { node: "node-1" }), "cali-po-kcnp/default")).toEqual([
      '-A cali-po-kcnp/default -m comment --comment "cali:KS__Ig1vEF8pFKUR" -m comment --comment "name=dns" -m comment --comment "KubernetesClusterNetworkPolicy default egress" -p tcp -m set --match-set cali40s:TwSPtm330ezw8L_TsjzvdD8 dst -m multiport --destination-ports 53 --jump MARK --set-mark 0x10000/0x10000',
      '-A cali-po-kcnp/default -m comment --comment "cali:6Ptl32mGamIGZxkH" -m comment --comment "name=dns" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-A cali-po-kcnp/default -m comment --comment "cali:SXzfWNNtYWqV7yrv" -m comment --comment "name=dns" -p udp -m set --match-set cali40s:TwSPtm330ezw8L_TsjzvdD8 dst -m multiport --destination-ports 53 --jump MARK --set-mark 0x10000/0x10000',
      '-A cali-po-kcnp/default -m comment --comment "cali:AGhSvGOr_p_ZjMV3" -m comment --comment "name=dns" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-A cali-po-kcnp/default -m comment --comment "cali:-blORnprqIDFCj0M" -m comment --comment "name=block-internet" --destination 0.0.0.0/0 --jump MARK --set-mark 0x40000/0x40000',
      '-A cali-po-kcnp/default -m comment --comment "cali:ig9Kz_mv9nncwKDs" -m comment --comment "name=block-internet" -m mark --mark 0x40000/0x40000 --jump DROP',
    ]);
  });

  it("renders the IPv6 chain with cali60s: sets, --destination ::/0 and the reference's hashes", () => {
    const rules = chainOf(compile(model, { node: "node-1", ipVersion: 6 }), "cali-po-kcnp/default");
    expect(rules[0]).toBe('-A cali-po-kcnp/default -m comment --comment "cali:LTG2HAFnL6BSOC_N" -m comment --comment "name=dns" -m comment --comment "KubernetesClusterNetworkPolicy default egress" -p tcp -m set --match-set cali60s:TwSPtm330ezw8L_TsjzvdD8 dst -m multiport --destination-ports 53 --jump MARK --set-mark 0x10000/0x10000');
    expect(rules.map((r) => /cali:([\w-]{16})/.exec(r)?.[1])).toEqual(["LTG2HAFnL6BSOC_N", "OwUqIM66ph-_6uBF", "84vjT-g-DHMZLl6k", "SwhcICOQfsihWwci", "W7K5N5A3Qph_HX_g", "J1LyCfcXDDT56gRT"]);
    expect(rules[4]).toContain("--destination ::/0 --jump MARK --set-mark 0x40000/0x40000");
  });
});

describe("Example 3: named ports, a fail-closed Pass rule, a dropped Accept rule", () => {
  const model = modelOf(example3);
  const state = compile(model, { node: "node-1" });

  it("converts to the GNP-equivalent: named ports first without protocol, the Pass rule replaced by a bare Deny", () => {
    const p = policyOf(model, "kcnp/legacy-guard");
    expect(p.types).toEqual(["Ingress", "Egress"]);
    expect(p.ingress.map((r) => [r.action, r.protocol, r.source.selector, r.source.namespaceSelector, r.destination.ports])).toEqual([
      ["Allow", undefined, "projectcalico.org/orchestrator == 'k8s' && role == 'frontend'", "all()", [{ kind: "named", name: "http" }]],
      ["Allow", "tcp", "projectcalico.org/orchestrator == 'k8s' && role == 'frontend'", "all()", [{ kind: "range", first: 8080, last: 8080 }]],
    ]);
    expect(p.egress.map(({ origin: _origin, ...r }) => r)).toEqual([
      { action: "Deny", source: { nets: [], notNets: [], ports: [], notPorts: [] }, destination: { nets: [], notNets: [], ports: [], notPorts: [] }, annotations: {} },
    ]);
  });

  it("warns at both unconvertible peers, saying what happens", () => {
    expect(diagsOf(example3)).toEqual([
      { code: "PC4010", line: 19, column: 11 },
      { code: "PC4010", line: 22, column: 11 },
    ]);
    expect(load(example3).diagnostics.map((d) => d.message)).toEqual([
      "egress rule 0 'allow-example-com': peer `domainNames` is not implemented by Calico v3.32; the Accept rule fails closed: Calico drops it, so it allows nothing",
      "egress rule 1 'pass-nodes': peer `nodes` is not implemented by Calico v3.32; the Pass rule fails closed and denies all egress of the subject pods",
    ]);
  });

  it("names the source set and the protocol-less named-port set as the reference computes them", () => {
    const p = policyOf(model, "kcnp/legacy-guard");
    const src = parseSelector(entityRuleSelector(cache, (p.ingress[0] as (typeof p.ingress)[number]).source, undefined));
    expect(src.canonical).toBe(`(has(projectcalico.org/namespace) && (projectcalico.org/orchestrator == "k8s" && role == "frontend"))`);
    expect(namedPortIpSetId(parseSelector("all()").id, "any", "http")).toBe("n:FvKMFOOSYvkZZJ0ch1bwT7bt3AAgySwlMLqMDA");
  });

  it("fills the named-port set with each declared port under its own protocol", () => {
    expect(state.ipsets.find((s) => s.name === "cali40n:FvKMFOOSYvkZZJ0ch1bwT7b")).toEqual({
      name: "cali40n:FvKMFOOSYvkZZJ0ch1bwT7b",
      type: "hash:ip,port",
      family: "inet",
      maxelem: 1048576,
      members: ["10.0.0.7,tcp:80", "10.0.0.7,udp:8053"],
    });
  });

  it("renders both policy chains line for line", () => {
    expect(chainOf(state, "cali-pi-kcnp/legacy-guard")).toEqual([
      '-A cali-pi-kcnp/legacy-guard -m comment --comment "cali:F020WxZyyc4NPs3T" -m comment --comment "name=web-from-frontend" -m comment --comment "KubernetesClusterNetworkPolicy legacy-guard ingress" -m set --match-set cali40s:DVGG0Zbt985mWCCZ-hR5682 src -m set --match-set cali40n:FvKMFOOSYvkZZJ0ch1bwT7b dst,dst --jump MARK --set-mark 0x10000/0x10000',
      '-A cali-pi-kcnp/legacy-guard -m comment --comment "cali:layvOoepkA67e96G" -m comment --comment "name=web-from-frontend" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-A cali-pi-kcnp/legacy-guard -m comment --comment "cali:0XM7D8ijhNZs3d50" -m comment --comment "name=web-from-frontend" -p tcp -m set --match-set cali40s:DVGG0Zbt985mWCCZ-hR5682 src -m multiport --destination-ports 8080 --jump MARK --set-mark 0x10000/0x10000',
    ]);
    expect(chainOf(state, "cali-po-kcnp/legacy-guard")).toEqual([
      '-A cali-po-kcnp/legacy-guard -m comment --comment "cali:JmSbFPs1BjtciQJa" -m comment --comment "KubernetesClusterNetworkPolicy legacy-guard egress" --jump MARK --set-mark 0x40000/0x40000',
      '-A cali-po-kcnp/legacy-guard -m comment --comment "cali:_E1U7iztRbCbfBFz" -m mark --mark 0x40000/0x40000 --jump DROP',
    ]);
  });

  it("drops the whole policy when the named port is not an IANA name (§2.6 item 3), with a warning", () => {
    const text = example3.replace("destinationNamedPort: http", 'destinationNamedPort: "8080"');
    expect(load(text).model.policies.map((p) => p.id)).toEqual([]);
    expect(diagsOf(text)).toEqual([{ code: "PC4011", line: 15, column: 29 }]);
  });
});
