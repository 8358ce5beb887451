/**
 * One case per diagnostic code: the input, and the exact {code, line, column} it must produce.
 * Calico policies come from `calicoPolicy(spec)`, whose first spec line is line 7.
 */
import { describe, expect, it } from "vitest";
import { Codes } from "../../src/diagnostics/codes.js";
import { compile, CompileError } from "../../src/render/index.js";
import { deepPolicy } from "../hostile/texts.js";
import { calicoPolicy, diagsOf, k8sPolicy, load, where, type Where } from "./harness.js";
import { cnpCases } from "./cnp-diagnostics-cases.js";

const pod = (extra: string, meta = "") => `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: default
${meta}spec:
${extra}`;

const ns = `apiVersion: v1
kind: Namespace
metadata:
  name: default
---
`;

/** Nine levels of nine aliases each: 9^9 strings if expanded. */
const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]", ..."bcdefghi".split("").map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")}]`)].join("\n") + "\n";

/** `depth` block mappings, each one key deeper than the last. */
const blockNest = (depth: number) => Array.from({ length: depth }, (_, i) => `${"  ".repeat(i)}k:`).join("\n") + " 1\n";

const anp = (spec: string, kind = "AdminNetworkPolicy", name = "a") => `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec:\n${spec}`;
const subj = "  subject: {namespaces: {}}\n";

const cases: [string, string, Where[], string?][] = [
  ["PC1001 YAML syntax", "a: b\n  c: d\n", [{ code: "PC1001", line: 1, column: 4 }]],
  // The opener is the mistake; the yaml library notices it a line later (model/unclosed-flow.ts).
  ["PC1001 unclosed flow sequence", "apiVersion: v1\nkind: [Pod\n", [{ code: "PC1001", line: 2, column: 7 }]],
  ["PC1001 unclosed flow mapping, noticed at the next key", "apiVersion: v1\nkind: Pod\nmetadata: {name: a\nspec: {}\n", [{ code: "PC1001", line: 3, column: 11 }]],
  ["PC1001 a collection as a mapping key", "apiVersion: v1\nkind: Namespace\nmetadata:\n  ? [a, b]\n  : 1\n", [{ code: "PC1001", line: 4, column: 5 }]],
  ["PC1001 alias expansion beyond the count (billion laughs)", laughs, [{ code: "PC1001", line: 1, column: 1 }]],
  // Level 101 is the 99th bracket (the root mapping and spec are levels 1 and 2); 100 levels load.
  ["PC1020 JSON nested 101 levels deep", deepPolicy(99, true), [{ code: "PC1020", line: 1, column: 208 }], "t.json"],
  ["PC1020 YAML flow sequences 101 levels deep", deepPolicy(99, false), [{ code: "PC1020", line: 6, column: 111 }]],
  ["PC1020 YAML block mappings 101 levels deep", blockNest(101), [{ code: "PC1020", line: 101, column: 201 }]],
  ["PC1020 not at 100 levels (JSON)", deepPolicy(98, true), [{ code: "PC2005", line: 1, column: 110 }], "t.json"],
  ["PC1020 not at 100 levels (YAML)", deepPolicy(98, false), [{ code: "PC2005", line: 6, column: 13 }]],
  ["PC1002 selector at the end of a plain scalar", calicoPolicy("  selector: app == 'a' &&\n"), [{ code: "PC1002", line: 7, column: 26 }]],
  ["PC1002 selector inside a plain scalar", calicoPolicy("  selector: app === 'a'\n"), [{ code: "PC1002", line: 7, column: 19 }]],
  ["PC1002 selector in a double-quoted scalar with escapes", calicoPolicy(`  selector: "a == 'x' \\u0026\\u0026 ("\n`), [{ code: "PC1002", line: 7, column: 37 }]],
  ["PC1002 selector in a single-quoted scalar", calicoPolicy(`  selector: 'a == ''x'' b'\n`), [{ code: "PC1002", line: 7, column: 25 }]],
  [
    "PC1002 selector in JSON",
    `{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "g"},\n "spec": {"selector": "a in {\\"x\\" \\"y\\"}"}}`,
    [{ code: "PC1002", line: 2, column: 36 }],
    "t.json",
  ],
  [
    "PC1003 duplicate JSON key (the second one; JSON.parse would keep it)",
    `{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "g"},\n "spec": {"ingress": [{"action": "Deny",\n  "action": "Allow"}]}}`,
    [{ code: "PC1003", line: 3, column: 3 }],
    "t.json",
  ],
  ["PC1004 a port Kubernetes reads as octal", calicoPolicy("  ingress:\n  - action: Allow\n    protocol: TCP\n    destination:\n      ports: [0120]\n"), [{ code: "PC1004", line: 11, column: 15 }]],
  ["PC2014 __proto__ in rule annotations", calicoPolicy("  ingress:\n  - action: Allow\n    metadata:\n      annotations:\n        __proto__: x\n"), [{ code: "PC2014", line: 11, column: 9 }]],
  ["PC2001 not a mapping", "- 5\n", [{ code: "PC2001", line: 1, column: 3 }]],
  ["PC2002 no kind", "apiVersion: v1\nmetadata: {name: x}\n", [{ code: "PC2002", line: 1, column: 1 }]],
  ["PC2003 unknown kind", "apiVersion: projectcalico.org/v3\nkind: NetworkPolicie\nmetadata: {name: x}\n", [{ code: "PC2003", line: 2, column: 7 }]],
  ["PC2003 unknown apiVersion", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n", [{ code: "PC2003", line: 1, column: 13 }]],
  ["PC2004 unknown field", calicoPolicy("  selectr: app == 'a'\n"), [{ code: "PC2004", line: 7, column: 3 }]],
  ["PC2005 wrong type", calicoPolicy("  order: high\n"), [{ code: "PC2005", line: 7, column: 10 }]],
  ["PC2006 invalid enum value", calicoPolicy("  types: [Ingres]\n"), [{ code: "PC2006", line: 7, column: 11 }]],
  ["PC2007 missing name", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  labels: {a: b}\n", [{ code: "PC2007", line: 3, column: 1 }]],
  ["PC2008 rule http", calicoPolicy("  ingress:\n  - action: Allow\n    http:\n      methods: [GET]\n"), [{ code: "PC2008", line: 9, column: 5 }]],
  ["PC2008 entity services", calicoPolicy("  egress:\n  - action: Allow\n    destination:\n      services: {name: kube-dns, namespace: kube-system}\n"), [{ code: "PC2008", line: 10, column: 7 }]],
  ["PC2009 invalid name", calicoPolicy("  selector: all()\n", "Bad_Name"), [{ code: "PC2009", line: 4, column: 9 }]],
  ["PC2010 invalid label key", pod("  nodeName: n1\n", "  labels:\n    'bad key': x\n").replace("namespace: default\n  labels", "namespace: default\n  labels"), [{ code: "PC2010", line: 7, column: 5 }]],
  ["PC2011 port out of range", calicoPolicy("  ingress:\n  - action: Allow\n    protocol: TCP\n    destination:\n      ports: [70000]\n"), [{ code: "PC2011", line: 11, column: 15 }]],
  ["PC2012 unknown action", calicoPolicy("  ingress:\n  - action: allow\n"), [{ code: "PC2012", line: 8, column: 13 }]],
  ["PC2013 invalid protocol", calicoPolicy("  ingress:\n  - action: Allow\n    protocol: tcp\n"), [{ code: "PC2013", line: 9, column: 15 }]],
  ["PC2009 profile name with a space (on a workload endpoint)", "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: w, namespace: default}\nspec: {node: n1, interfaceName: caliw, profiles: [a b]}\n", [{ code: "PC2009", line: 4, column: 51 }]],
  ["PC2014 rule annotation key with a space", calicoPolicy("  ingress:\n  - action: Allow\n    metadata:\n      annotations: {'bad key': x}\n"), [{ code: "PC2014", line: 10, column: 21 }]],
  ["PC3001 invalid CIDR", calicoPolicy("  ingress:\n  - action: Allow\n    source:\n      nets: [10.0.0.300/8]\n"), [{ code: "PC3001", line: 10, column: 14 }]],
  ["PC3001 bare address in nets", calicoPolicy("  ingress:\n  - action: Allow\n    source:\n      nets: [10.0.0.1]\n"), [{ code: "PC3001", line: 10, column: 14 }]],
  [
    "PC3002 IPv4 and IPv6 in one rule",
    calicoPolicy("  ingress:\n  - action: Allow\n    source:\n      nets: [10.0.0.0/8]\n    destination:\n      notNets: [10.1.0.0/16, 'fd00::/8']\n"),
    [{ code: "PC3002", line: 12, column: 30 }],
  ],
  ["PC3002 ipVersion differs from CIDR", calicoPolicy("  ingress:\n  - action: Allow\n    ipVersion: 6\n    source:\n      nets: [10.0.0.0/8]\n"), [{ code: "PC3002", line: 11, column: 14 }]],
  ["PC3003 ports without protocol", calicoPolicy("  ingress:\n  - action: Allow\n    destination:\n      ports: [80]\n"), [{ code: "PC3003", line: 10, column: 7 }]],
  ["PC3003 named and numeric ports without protocol", calicoPolicy("  ingress:\n  - action: Allow\n    destination:\n      ports: [http, 80]\n"), [{ code: "PC3003", line: 10, column: 7 }]],
  ["PC3003 named ports with ICMP", calicoPolicy("  ingress:\n  - action: Allow\n    protocol: ICMP\n    destination:\n      ports: [http]\n"), [{ code: "PC3003", line: 11, column: 7 }]],
  ["named ports only, without protocol (v3.32: any protocol)", calicoPolicy("  ingress:\n  - action: Allow\n    destination:\n      ports: [http, dns]\n    source:\n      notPorts: [ssh]\n"), []],
  ["PC3003 ports with ICMP", calicoPolicy("  ingress:\n  - action: Allow\n    protocol: ICMP\n    source:\n      notPorts: [80]\n"), [{ code: "PC3003", line: 11, column: 7 }]],
  ["PC3004 reversed range", calicoPolicy("  ingress:\n  - action: Allow\n    protocol: UDP\n    destination:\n      ports: ['90:80']\n"), [{ code: "PC3004", line: 11, column: 15 }]],
  ["PC3005 endPort without numeric port", k8sPolicy("  ingress:\n  - ports:\n    - port: http\n      endPort: 90\n"), [{ code: "PC3005", line: 10, column: 7 }]],
  ["PC3005 endPort below port", k8sPolicy("  ingress:\n  - ports:\n    - port: 100\n      endPort: 90\n"), [{ code: "PC3005", line: 10, column: 16 }]],
  ["PC3006 icmp on TCP", calicoPolicy("  ingress:\n  - action: Allow\n    protocol: TCP\n    icmp: {type: 8}\n"), [{ code: "PC3006", line: 10, column: 5 }]],
  [
    "PC3007 duplicate resource",
    `${calicoPolicy("  selector: all()\n")}---\n${calicoPolicy("  selector: all()\n")}`,
    [{ code: "PC3007", line: 12, column: 9 }],
  ],
  ["PC3008 except outside cidr", k8sPolicy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/16\n        except: [10.1.0.0/24]\n"), [{ code: "PC3008", line: 11, column: 18 }]],
  ["PC3008 except equal to cidr", k8sPolicy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/16\n        except: [10.0.0.0/16]\n"), [{ code: "PC3008", line: 11, column: 18 }]],
  ["PC3060 except of the other family", k8sPolicy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: fd00::/64\n        except: [10.1.0.0/24]\n"), [{ code: "PC3060", line: 11, column: 18 }]],
  ["PC3009 empty peer", k8sPolicy("  ingress:\n  - from:\n    - {}\n"), [{ code: "PC3009", line: 9, column: 7 }]],
  ["PC3009 ipBlock with a selector", k8sPolicy("  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}\n"), [{ code: "PC3009", line: 9, column: 7 }]],
  ["PC3010 In without values", k8sPolicy("  podSelector:\n    matchExpressions:\n    - {key: app, operator: In}\n"), [{ code: "PC3010", line: 9, column: 28 }]],
  ["PC3010 Exists with values", k8sPolicy("  podSelector:\n    matchExpressions:\n    - key: app\n      operator: Exists\n      values: [a]\n"), [{ code: "PC3010", line: 11, column: 7 }]],
  ["PC3011 global() in a policy selector", calicoPolicy("  selector: global()\n"), [{ code: "PC3011", line: 7, column: 13 }]],
  [
    "PC3011 global() combined in a namespaceSelector",
    calicoPolicy("  ingress:\n  - action: Allow\n    source:\n      namespaceSelector: global() && all()\n"),
    [{ code: "PC3011", line: 10, column: 26 }],
  ],
  ["PC3012 duplicate type", calicoPolicy("  types: [Ingress, Ingress]\n"), [{ code: "PC3012", line: 7, column: 20 }]],
  ["PC3013 unknown tier", calicoPolicy("  tier: securty\n"), [{ code: "PC3013", line: 7, column: 9 }]],
  ["PC3014 reserved tier order", "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: default}\nspec: {order: 5}\n", [{ code: "PC3014", line: 1, column: 1 }]],
  [
    "PC3015 preDNAT without applyOnForward",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  preDNAT: true\n",
    [{ code: "PC3015", line: 5, column: 3 }],
  ],
  ["PC3015 doNotTrack without applyOnForward", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  doNotTrack: true\n", [{ code: "PC3015", line: 5, column: 3 }]],
  [
    "PC3015 preDNAT with doNotTrack (blames preDNAT)",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  applyOnForward: true\n  doNotTrack: true\n  preDNAT: true\n",
    [{ code: "PC3015", line: 7, column: 3 }],
  ],
  [
    "PC3015 preDNAT with egress rules",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  applyOnForward: true\n  preDNAT: true\n  egress:\n  - action: Allow\n",
    [{ code: "PC3015", line: 7, column: 3 }],
  ],
  [
    "PC3015 preDNAT with type Egress",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  applyOnForward: true\n  preDNAT: true\n  types: [Egress]\n",
    [{ code: "PC3015", line: 7, column: 3 }],
  ],
  ["PC3016 ICMP with ipVersion 6", calicoPolicy("  ingress:\n  - action: Allow\n    ipVersion: 6\n    protocol: ICMP\n"), [{ code: "PC3016", line: 9, column: 16 }]],
  ["PC3017 reserved label on a network set", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata:\n  name: s\n  labels: {projectcalico.org/namespace: x}\n", [{ code: "PC3017", line: 1, column: 1 }]],
  ["PC3018 host endpoint without node", "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec: {interfaceName: eth0}\n", [{ code: "PC3018", line: 1, column: 1 }]],
  ["PC3019 ANP priority above 1000", anp(`  priority: 1001\n${subj}`), [{ code: "PC3019", line: 5, column: 13 }]],
  ["PC3020 101 ingress rules", anp(`  priority: 1\n${subj}  ingress:\n${"  - {action: Allow, from: [{namespaces: {}}]}\n".repeat(101)}`), [{ code: "PC3020", line: 8, column: 3 }]],
  ["PC3021 BANP not named default", anp(subj, "BaselineAdminNetworkPolicy", "x"), [{ code: "PC3021", line: 3, column: 18 }]],
  ["PC3022 subject with namespaces and pods", anp("  priority: 1\n  subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}\n"), [{ code: "PC3022", line: 6, column: 29 }]],
  ["PC4020 an AdminNetworkPolicy loads but is not enforced (nodes is a valid egress peer)", anp(`  priority: 1\n${subj}  egress:\n  - action: Deny\n    to:\n    - nodes: {}\n`), [{ code: "PC4020", line: 1, column: 1 }]],
  ["PC4020 a BaselineAdminNetworkPolicy loads but is not enforced", anp(subj, "BaselineAdminNetworkPolicy", "default"), [{ code: "PC4020", line: 1, column: 1 }]],
  ["PC2006 domainNames entry that is not a DNS name", anp(`  priority: 1\n${subj}  egress:\n  - action: Allow\n    to:\n    - domainNames: ["*"]\n`), [{ code: "PC2006", line: 10, column: 21 }]],
  ["PC3024 portRange start above end", anp(`  priority: 1\n${subj}  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    ports:\n    - portRange: {start: 90, end: 80}\n`), [{ code: "PC3024", line: 11, column: 35 }]],
  ["PC4020 domainNames egress peer is valid (not PC3022)", anp(`  priority: 1\n${subj}  egress:\n  - action: Allow\n    to:\n    - domainNames: ["*.example.com"]\n`), [{ code: "PC4020", line: 1, column: 1 }]],
  ["PC3020 26 networks in one peer", anp(`  priority: 1\n${subj}  egress:\n  - action: Deny\n    to:\n    - networks: [${Array.from({ length: 26 }, (_, i) => `10.0.${i}.0/24`).join(", ")}]\n`), [{ code: "PC3020", line: 10, column: 17 }]],
  ["PC3025 sameLabels (pre-v0.1.5 API)", anp(`  priority: 1\n${subj}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {sameLabels: [tenant]}\n`), [{ code: "PC3025", line: 10, column: 20 }]],
  ["PC3025 namespaces.namespaceSelector (pre-v0.1.5 shape)", anp(`  priority: 1\n${subj}  egress:\n  - action: Deny\n    to:\n    - namespaces:\n        namespaceSelector: {matchLabels: {a: b}}\n`), [{ code: "PC3025", line: 11, column: 9 }]],
  [
    "PC3043 interfaceName with an iptables wildcard",
    "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec: {node: n1, interfaceName: eth+}\n",
    [{ code: "PC3043", line: 4, column: 33 }],
  ],
  [
    "PC3043 workload interfaceName with an iptables wildcard",
    "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: w, namespace: default}\nspec: {node: n1, interfaceName: cali+}\n",
    [{ code: "PC3043", line: 4, column: 33 }],
  ],
  // PC4001 is retired: a staged policy loads (and a valid one says nothing).
  ["staged policy loads without a diagnostic", "apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: s}\nspec: {selector: all()}\n", []],
  [
    "PC3080 staged Delete with a selector (blames the key)",
    "apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: s}\nspec:\n  stagedAction: Delete\n  tier: default\n  selector: app == 'a'\n",
    [{ code: "PC3080", line: 7, column: 3 }],
  ],
  [
    "PC3080 staged Kubernetes Delete with policyTypes",
    "apiVersion: projectcalico.org/v3\nkind: StagedKubernetesNetworkPolicy\nmetadata: {name: s, namespace: default}\nspec:\n  stagedAction: Delete\n  policyTypes: [Ingress]\n",
    [{ code: "PC3080", line: 6, column: 3 }],
  ],
  [
    "PC4030 staged Kubernetes policy with egress and no policyTypes",
    "apiVersion: projectcalico.org/v3\nkind: StagedKubernetesNetworkPolicy\nmetadata: {name: s, namespace: default}\nspec:\n  podSelector: {}\n  egress: []\n",
    [{ code: "PC4030", line: 1, column: 1 }],
  ],
  ["PC4002 hostNetwork pod", `${ns}${pod("  hostNetwork: true\n  nodeName: n1\n")}`, [{ code: "PC4002", line: 9, column: 9 }]],
  ["PC4003 pod without nodeName", `${ns}${pod("  containers: []\n")}status:\n  podIP: 10.0.0.1\n`, [{ code: "PC4003", line: 9, column: 9 }]],
  ["PC4004 ingress rules of an Egress-only policy (at types:)", calicoPolicy("  types: [Egress]\n  ingress:\n  - action: Allow\n"), [{ code: "PC4004", line: 7, column: 3 }]],
  ["PC4005 namespace not defined (and PC4003: no IP)", pod("  nodeName: n1\n"), [{ code: "PC4003", line: 4, column: 9 }, { code: "PC4005", line: 4, column: 9 }]],
  [
    "PC4006 endpoint uses an undefined profile",
    "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: w, namespace: default}\nspec: {node: n1, interfaceName: caliw, ipNetworks: [10.0.0.1/32], profiles: [web]}\n",
    [{ code: "PC4006", line: 1, column: 1 }],
  ],
  // Closed objects: what kubectl's strict field validation refuses is refused here, not dropped.
  ["PC2004 misspelt spec on a Kubernetes NetworkPolicy (an empty spec would deny all ingress)", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default}\nsepc: {podSelector: {}}\n", [{ code: "PC2004", line: 4, column: 1 }]],
  ["PC2004 unknown metadata field (labels misspelt)", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, lables: {x: z}}\n", [{ code: "PC2004", line: 3, column: 21 }]],
  ["PC2004 unknown top-level field on a Pod", "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default}\nstatsu: {podIP: 10.0.0.1}\n", [{ code: "PC2004", line: 4, column: 1 }]],
  ["PC4007 metadata.namespace on a cluster-scoped kind", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p, namespace: default}\nspec: {selector: all()}\n", [{ code: "PC4007", line: 3, column: 21 }]],
  ["PC4040 rule in neither IP family (notNets 0.0.0.1/0: not the literal catch-all, masked to it by Felix)", calicoPolicy("  ingress:\n  - action: Deny\n    source:\n      notNets: ['0.0.0.1/0']\n"), [{ code: "PC4040", line: 8, column: 5 }]],
  ["PC3091 repeated performance hint", calicoPolicy("  performanceHints: [AssumeNeededOnEveryNode, AssumeNeededOnEveryNode]\n"), [{ code: "PC3091", line: 7, column: 47 }]],
  ["PC3090 catch-all notNets", calicoPolicy("  ingress:\n  - action: Deny\n    source:\n      notNets: ['::/0']\n"), [{ code: "PC3090", line: 10, column: 17 }]],
];

const hep = (name: string, iface: string) => `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: ${name}}
spec: {node: node-1, interfaceName: ${iface}}
`;

const wep = (name: string, iface: string) => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: ${name}, namespace: default}
spec: {node: node-1, interfaceName: ${iface}, ipNetworks: [10.0.0.${name.length}/32]}
`;

