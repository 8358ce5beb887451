/**
 * The upstream Kubernetes e2e NetworkPolicy tests, compiled by policy-compile, loaded into real
 * kernels (two node namespaces) and probed with real TCP/UDP traffic, on iptables-legacy and
 * iptables-nft — dual-stack: every pod also has an IPv6 address, every ipBlock peer an IPv6
 * twin (harness/dual-stack.ts), and every step is probed over IPv4 and over IPv6 against the
 * same upstream truth table (ip6tables and the cali6 sets loaded beside iptables).
 */
import { E2E_CASES } from "./cases/e2e.js";
import { XYZ_FAMILY } from "./cases/xyz-family.js";
import { dualStackFamily } from "./harness/dual-stack.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily(dualStackFamily(XYZ_FAMILY), E2E_CASES, await detectKernelSupport());
