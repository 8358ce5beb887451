/**
 * The normalized policy model: one policy language (Calico v3 semantics), one workload endpoint
 * kind, everything validated. Kubernetes objects have already been converted (knp policies,
 * kns./ksa. profiles, pods as workload endpoints) and API defaulting applied.
 *
 * Selectors are kept as the *source text* the user wrote (already validated by the model stage),
 * plus the span where that text sits in its file, so later stages can name it. The per-node
 * stages (resolve) combine and rewrite them the way Calico's update processors do
 * (namespace scoping, `pcns.`/`pcsa.` prefixes, service-account names).
 *
 * Every list in a Model is sorted deterministically by the loader (by key), so the same inputs in
 * any order give an identical Model.
 */
import type { Span } from "../diagnostics/types.js";

export type Labels = Readonly<Record<string, string>>;

/** Where a resource (or a part of it) came from; used by explain and by diagnostics. */
export interface Origin {
  readonly span: Span;
  /**
   * For a rule: its index in the policy's spec.ingress / spec.egress as written, when that is not
   * what counting the model's rules gives (a ClusterNetworkPolicy rule Calico drops leaves no
   * model rule behind, so the rules after it would otherwise be named one too early).
   */
  readonly ruleIndex?: number;
  /** For a rule that is not what was written: what it stands for (a ClusterNetworkPolicy rule that failed closed). */
  readonly note?: string;
}

export type Action = "Allow" | "Deny" | "Log" | "Pass";
export type Direction = "Ingress" | "Egress";

/**
 * A protocol as Calico's backend sees it: names lowercased ("tcp", "udp", "sctp", "icmp",
 * "icmpv6", "udplite"), numbers 1..255 kept as numbers.
 */
export type Protocol = "tcp" | "udp" | "sctp" | "icmp" | "icmpv6" | "udplite" | number;

/** A numeric port or inclusive range (a single port has first === last), or a named port. */
export type Port =
  | { readonly kind: "range"; readonly first: number; readonly last: number }
  | { readonly kind: "named"; readonly name: string };

export interface IcmpMatch {
  readonly type: number;
  readonly code?: number;
}

/** Calico v3 EntityRule (source or destination of a rule). Empty lists mean "not set". */
export interface EntityRule {
  readonly nets: readonly string[];
  readonly notNets: readonly string[];
  /** Selector source text, or undefined when the field is absent. */
  readonly selector?: string;
  readonly notSelector?: string;
  readonly namespaceSelector?: string;
  readonly serviceAccounts?: {
    readonly names: readonly string[];
    readonly selector?: string;
  };
  readonly ports: readonly Port[];
  readonly notPorts: readonly Port[];
}

export interface Rule {
  readonly action: Action;
  readonly ipVersion?: 4 | 6;
  readonly protocol?: Protocol;
  readonly notProtocol?: Protocol;
  readonly icmp?: IcmpMatch;
  readonly notICMP?: IcmpMatch;
  readonly source: EntityRule;
  readonly destination: EntityRule;
  /** rule.metadata.annotations; rendered as extra comments sorted by key. */
  readonly annotations: Labels;
  readonly origin?: Origin;
}

/**
 * Felix v3.32's short kinds (calico-332.md §3.3): np = Calico NetworkPolicy, gnp =
 * GlobalNetworkPolicy, knp = Kubernetes NetworkPolicy, kcnp = ClusterNetworkPolicy
 * (policy.networking.k8s.io/v1alpha2), and the staged kinds snp = StagedNetworkPolicy, sgnp =
 * StagedGlobalNetworkPolicy, sknp = StagedKubernetesNetworkPolicy.
 */
export type PolicyKind = "np" | "gnp" | "knp" | "kcnp" | "snp" | "sgnp" | "sknp";

/** A staged policy's `stagedAction` (the CRD default is Set; Felix treats Learn and Ignore as Set). */
export type StagedAction = "Set" | "Delete" | "Learn" | "Ignore";

