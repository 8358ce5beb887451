/**
 * ReviewReport: what a policy change does, as one plain-data value that every view renders
 * (markdown for a pull-request comment, text for a terminal, JSON for other tools, HTML).
 *
 * It is a contract: `policy-compile review --format json` prints exactly this value, and other
 * tools read it. Fields are only ever added, never renamed. Three sections, in the order a
 * reviewer reads them:
 * 1. connectivity: every pod pair (or pod and outside CIDR) whose verdict flips, each with the
 *    rule that decides it before and after, and the same flips grouped (a namespace opened to
 *    another is one line with a count);
 * 2. rules: what the compiled chains do differently, per node, nodes with identical changes
 *    folded into one entry;
 * 3. problems: what is wrong with the head version that was not wrong with the base (new lint
 *    warnings, load diagnostics), and staged policies' pending changes.
 *
 * Every list is sorted, so the same inputs give the same bytes in any order.
 */

import type { Severity } from "../diagnostics/types.js";

export type ReviewProtocol = "TCP" | "UDP" | "SCTP";
export type ReviewVerdict = "allow" | "deny";
/**
 * How a pair's connectivity changes: opened or closed between pods of both versions; added or
 * removed for a pair with a pod that exists (with a node and an address) in one version only.
 */
export type ReviewChange = "opened" | "closed" | "added" | "removed";

/** One version's side: the paths read, and the git revision when it came from `--git`. */
export interface ReviewSide {
  /** "origin/main" (with --git) or the paths joined with ", ". */
  readonly label: string;
  readonly paths: readonly string[];
  readonly gitRef?: string;
}

/**
 * The rule that decides one side of a pair: the policy or profile rule (or default drop) of the
 * endpoint chain that decided, on the node that ran it, at the file:line where it is written.
 */
export interface ReviewDecision {
  /** One line, as `explain` prints it: "KubernetesNetworkPolicy default/web (tier default) ingress rule 0 (Allow)". */
  readonly summary: string;
  /** "ingress" (the destination's chain decided) or "egress" (the source's). */
  readonly direction: "ingress" | "egress";
  /** The node whose rules decided. */
  readonly node: string;
  readonly policy?: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly tier: string };
  readonly profile?: string;
  readonly ruleIndex?: number;
  readonly action?: string;
  readonly file?: string;
  readonly line?: number;
  /** The compiled rule: chain, 0-based position and its `cali:` hash. */
  readonly chain: string;
  readonly rule: number;
  readonly hash: string;
}

export interface ReviewSideVerdict {
  readonly verdict: ReviewVerdict;
  /** Absent only when no rule decided (the chain fell through to the hook's default). */
  readonly decidedBy?: ReviewDecision;
}

/**
 * One flipped pair. `from`/`to` are "ns/pod", a CIDR (an outside peer named by ipBlock/nets) or
 * "host:<node>" (a node with host endpoints, at its first host endpoint address of the family).
 */
export interface FlippedPair {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  /** A port range (rules with endPort, or port "1000:2000"): every port of port..endPort flips alike. */
  readonly endPort?: number;
  readonly protocol: ReviewProtocol;
  /** 6 for a pair of IPv6 addresses (the pods' IPv6 addresses, an IPv6 CIDR); absent for IPv4. */
  readonly ipVersion?: 6;
  readonly base: ReviewSideVerdict;
  readonly head: ReviewSideVerdict;
}

/**
 * A pair with a pod that exists in one version only (added in head, or removed from base), that
 * this version allows: what a new pod can reach and be reached from, what a removed pod could.
 * A pair such a version denies is not listed (an absent pod reaches nothing either).
 */
export interface OneVersionPair {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly endPort?: number;
  readonly protocol: ReviewProtocol;
  readonly ipVersion?: 6;
  /** The rule that allows it, in the version that has the pod. */
  readonly decidedBy?: ReviewDecision;
}

/** A peer of a group: one pod, every pod of a namespace the change touched, a CIDR, or a node's host (its host endpoints). */
export interface ReviewPeer {
  readonly kind: "pod" | "namespace" | "cidr" | "host";
  /** "ns/pod", "ns", the CIDR or "host:<node>". */
  readonly name: string;
}

/**
 * Flipped pairs folded: every pair of one change direction, port and protocol between the same
 * two namespaces (or CIDR) and decided by the same rules on each side is one group.
 */
export interface ConnectivityGroup {
  readonly change: ReviewChange;
  readonly from: ReviewPeer;
  readonly to: ReviewPeer;
  readonly port: number;
  readonly endPort?: number;
  readonly protocol: ReviewProtocol;
  readonly ipVersion?: 6;
  /** How many pairs the group stands for. */
  readonly count: number;
  /** Distinct source and destination pods (or CIDRs) in the group. */
  readonly sources: number;
  readonly destinations: number;
  /**
   * The deciding rule's summary and place, on each side (shared by every pair of the group); for
   * an added group base is `{verdict: "deny"}` with no rule (the pod is absent), for a removed
   * group head is.
   */
  readonly base: ReviewSideVerdict;
  readonly head: ReviewSideVerdict;
}