/**
 * Codes the compiler raises (a CompileError from `compile`) for a model that loads cleanly:
 * the input, and the exact {code, line, column} of every diagnostic on node-1.
 */
const compileCases: [string, string, Where[]][] = [
  [
    "PC3040 host endpoint on the node with expectedIPs only",
    `${ns}apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: node-1-eth0}\nspec: {node: node-1, expectedIPs: [10.0.0.1]}\n`,
    [{ code: "PC3040", line: 6, column: 1 }],
  ],
  [
    "PC3041 two host endpoints on one interface (the second is blamed)",
    `${hep("a", "eth0")}---\n${hep("b", "eth0")}`,
    [{ code: "PC3041", line: 6, column: 1 }],
  ],
  [
    "PC3042 doNotTrack policy on the * host endpoint (blames the policy)",
    `${hep("all", '"*"')}---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: raw}\nspec: {doNotTrack: true, applyOnForward: true, ingress: [{action: Allow}]}\n`,
    [{ code: "PC3042", line: 6, column: 1 }],
  ],
  ["PC5002 two endpoints on one interface", `${ns}${wep("a", "cali1")}---\n${wep("bb", "cali1")}`, [{ code: "PC5002", line: 11, column: 1 }]],
];

function compileDiagsOf(text: string, file = "t.yaml"): Where[] {
  const sources = [{ file, text }];
  const loaded = load(text, file);
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  try {
    compile(loaded.model, { node: "node-1" });
  } catch (e) {
    if (e instanceof CompileError) return where(e.diagnostics, sources);
    throw e;
  }
  return [];
}

