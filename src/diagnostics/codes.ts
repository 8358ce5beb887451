/**
 * The registry of diagnostic codes. Codes are stable: tools and users grep for them, so a code
 * is never reused for a different problem.
 *
 * Scheme:
 * - `PC1xxx` syntax: the text cannot be read (YAML/JSON syntax, selector syntax); `PC1010`–`PC1019`
 *   the file itself cannot be read (not a regular file, a link out of its directory, too large).
 * - `PC2xxx` schema: the text is readable but a resource has the wrong shape (unknown kind or
 *   field, wrong type, value outside its set, a real field policy-compile does not enforce).
 * - `PC3xxx` semantics: well-formed fields that do not make sense together (CIDRs, ports,
 *   protocols, ICMP, duplicates, tiers).
 * - `PC4xxx` notes: input that is accepted but deserves a word (skipped pods, staged policies,
 *   rules that are never evaluated).
 * - `PC5xxx` compilation: a valid model that the per-node stages refuse to compile (raised by
 *   `src/resolve/` inside a CompileError).
 * - `PC6xxx` lint (`src/lint/`): a valid model whose policy probably does not do what its author
 *   meant (selectors that match nothing, shadowed rules, redundant policies). Warnings, never errors.
 * - `PC7010`–`PC7029` the node agent's sources (an etcd key that contradicts its value).
 * - `PC7030`–`PC7049` the etcd datastore's configuration (calicoctl.cfg, Calico's environment,
 *   flags) and `policy-compile datastore` (what can be written to Calico's etcd keys).
 * - `PC8xxx` explain and matrix: peers that cannot be traced, rules the trace cannot interpret.
 * - `PC9xxx` the run itself (the diagnostic cap).
 */
import type { Severity } from "./types.js";

export interface CodeInfo {
  readonly code: string;
  readonly severity: Severity;
  /** One line saying what the code is about; used in docs and tests. */
  readonly summary: string;
}

function code(code: string, severity: Severity, summary: string): CodeInfo {
  return { code, severity, summary };
}