export interface ConnectivitySection {
  /** Opened pairs (deny → allow), sorted by from, to, protocol, port. */
  readonly opened: readonly FlippedPair[];
  /** Closed pairs (allow → deny). */
  readonly closed: readonly FlippedPair[];
  /** Pairs with a pod of the head version only that the head allows, sorted as opened. */
  readonly added: readonly OneVersionPair[];
  /** Pairs with a pod of the base version only that the base allowed. */
  readonly removed: readonly OneVersionPair[];
  /** Pods ("ns/pod") traceable (a node and an address) in the head version only, sorted. */
  readonly podsAdded: readonly string[];
  /** Pods traceable in the base version only. */
  readonly podsRemoved: readonly string[];
  /** The same pairs grouped; opened groups first, then closed, added, removed, each largest first. */
  readonly summary: readonly ConnectivityGroup[];
  /** The (protocol, port range) probes every pair was checked on. */
  readonly probes: readonly { readonly protocol: ReviewProtocol; readonly port: number; readonly endPort?: number }[];
  /** Pods whose policies, rules or peer sets differ: the only ones traced. */
  readonly podsTouched: number;
  /** Pods in both versions (traceable: a node and an IPv4 address). */
  readonly pods: number;
  /** Pods in both versions with an IPv6 address (absent when none has one). */
  readonly pods6?: number;
}

/** One chain that differs between the base and head rules of a node. */
export interface ChainChange {
  /** "filter/cali-pi-_DRtygg12-LYPnN6ZAxG" (table/chain); ip6 chains are prefixed "ip6 ". */
  readonly chain: string;
  readonly change: "added" | "removed" | "rewritten";
  readonly linesAdded: number;
  readonly linesRemoved: number;
  /** The policies and profiles behind the chain's rules ("KubernetesNetworkPolicy default/web"), sorted. */
  readonly policies: readonly string[];
}

/** One ipset whose members differ (or that was added or removed). */
export interface IpSetChange {
  readonly set: string;
  readonly change: "added" | "removed" | "changed";
  readonly membersAdded: number;
  readonly membersRemoved: number;
}

/** Nodes whose rules change identically: one entry. */
export interface NodeRulesChange {
  /** How many nodes share exactly this change. */
  readonly count: number;
  /** The first few of them, sorted (at most 5). */
  readonly nodes: readonly string[];
  readonly chains: readonly ChainChange[];
  readonly ipsets: readonly IpSetChange[];
  /** Totals over chains (rules) and ipsets (members). */
  readonly linesAdded: number;
  readonly linesRemoved: number;
}

export interface RulesSection {
  /** Nodes compiled on both sides (the nodes holding touched pods). */
  readonly nodesCompared: number;
  /** Nodes with at least one change. */
  readonly nodesChanged: number;
  /** Equivalence classes of changed nodes, largest first, then by first node name. */
  readonly changes: readonly NodeRulesChange[];
}

/** A diagnostic as the report carries it (file:line:col when it has a place). */
export interface ReviewDiagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

/** One pair whose verdict changes when the head version's staged policies are promoted. */
export interface StagedPending {
  readonly from: string;
  readonly to: string;
  readonly port: number | null;
  readonly protocol: ReviewProtocol | "ICMP";
  readonly enforced: ReviewVerdict;
  readonly pending: ReviewVerdict;
  /** The staged rule that decides the pending verdict ("StagedNetworkPolicy default/web ... (stagedAction Set) ..."). */
  readonly decidedBy?: string;
  readonly file?: string;
  readonly line?: number;
  /** The staged policies involved, as `matrix --staged --changes` names them. */
  readonly staged: readonly string[];
}

export interface ProblemsSection {
  /** Lint warnings of the head version that the base version does not have. */
  readonly lint: readonly ReviewDiagnostic[];
  /** Lint warnings the change fixes (in base, not in head). */
  readonly lintFixed: readonly ReviewDiagnostic[];
  /** Load diagnostics (warnings, notices) of the head version that the base does not have. */
  readonly diagnostics: readonly ReviewDiagnostic[];
  /** Pending changes of the head version's staged policies (empty without staged policies). */
  readonly staged: readonly StagedPending[];
}

export interface ReviewReport {
  readonly kind: "ReviewReport";
  /** The contract's version: 1. Bumped only if a field's meaning changes. */
  readonly version: 1;
  readonly base: ReviewSide;
  readonly head: ReviewSide;
  readonly connectivity: ConnectivitySection;
  readonly rules: RulesSection;
  readonly problems: ProblemsSection;
}