describe("diagnostic codes", () => {
  it.each([...cases, ...cnpCases])("%s", (_name, text, expected, file) => {
    expect(diagsOf(text, file)).toEqual(expected);
  });

  it.each(compileCases)("%s", (_name, text, expected) => {
    expect(compileDiagsOf(text)).toEqual(expected);
  });

  it("has a case for every registered code except the cap (tested with the renderer) and lint codes", () => {
    const tested = new Set([...cases, ...cnpCases, ...compileCases].flatMap(([, , w]) => w.map((x) => x.code)));
    const untested = Object.values(Codes)
      .map((c) => c.code)
      // Tested elsewhere: the cap with the renderer; lint codes (PC6xxx) in test/lint, one file per
      // rule; PC7010 with the agent's etcd source (test/agent/etcd-source.test.ts); PC8xxx trace
      // errors in test/trace, test/cli/explain-matrix, and PC8010/PC8011 (explain's selections, matrix
      // and describe's -n) in test/cli/explain-select, test/cli/conventions and test/cli/describe; PC3070 (a CLI flag, not an input file) in
      // test/cli/failsafe-flags. PC3044 (--host-interface) in test/cli/host-interface; PC4034 and
      // PC4035 need an interface list, in test/resolve/host-interfaces. PC3050 (--node) in
      // test/cli/node-flag and test/agent/daemon-node. PC1010–PC1019 are about files, not their
      // text: in test/agent/input-tree, test/agent/directory-source and test/cli/input-files.
      // PC7030-PC7049 are about the etcd datastore's configuration and what datastore apply
      // writes: in test/agent/etcd-config and test/cli/datastore.
      .filter(
        (c) =>
          !tested.has(c) &&
          c !== Codes.tooManyDiagnostics.code &&
          c !== Codes.etcdKeyMismatch.code &&
          c !== Codes.invalidFailsafeList.code &&
          c !== Codes.invalidHostInterfaceFlag.code &&
          // PC3045 cannot come from input that loads (the loader refuses it first): it is the
          // renderer's guard, tested with hand-built node views in test/render/safe-token.test.ts.
          c !== Codes.unsafeKernelToken.code &&
          c !== Codes.hostEndpointNoMatchingInterface.code &&
          c !== Codes.hostInterfaceShadowed.code &&
          c !== Codes.nodeNotNamed.code &&
          // PC5020 is about a calico.nft script given to apply/diff --dataplane nftables, not a
          // policy input: cases in test/cli/nft-dataplane.test.ts.
          c !== Codes.nftScriptUnreadable.code &&
          // retired: staged policies are loaded now; the code stays registered and is never reused.
          c !== Codes.stagedIgnored.code &&
          !/^PC101\d$/.test(c) &&
          // The convert command's codes (PC3035, PC3036, PC4021-PC4024) are about its output, not
          // the loaded model: each has a case in test/cli/convert.test.ts.
          !["PC3035", "PC3036", "PC4021", "PC4022", "PC4023", "PC4024"].includes(c) &&
          !/^PC70[34]\d$/.test(c) &&
          !c.startsWith("PC6") &&
          !c.startsWith("PC8"),
      );
    expect(untested).toEqual([]);
  });
});
