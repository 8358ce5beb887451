/**
 * ICMP echo under Kubernetes isolation and Calico ICMP rules (protocol ICMP, icmp, notICMP, Deny
 * by order), compiled, loaded into real kernels and probed with ping, on iptables-legacy and
 * iptables-nft — dual-stack: every pod also has an IPv6 address and every Calico ICMP rule an
 * ICMPv6 twin (harness/dual-stack.ts), and every step is probed over IPv4 and over IPv6 (ICMPv6
 * echo, type 128) against the same truth table, as the e2e suite does.
 */
import { ICMP_CASES } from "./cases/icmp.js";
import { XYZ_FAMILY } from "./cases/xyz-family.js";
import { dualStackFamily } from "./harness/dual-stack.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

describeFamily(dualStackFamily({ ...XYZ_FAMILY, name: "ICMP on the x/y/z cluster", tag: "icmp" }), ICMP_CASES, await detectKernelSupport());
