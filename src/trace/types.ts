/**
 * The trace stage's data: a packet as the kernel's filter table sees it, the origin of every
 * rendered rule (so a verdict can name the policy rule behind it), and the record of one walk.
 */
import type { RuleOrigin } from "../render/origins.js";
import type { TableName } from "../render/types.js";

export type { RuleOrigin, RuleOrigins } from "../render/origins.js";

export type TraceProtocol = "TCP" | "UDP" | "SCTP" | "ICMP";
export type Verdict = "allow" | "deny";
export type TraceDirection = "ingress" | "egress";
/** The table (iptables) or layer (nftables chain prefix) a walk runs in. */
export type TraceTable = TableName | "nat";

/** One packet at the filter table's FORWARD hook (policy-compile only programs forwarding). */
export interface Packet {
  readonly kind: "Packet";
  readonly srcIp: string;
  readonly dstIp: string;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 132 sctp, ...). */
  readonly protocol: number;
  /** TCP/UDP/SCTP ports; absent for other protocols. */
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly icmp?: { readonly type: number; readonly code: number };
  readonly inInterface: string;
  readonly outInterface: string;
  /** Connection tracking state; policy-compile's verdicts are about the first packet (NEW). */
  readonly ctState: "NEW";
}

/** One rule that matched the packet during the walk. */
export interface TraceStep {
  readonly chain: string;
  /** 0-based position in the chain (for kernel chains: inserts first, then appends). */
  readonly index: number;
  readonly hash: string;
  readonly match: string;
  readonly action: string;
  /** The rule's own comments (`-m comment`), when it has any: "Drop if no profiles matched". */
  readonly comment?: string;
  readonly origin?: RuleOrigin;
}

/** What one endpoint chain (`cali-fw-*` egress, `cali-tw-*` ingress) decided. */
export interface EndpointDecision {
  readonly chain: string;
  readonly direction: TraceDirection;
  readonly interfaceName: string;
  /** A host endpoint's chain (cali-fh-, cali-th-, cali-fhfw-, cali-thfw-); absent for a workload. */
  readonly host?: true;
  readonly verdict: Verdict;
  /**
   * The rule that decided: the policy/profile rule that set the accept mark, or the rule that
   * dropped (a Deny rule, an end-of-tier drop, the no-profile drop).
   */
  readonly decidedBy?: TraceStep;
  /** Chains entered while this endpoint chain ran, in order, starting with itself. */
  readonly chains: readonly string[];
}

export interface PacketTrace {
  readonly kind: "PacketTrace";
  readonly verdict: Verdict;
  /** The rule that ended the walk with ACCEPT or DROP; absent when the default policy did. */
  readonly final?: TraceStep;
  /** Every chain entered, in order (the kernel hook chain first). */
  readonly chains: readonly string[];
  /** Every rule that matched, in order. */
  readonly steps: readonly TraceStep[];
  readonly endpoints: readonly EndpointDecision[];
}
