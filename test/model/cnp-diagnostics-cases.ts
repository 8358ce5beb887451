/**
 * The ClusterNetworkPolicy cases of the diagnostic registry (diagnostics.test.ts): one per CRD
 * limit and per code of the conversion. `cnp(extra)` puts `extra` from line 8 on, after the
 * tier (line 5), priority (line 6) and subject (line 7).
 */
import type { Where } from "./harness.js";

const head = "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n";
export const cnp = (extra: string, h = head, name = "c") => `apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${h}${extra}`;
const denyRule = "  - {action: Deny, from: [{namespaces: {}}]}\n";

export const cnpCases: [string, string, Where[]][] = [
  ["PC3026 CNP priority above 1000", cnp("", "  tier: Admin\n  priority: 1001\n  subject: {namespaces: {}}\n"), [{ code: "PC3026", line: 6, column: 13 }]],
  ["PC3026 CNP priority below 0", cnp("", "  tier: Baseline\n  priority: -1\n  subject: {namespaces: {}}\n"), [{ code: "PC3026", line: 6, column: 13 }]],
  ["PC3026 CNP priority not an integer", cnp("", "  tier: Admin\n  priority: 1.5\n  subject: {namespaces: {}}\n"), [{ code: "PC3026", line: 6, column: 13 }]],
  ["PC3026 CNP 26 ingress rules", cnp(`  ingress:\n${denyRule.repeat(26)}`), [{ code: "PC3026", line: 9, column: 3 }]],
  ["CNP with 25 ingress rules and an empty egress list is valid", cnp(`  ingress:\n${denyRule.repeat(25)}  egress: []\n`), []],
  ["PC3026 CNP rule name of 101 characters", cnp(`  ingress:\n  - {name: ${"n".repeat(101)}, action: Deny, from: [{namespaces: {}}]}\n`), [{ code: "PC3026", line: 9, column: 12 }]],
  ["PC3026 CNP rule without peers", cnp("  ingress:\n  - {action: Deny, from: []}\n"), [{ code: "PC3026", line: 9, column: 26 }]],
  ["PC3026 CNP 26 peers", cnp(`  ingress:\n  - {action: Deny, from: [${Array(26).fill("{namespaces: {}}").join(", ")}]}\n`), [{ code: "PC3026", line: 9, column: 26 }]],
  ["PC3026 CNP empty protocols", cnp("  ingress:\n  - {action: Deny, from: [{namespaces: {}}], protocols: []}\n"), [{ code: "PC3026", line: 9, column: 57 }]],
  ["PC3026 CNP 26 protocols", cnp(`  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [${Array.from({ length: 26 }, (_, i) => `{tcp: {destinationPort: {number: ${i + 1}}}}`).join(", ")}]\n`), [{ code: "PC3026", line: 11, column: 16 }]],
  ["PC3026 CNP port 0", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{udp: {destinationPort: {number: 0}}}]\n"), [{ code: "PC3026", line: 11, column: 50 }]],
  ["PC3026 CNP port 65536 in a range", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{sctp: {destinationPort: {range: {start: 1, end: 65536}}}}]\n"), [{ code: "PC3026", line: 11, column: 66 }]],
  ["PC3026 CNP 26 networks", cnp(`  egress:\n  - action: Deny\n    to: [{networks: [${Array.from({ length: 26 }, (_, i) => `"10.0.${i}.0/24"`).join(", ")}]}]\n`), [{ code: "PC3026", line: 10, column: 21 }]],
  ["PC3026 CNP empty domainNames", cnp("  egress:\n  - action: Deny\n    to: [{domainNames: []}]\n"), [{ code: "PC3026", line: 10, column: 24 }]],
  ["PC2006 CNP tier that is not Admin or Baseline", cnp("", "  tier: admin\n  priority: 1\n  subject: {namespaces: {}}\n"), [{ code: "PC2006", line: 5, column: 9 }]],
  ["PC2006 CNP action Allow (it is Accept)", cnp("  ingress:\n  - {action: Allow, from: [{namespaces: {}}]}\n"), [{ code: "PC2006", line: 9, column: 14 }]],
  ["PC2004 CNP networks in an ingress peer", cnp("  ingress:\n  - {action: Deny, from: [{networks: [10.0.0.0/8]}]}\n"), [{ code: "PC3027", line: 9, column: 27 }, { code: "PC2004", line: 9, column: 28 }]],
  ["PC2004 CNP protocol of a newer API (Calico would match everything)", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{icmp: {}}]\n"), [{ code: "PC3027", line: 11, column: 17 }, { code: "PC2004", line: 11, column: 18 }]],
  ["PC3027 CNP subject with both fields", cnp("", "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}, pods: {podSelector: {}}}\n"), [{ code: "PC3027", line: 7, column: 29 }]],
  ["PC3027 CNP subject with neither field", cnp("", "  tier: Admin\n  priority: 1\n  subject: {}\n"), [{ code: "PC3027", line: 7, column: 12 }]],
  ["PC3027 CNP peer with two fields", cnp("  egress:\n  - {action: Deny, to: [{namespaces: {}, networks: [10.0.0.0/8]}]}\n"), [{ code: "PC3027", line: 9, column: 42 }]],
  ["PC3027 CNP protocol with tcp and udp", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{tcp: {destinationPort: {number: 1}}, udp: {destinationPort: {number: 1}}}]\n"), [{ code: "PC3027", line: 11, column: 55 }]],
  ["PC3027 CNP destinationPort with number and range", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{tcp: {destinationPort: {number: 1, range: {start: 1, end: 2}}}}]\n"), [{ code: "PC3027", line: 11, column: 53 }]],
  ["PC2007 CNP tcp without destinationPort (the CRD's minProperties)", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{tcp: {}}]\n"), [{ code: "PC2007", line: 11, column: 18 }]],
  ["PC3028 CNP range with start equal to end", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{tcp: {destinationPort: {range: {start: 80, end: 80}}}}]\n"), [{ code: "PC3028", line: 11, column: 66 }]],
  ["PC3029 CNP networks entry that is not a CIDR", cnp("  egress:\n  - {action: Deny, to: [{networks: [10.0.0.1]}]}\n"), [{ code: "PC3029", line: 9, column: 37 }]],
  ["PC3029 CNP networks entry listed twice", cnp("  egress:\n  - {action: Deny, to: [{networks: [10.0.0.0/8, 10.0.0.0/8]}]}\n"), [{ code: "PC3029", line: 9, column: 49 }]],
  ["PC3029 CNP networks entry of 44 characters", cnp(`  egress:\n  - {action: Deny, to: [{networks: ["${"0".repeat(37)}::/128"]}]}\n`), [{ code: "PC3029", line: 9, column: 37 }]],
  ["PC3030 CNP domainNames entry that is not a name", cnp("  egress:\n  - {action: Deny, to: [{domainNames: [example]}]}\n"), [{ code: "PC3030", line: 9, column: 40 }]],
  ["PC3030 CNP domainNames entry listed twice", cnp("  egress:\n  - {action: Deny, to: [{domainNames: [a.io, a.io]}]}\n"), [{ code: "PC3030", line: 9, column: 46 }]],
  ["PC3031 CNP nodes peer beside a destinationNamedPort", cnp("  egress:\n  - action: Deny\n    to: [{nodes: {}}]\n    protocols: [{destinationNamedPort: web}]\n"), [{ code: "PC3031", line: 10, column: 11 }]],
  ["PC3014 a kube-admin Tier with another order (Calico's words)", "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: kube-admin}\nspec: {order: 5, defaultAction: Pass}\n", [{ code: "PC3014", line: 1, column: 1 }]],
  ["PC3014 a kube-baseline Tier with default action Deny", "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: kube-baseline}\nspec: {order: 10000000}\n", [{ code: "PC3014", line: 1, column: 1 }]],
  ["PC4010 CNP Pass rule with a nodes peer fails closed", cnp("  egress:\n  - name: pass-nodes\n    action: Pass\n    to: [{nodes: {matchLabels: {kubernetes.io/os: linux}}}]\n"), [{ code: "PC4010", line: 11, column: 11 }]],
  ["PC4010 CNP Accept rule with a domainNames peer is dropped", cnp("  egress:\n  - {action: Accept, to: [{namespaces: {}}, {domainNames: [example.com]}]}\n"), [{ code: "PC4010", line: 9, column: 46 }]],
  ["PC4010 CNP named port Calico's conversion refuses", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{destinationNamedPort: 'a b'}]\n"), [{ code: "PC4010", line: 11, column: 40 }]],
  ["PC4011 CNP named port that is not an IANA name drops the policy", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{destinationNamedPort: '8080'}]\n"), [{ code: "PC4011", line: 11, column: 40 }]],
  ["PC4011 CNP peer selector Calico cannot parse drops the policy", cnp("  ingress:\n  - action: Deny\n    from: [{pods: {podSelector: {matchLabels: {app: \"it's\"}}}}]\n"), [{ code: "PC4011", line: 10, column: 33 }, { code: "PC4012", line: 10, column: 53 }]],
  ["PC4012 CNP unknown operator is skipped", cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {matchExpressions: [{key: a, operator: Is}]}}]\n"), [{ code: "PC4012", line: 10, column: 64 }]],
  ["PC4012 CNP In without values", cnp("", "  tier: Admin\n  priority: 1\n  subject: {pods: {podSelector: {matchExpressions: [{key: a, operator: In}]}}}\n"), [{ code: "PC4012", line: 7, column: 72 }]],
  ["PC4012 CNP subject namespace selector Calico cannot parse is dropped", cnp("", "  tier: Admin\n  priority: 1\n  subject: {namespaces: {matchLabels: {'a b': x}}}\n"), [{ code: "PC4012", line: 7, column: 25 }, { code: "PC4012", line: 7, column: 40 }]],
];