export interface Policy {
  readonly kind: "Policy";
  readonly policyKind: PolicyKind;
  readonly name: string;
  /** Set for np and knp; undefined for gnp. */
  readonly namespace?: string;
  /** `<kind>/[<ns>/]<name>`, e.g. `knp/default/test-network-policy`; used for chain names. */
  readonly id: string;
  readonly tier: string;
  /** undefined means +Infinity (sorts last). knp policies have order 1000. */
  readonly order?: number;
  /** The policy's selector text as written ("" means all()). For knp, the converted selector. */
  readonly selector: string;
  /** GlobalNetworkPolicy only: which namespaces' endpoints the policy applies to. */
  readonly namespaceSelector?: string;
  readonly serviceAccountSelector?: string;
  /** After defaulting (Calico rules for np/gnp, Kubernetes rules for knp). Never empty. */
  readonly types: readonly Direction[];
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
  readonly doNotTrack: boolean;
  readonly preDNAT: boolean;
  readonly applyOnForward: boolean;
  /**
   * `performanceHints: [AssumeNeededOnEveryNode]` (Calico NP/GNP and their staged kinds): the
   * policy is active on every node, so its filter-table chains (both directions) and the ipsets
   * its rules reference are programmed even where no local endpoint uses them (calico-332.md §5.3).
   * Verdicts never change.
   */
  readonly assumeNeededOnEveryNode?: true;
  /**
   * Present exactly for the staged kinds (snp, sgnp, sknp). A staged policy is in
   * `Model.policies` like any other (Felix's calculation graph matches its selector, scans its
   * rules and lists it in the endpoint's tiers) but it is never enforced: it has no chain and no
   * jump (calico-332.md §4.3).
   */
  readonly stagedAction?: StagedAction;
  readonly origin?: Origin;
}

export interface Tier {
  readonly kind: "Tier";
  readonly name: string;
  /**
   * The implicit `default` tier has order 1,000,000, and so has a Tier written without one (as
   * Calico's Kubernetes datastore defaults it). undefined: a tier that no Tier defines (sorts last).
   */
  readonly order?: number;
  readonly defaultAction: "Deny" | "Pass";
  readonly origin?: Origin;
}

export interface Profile {
  readonly kind: "Profile";
  /** e.g. `kns.default`, `ksa.default.default`, or a user Profile's name. */
  readonly name: string;
  readonly labelsToApply: Labels;
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
  readonly origin?: Origin;
}

export interface NamedPort {
  readonly name: string;
  readonly protocol: "tcp" | "udp" | "sctp";
  readonly port: number;
}

export interface WorkloadEndpoint {
  readonly kind: "WorkloadEndpoint";
  /** `<namespace>/<pod or WEP name>`; unique. */
  readonly key: string;
  readonly namespace: string;
  /** The pod name (K8s) or the WorkloadEndpoint's name. */
  readonly name: string;
  /** Node the endpoint runs on; undefined when a Pod has no spec.nodeName yet. */
  readonly node?: string;
  /** Host-side interface, e.g. `cali` + 11 hex chars of sha1("<ns>.<pod>"). */
  readonly interfaceName: string;
  /** Addresses as CIDRs (`10.0.0.5/32`, `fd00::5/128`), sorted. Empty when the pod has no IP. */
  readonly ipNetworks: readonly string[];
  /**
   * Effective labels used for selector matching: the endpoint's own labels plus
   * `projectcalico.org/namespace`, `projectcalico.org/orchestrator` and
   * `projectcalico.org/serviceaccount` (when known), plus every label its profiles apply
   * (the endpoint's own labels win on conflict).
   */
  readonly labels: Labels;
  /** Profile names in order (K8s: `kns.<ns>` then `ksa.<ns>.<sa>`). */
  readonly profiles: readonly string[];
  readonly ports: readonly NamedPort[];
  readonly serviceAccount?: string;
  readonly origin?: Origin;
}

export interface HostEndpoint {
  readonly kind: "HostEndpoint";
  readonly name: string;
  readonly node: string;
  /** `*` for an all-interfaces host endpoint; may be empty when only expectedIPs are given. */
  readonly interfaceName?: string;
  readonly expectedIPs: readonly string[];
  readonly labels: Labels;
  readonly profiles: readonly string[];
  readonly ports: readonly NamedPort[];
  readonly origin?: Origin;
}

export interface NetworkSet {
  readonly kind: "NetworkSet";
  /** NetworkSet (namespaced) or GlobalNetworkSet. */
  readonly global: boolean;
  readonly name: string;
  readonly namespace?: string;
  /** For namespaced sets this includes `projectcalico.org/namespace` and the namespace's `pcns.` labels. */
  readonly labels: Labels;
  /** CIDRs as written, normalized to network address form, sorted. */
  readonly nets: readonly string[];
  readonly origin?: Origin;
}

/** Everything the per-node stages need. Every array is sorted by its natural key. */
export interface Model {
  readonly kind: "Model";
  readonly tiers: readonly Tier[];
  readonly policies: readonly Policy[];
  readonly profiles: readonly Profile[];
  readonly endpoints: readonly WorkloadEndpoint[];
  readonly hostEndpoints: readonly HostEndpoint[];
  readonly networkSets: readonly NetworkSet[];
}
