/**
 * The README's examples (and the Calico docs' allow-80), verbatim, compiled, loaded into real
 * kernels and probed, on iptables-legacy and iptables-nft.
 */
import { README_CASES, README_FAMILY } from "./cases/readme.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily(README_FAMILY, README_CASES, await detectKernelSupport());
