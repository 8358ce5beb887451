/**
 * The upstream network-policy-api v1alpha2 conformance suite for ClusterNetworkPolicy (Admin and
 * Baseline tiers: single-protocol and mixed gress rules with their accumulated swaps, Integration
 * with a NetworkPolicy, PriorityField, InlineCIDRPeers with HEAD's relabel step, NamedPort, and
 * NodePeers as Calico fails closed on them), compiled by policy-compile, loaded into real kernels
 * and probed with real TCP/UDP traffic on iptables-legacy and iptables-nft.
 */
import { CNP_CONFORMANCE_CASES } from "./cases/cnp-conformance.js";
import { HOGWARTS_FAMILY } from "./cases/hogwarts-family.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily(HOGWARTS_FAMILY, CNP_CONFORMANCE_CASES, await detectKernelSupport());
