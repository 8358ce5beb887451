/**
 * ClusterNetworkPolicy (Admin over NetworkPolicy, Pass, Baseline only for unselected pods,
 * protocol-less named ports over UDP, fail-closed rules) compiled, loaded into real kernels and
 * probed, on iptables-legacy and iptables-nft.
 */
import { CNP_CASES } from "./cases/cnp.js";
import { XYZ_FAMILY } from "./cases/xyz-family.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily({ ...XYZ_FAMILY, name: "ClusterNetworkPolicy on the x/y/z cluster", tag: "cnp" }, CNP_CASES, await detectKernelSupport());
