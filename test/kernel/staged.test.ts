/**
 * Staged policies in real kernels (iptables-legacy and iptables-nft): today's rules ignore them,
 * the promoted cluster's rules enforce them, and `matrix --staged` agrees with both.
 */
import { STAGED_CASES } from "./cases/staged.js";
import { XYZ_FAMILY } from "./cases/xyz-family.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily({ ...XYZ_FAMILY, name: "staged policies on the x/y/z cluster", tag: "stg" }, STAGED_CASES, await detectKernelSupport());
