/**
 * The upstream Kubernetes e2e NetworkPolicy tests, compiled by policy-compile, loaded into real
 * kernels (two node namespaces) and probed with real TCP/UDP traffic, on iptables-legacy and
 * iptables-nft.
 */
import { E2E_CASES } from "./cases/e2e.js";
import { XYZ_FAMILY } from "./cases/xyz-family.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily(XYZ_FAMILY, E2E_CASES, await detectKernelSupport());
