/**
 * Calico-specific semantics (order across kinds, tiers and Pass, GlobalNetworkPolicy default
 * deny, network sets, notPorts, Log) compiled, loaded into real kernels and probed, on
 * iptables-legacy and iptables-nft.
 */
import { CALICO_CASES } from "./cases/calico.js";
import { XYZ_FAMILY } from "./cases/xyz-family.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily({ ...XYZ_FAMILY, name: "Calico semantics on the x/y/z cluster", tag: "cal" }, CALICO_CASES, await detectKernelSupport());