export const Codes = {
  yamlSyntax: code("PC1001", "error", "YAML or JSON syntax error"),
  selectorSyntax: code("PC1002", "error", "selector syntax error"),
  duplicateJsonKey: code("PC1003", "error", "a JSON object has the same key twice"),
  yamlVersionScalar: code("PC1004", "error", "a YAML scalar Kubernetes reads differently (YAML 1.1: 0120, yes, on, 1_000, 0b1) or cannot convert to JSON (.inf)"),
  notRegularFile: code("PC1010", "error", "an input is not a regular file (a FIFO, socket, device or directory where a file was expected); it is never opened"),
  linkLeavesTree: code("PC1011", "error", "a symbolic link inside an input directory leads outside it; its target is never read"),
  linkLoop: code("PC1012", "error", "a symbolic link that cannot be resolved (a loop of links, ELOOP)"),
  unreadableInput: code("PC1013", "error", "an input file or directory cannot be read (missing, permission denied, too many open files, ...)"),
  inputTooLarge: code("PC1014", "error", "an input file is larger than the 64 MiB limit for one file"),
  inputKeptChanging: code("PC1015", "error", "an input file kept changing while it was read"),
  nestingTooDeep: code("PC1020", "error", "YAML or JSON nested deeper than 100 levels (the file is not read)"),

  notAnObject: code("PC2001", "error", "a document or list item is not a mapping"),
  missingTypeMeta: code("PC2002", "error", "apiVersion or kind missing"),
  unknownKind: code("PC2003", "error", "unknown apiVersion or kind"),
  unknownField: code("PC2004", "error", "unknown field"),
  wrongType: code("PC2005", "error", "wrong type"),
  invalidValue: code("PC2006", "error", "value not allowed (enum, range, format)"),
  missingField: code("PC2007", "error", "required field missing"),
  notEnforced: code("PC2008", "error", "field exists in Calico/Kubernetes but policy-compile does not enforce it"),
  invalidName: code("PC2009", "error", "invalid resource name, or invalid name of a resource it refers to (node, pod, profile, tier, service account)"),
  invalidLabel: code("PC2010", "error", "invalid label key or value"),
  invalidPort: code("PC2011", "error", "invalid port"),
  unknownAction: code("PC2012", "error", "unknown rule action"),
  invalidProtocol: code("PC2013", "error", "invalid protocol"),
  invalidAnnotation: code("PC2014", "error", "invalid rule annotation key, or annotations larger than 256 KiB"),

  invalidCidr: code("PC3001", "error", "invalid CIDR or IP address"),
  ipVersionMix: code("PC3002", "error", "IPv4 and IPv6 mixed within one rule, or CIDR version differs from ipVersion"),
  portsNeedProtocol: code("PC3003", "error", "ports used without a protocol that has ports"),
  reversedPortRange: code("PC3004", "error", "port range with first > last"),
  invalidEndPort: code("PC3005", "error", "endPort without a numeric port, or below port"),
  icmpWithoutIcmpProtocol: code("PC3006", "error", "ICMP fields on a non-ICMP protocol"),
  duplicateResource: code("PC3007", "error", "the same resource is defined twice"),
  exceptOutsideCidr: code("PC3008", "error", "ipBlock except is not strictly inside cidr"),
  invalidPeer: code("PC3009", "error", "invalid NetworkPolicy peer"),
  invalidLabelSelector: code("PC3010", "error", "invalid Kubernetes label selector requirement"),
  globalSelectorMisuse: code("PC3011", "error", "global() used outside an EntityRule namespaceSelector"),
  duplicateType: code("PC3012", "error", "policy type listed twice"),
  unknownTier: code("PC3013", "error", "policy refers to a tier that is not defined"),
  reservedTier: code("PC3014", "error", "reserved tier (default, kube-admin, kube-baseline, the admin policy tiers) defined with a different order or default action"),
  conflictingFlags: code("PC3015", "error", "incompatible policy flags (preDNAT, doNotTrack, applyOnForward)"),
  icmpVersionMismatch: code("PC3016", "error", "ICMP protocol does not match ipVersion"),
  catchAllNotNet: code("PC3090", "error", "a notNets entry that is the catch-all 0.0.0.0/0 or an IPv6 /0 (Calico's validator refuses it: the rule could match nothing)"),
  duplicateHint: code("PC3091", "error", "a policy's performanceHints lists a hint twice (the list must be unique)"),
  invalidFailsafeList: code("PC3070", "error", "bad --failsafe-inbound/--failsafe-outbound list (Felix's port-list syntax: [tcp|udp:][NET:]PORT, IPv6 NET in brackets)"),
  stagedDeleteNotEmpty: code("PC3080", "error", "a staged policy with stagedAction Delete carries spec fields (only tier, and for the Calico kinds types, may be set)"),
  exceptOtherFamily: code("PC3060", "error", "ipBlock except of the other IP family than its cidr"),
  reservedLabel: code("PC3017", "error", "reserved label set by the user"),
  invalidHostEndpoint: code("PC3018", "error", "host endpoint without node, or without interface and expected IPs"),
  adminPriority: code("PC3019", "error", "AdminNetworkPolicy priority outside 0..1000"),
  adminTooManyRules: code("PC3020", "error", "more than 100 ingress or egress rules (or peers, or ports) in an admin policy"),
  baselineName: code("PC3021", "error", "BaselineAdminNetworkPolicy not named \"default\""),
  adminOneOf: code("PC3022", "error", "admin policy subject, peer or port must set exactly one field"),
  // PC3023 (an ANP `nodes`/`domainNames` peer, not enforced) was retired in v3.32: no ANP field is
  // enforced any more (PC4020), and `convert` carries both peers over to ClusterNetworkPolicy.
  adminPortRange: code("PC3024", "error", "admin policy portRange with start > end"),
  adminRemovedField: code("PC3025", "error", "admin policy field removed from the v1alpha1 API (pre-v0.1.5 shape)"),
  cnpLimit: code("PC3026", "error", "ClusterNetworkPolicy value outside the CRD's limits (priority 0-1000, rule name at most 100 characters, at most 25 rules per direction, 1-25 peers, protocols, networks or domainNames, ports 1-65535)"),
  cnpOneOf: code("PC3027", "error", "ClusterNetworkPolicy subject, peer, protocol or destinationPort that does not set exactly one field"),
  cnpPortRange: code("PC3028", "error", "ClusterNetworkPolicy destinationPort range whose start is not less than its end"),
  cnpNetworks: code("PC3029", "error", "ClusterNetworkPolicy networks entry that is not a CIDR, is longer than 43 characters, or is listed twice"),
  cnpDomainName: code("PC3030", "error", "ClusterNetworkPolicy domainNames entry that does not match the CRD's pattern, or is listed twice"),
  cnpNamedPortPeer: code("PC3031", "error", "ClusterNetworkPolicy egress rule with a destinationNamedPort and a networks, nodes or domainNames peer (the experimental CRD's rule)"),
  convertTooManyRules: code("PC3035", "error", "convert: an admin policy with more than 25 rules in a direction (after splitting rules), the ClusterNetworkPolicy limit; nothing is written"),
  convertNameClash: code("PC3036", "error", "convert: two ClusterNetworkPolicies (converted or already in the inputs) would have the same name; nothing is written"),
  hostEndpointNoInterface: code("PC3040", "error", "a host endpoint of the node has no interfaceName and no host interfaces were given to find it from its expectedIPs (--host-interface)"),
  duplicateHostInterface: code("PC3041", "error", "two host endpoints of the node name one interface"),
  untrackedWildcard: code("PC3042", "error", "a doNotTrack policy selects the all-interfaces (*) host endpoint, which Calico does not support"),
  invalidHostInterfaceFlag: code("PC3044", "error", "bad --host-interface value (expected NAME=IP[,IP...]) or unreadable kernel interface list"),
  nodeNotNamed: code("PC3050", "error", "--node names a node that no endpoint in the inputs is on (a typo would remove the node's enforcement); --allow-empty-node overrides"),
  invalidInterfaceName: code("PC3043", "error", "endpoint interfaceName is not an interface name (or, for a host endpoint only, *)"),
  unsafeKernelToken: code("PC3045", "error", "a chain, set, interface name or comment with whitespace, quotes or control characters reached the renderer; nothing was written"),

  /** Retired: staged policies are loaded since v3.32 support (PC4030–PC4033); the code is never reused. */
  stagedIgnored: code("PC4001", "notice", "retired: staged policy recognised and ignored (staged policies are now loaded)"),
  hostNetworkPodSkipped: code("PC4002", "notice", "hostNetwork pod skipped (not a Calico workload endpoint)"),
  podNotEnforceable: code("PC4003", "notice", "pod without nodeName or IP: matched by selectors but contributes no rules or IPs"),
  rulesNeverEvaluated: code("PC4004", "warning", "rules for a direction the policy's types do not include"),
  namespaceMissing: code("PC4005", "notice", "pods refer to a namespace that is not defined"),
  namespaceIgnored: code("PC4007", "warning", "metadata.namespace on a cluster-scoped kind (Namespace, GlobalNetworkPolicy, HostEndpoint, ...): ignored, as the API server clears it"),
  profileMissing: code("PC4006", "warning", "an endpoint refers to a profile that is not defined (it allows nothing)"),
  stagedPolicyTypesDefaulted: code("PC4030", "warning", "a StagedKubernetesNetworkPolicy without policyTypes but with an egress field: its types depend on Calico's policytypes admission policy (applied here: Ingress and Egress)"),
  cnpFailClosed: code("PC4010", "warning", "ClusterNetworkPolicy rule Calico v3.32 cannot convert (a nodes or domainNames peer, a destinationNamedPort its conversion refuses): an Accept rule is dropped, a Deny or Pass rule becomes a bare Deny of the whole direction"),
  cnpPolicyRejected: code("PC4011", "warning", "ClusterNetworkPolicy that Felix's validation rejects as a whole (a destinationNamedPort that is not an IANA service name, a selector Calico's grammar cannot parse): none of its rules is enforced"),
  cnpSelectorContent: code("PC4012", "warning", "ClusterNetworkPolicy label selector content Kubernetes would refuse and Calico converts as it stands (unknown operator skipped, In/NotIn without values, Exists with values, invalid label keys or values, a subject namespace selector Calico cannot parse and drops)"),
  hostEndpointNoMatchingInterface: code("PC4034", "warning", "an expectedIPs-only host endpoint matches no host interface (it gets no chains until one holds its address)"),
  hostInterfaceShadowed: code("PC4035", "warning", "two host endpoints match one host interface: the alphabetically earliest name governs it, the other is inactive there"),
  adminNotEnforced: code("PC4020", "warning", "AdminNetworkPolicy or BaselineAdminNetworkPolicy: validated but not enforced (Calico v3.32 removed them; `policy-compile convert` rewrites them as ClusterNetworkPolicy)"),
  convertSinglePortRange: code("PC4021", "notice", "convert: a portRange with start == end is written as a single port number (a ClusterNetworkPolicy range needs start < end)"),
  convertNamedPortAnyProtocol: code("PC4022", "warning", "convert: a namedPort becomes destinationNamedPort, which matches under the pod's declared protocol (Calico's ANP conversion matched TCP only)"),
  convertFailsClosed: code("PC4023", "warning", "convert: a `nodes` or `domainNames` peer is kept, but Calico fails closed on it (Accept rule dropped, Deny/Pass rule denies all)"),
  convertRuleSplit: code("PC4024", "notice", "convert: a rule with more than 25 peers or ports is split into consecutive rules of at most 25 (the same traffic matches)"),
  ruleInNoIpFamily: code("PC4040", "warning", "a rule that exists in neither the IPv4 nor the IPv6 dataplane (a negated catch-all net)"),

  duplicateInterface: code("PC5002", "error", "two local endpoints share one interface name"),
  nftScriptUnreadable: code("PC5020", "error", "a calico.nft script line that is not one policy-compile writes (add table|set|element|chain|map|rule into ip calico or ip6 calico, a rule with its cali:<hash> comment), or that uses a table, chain, set or map before adding it"),

  policySelectsNothing: code("PC6001", "warning", "lint: a policy applies to no endpoint in the inputs"),
  ruleSelectorMatchesNothing: code("PC6002", "warning", "lint: a rule's selector or serviceAccounts match no endpoint or network set in the inputs"),
  namespaceSelectorMatchesNothing: code("PC6003", "warning", "lint: a rule's namespaceSelector matches no namespace in the inputs"),
  notSelectorExcludesNothing: code("PC6004", "warning", "lint: a rule's notSelector matches nothing the rule would otherwise match"),
  namedPortUndeclared: code("PC6005", "warning", "lint: a named port that no endpoint the rule can reach declares"),
  ruleShadowed: code("PC6006", "warning", "lint: a rule never matches: an earlier rule of the same policy matches all it would"),
  allowAfterDenyAll: code("PC6007", "warning", "lint: an Allow rule after a Deny rule that matches everything (same policy and direction)"),
  ruleShadowedInTier: code("PC6008", "warning", "lint: a rule never matches: a rule of an earlier policy in the same tier, applying to the same endpoints, matches all it would"),
  policyRedundant: code("PC6009", "warning", "lint: every rule of a policy is shadowed by earlier policies of its tier that apply to all its endpoints"),
  notNetOutsideNets: code("PC6010", "warning", "lint: a notNets entry overlaps none of the rule's nets (it excludes nothing)"),
  notNetsCoverNets: code("PC6011", "warning", "lint: notNets cover every one of the rule's nets (the rule matches nothing)"),
  noEndpoints: code("PC6012", "notice", "lint: the inputs hold no endpoints, so checks that need them were skipped"),

  etcdKeyMismatch: code("PC7010", "error", "an etcd key names another kind, namespace or name than the resource it holds (the key is ignored)"),
  unsupportedDatastore: code("PC7030", "error", "a datastore type other than etcdv3 (kubernetes): policy-compile reads Calico's etcdv3 datastore only"),
  invalidEtcdSetting: code("PC7031", "error", "an etcd connection setting that cannot be used (endpoint URL, TLS files, credentials)"),
  notStoredInEtcd: code("PC7032", "error", "datastore apply: a kind that Calico's etcd datastore does not hold (Pods, Namespaces, ClusterNetworkPolicy, ...)"),
  sameEtcdKey: code("PC7033", "error", "datastore apply: two documents would be written to one etcd key"),
  unknownPeer: code("PC8001", "error", "explain/matrix: a pod or IP that the model does not contain or cannot place on a node"),
  untraceableRule: code("PC8002", "error", "trace: rule text the interpreter does not understand (it never guesses)"),
  emptySelection: code("PC8010", "error", "explain: a --from/--to of ns/label=value (or ns/k=v,k2=v2) that selects no pod"),
  unknownNamespace: code("PC8011", "error", "explain/matrix/describe: a namespace (-n, --namespace, or the ns/ of a peer) that is in none of the inputs"),
  hostPeerNoEndpoint: code("PC8030", "error", "explain: a host:<node> peer whose node has no HostEndpoint in the input"),
  hostPeerNoAddress: code("PC8031", "error", "explain: a host:<node> peer without an address (no expectedIPs of that family; give host:<node>@<ip>)"),
  hostToItself: code("PC8032", "error", "explain: a host to itself is loopback traffic, which no host endpoint policy sees"),
  reviewHostEndpoints: code("PC8050", "error", "review: a HostEndpoint gives only expectedIPs and no --host-interface places it (its node cannot be compiled)"),

  tooManyDiagnostics: code("PC9001", "notice", "more diagnostics than the cap; the rest are counted, not shown"),
} as const satisfies Record<string, CodeInfo>;

export type CodeName = keyof typeof Codes;

/** Every registered code, sorted; used to check the registry has no duplicates. */
export function allCodes(): readonly CodeInfo[] {
  return Object.values(Codes).sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
