/**
 * The upstream network-policy-api conformance tests for AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy (core and standard: gress rules, priority, ANP+NP+BANP, networks,
 * port ranges, named ports), compiled by policy-compile, loaded into real kernels and probed
 * with real TCP/UDP traffic on iptables-legacy and iptables-nft.
 */
import { ADMIN_CASES } from "./cases/admin.js";
import { HOGWARTS_FAMILY } from "./cases/hogwarts-family.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily(HOGWARTS_FAMILY, ADMIN_CASES, await detectKernelSupport());
