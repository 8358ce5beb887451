/**
 * The Calico docs' `web` profile (verbatim) on Calico WorkloadEndpoints, with profile order,
 * rule-less profiles and endpoints without profiles (Calico's default deny outside Kubernetes),
 * compiled, loaded into real kernels and probed, on iptables-legacy and iptables-nft.
 */
import { PROFILE_CASES, PROFILE_FAMILY } from "./cases/profile.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily(PROFILE_FAMILY, PROFILE_CASES, await detectKernelSupport());
