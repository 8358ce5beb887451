/**
 * ICMP echo under Kubernetes isolation and Calico ICMP rules (protocol ICMP, icmp, notICMP, Deny
 * by order), compiled, loaded into real kernels and probed with ping, on iptables-legacy and
 * iptables-nft.
 */
import { ICMP_CASES } from "./cases/icmp.js";
import { XYZ_FAMILY } from "./cases/xyz-family.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily({ ...XYZ_FAMILY, name: "ICMP on the x/y/z cluster", tag: "icmp" }, ICMP_CASES, await detectKernelSupport());
