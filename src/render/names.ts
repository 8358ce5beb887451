/** Chain names (felix-dataplane.md §1.4–§1.5): every per-object name goes through the 28-byte limit. */
import type { PolicyKind } from "../model/types.js";
import { ALL_INTERFACES } from "../resolve/host-endpoints.js";
import { lengthLimitedName } from "./hash.js";
import { safeInterfaceName, safeToken } from "./safe-token.js";

export const policyChainName = (direction: "ingress" | "egress", policyId: string): string =>
  lengthLimitedName(direction === "ingress" ? "cali-pi-" : "cali-po-", safeToken("policy id", policyId));

export const profileChainName = (direction: "ingress" | "egress", profile: string): string =>
  lengthLimitedName(direction === "ingress" ? "cali-pri-" : "cali-pro-", safeToken("profile name", profile));

/** `cali-tw-<iface>` (to workload = ingress policy) / `cali-fw-<iface>` (from workload = egress). */
export const endpointChainName = (direction: "ingress" | "egress", interfaceName: string): string =>
  lengthLimitedName(direction === "ingress" ? "cali-tw-" : "cali-fw-", safeInterfaceName(interfaceName));

/** The v3.32 kind names used in policy chain comments. */
export const policyKindName: Readonly<Record<PolicyKind, string>> = {
  np: "NetworkPolicy",
  gnp: "GlobalNetworkPolicy",
  knp: "KubernetesNetworkPolicy",
  kcnp: "KubernetesClusterNetworkPolicy",
  snp: "StagedNetworkPolicy",
  sgnp: "StagedGlobalNetworkPolicy",
  sknp: "StagedKubernetesNetworkPolicy",
};

export const ChainName = {
  filterForward: "cali-FORWARD",
  filterInput: "cali-INPUT",
  filterOutput: "cali-OUTPUT",
  workloadToHost: "cali-wl-to-host",
  fromWorkloadDispatch: "cali-from-wl-dispatch",
  toWorkloadDispatch: "cali-to-wl-dispatch",
  fromHostEndpoint: "cali-from-host-endpoint",
  toHostEndpoint: "cali-to-host-endpoint",
  fromHostEndpointForward: "cali-from-hep-forward",
  toHostEndpointForward: "cali-to-hep-forward",
  cidrBlock: "cali-cidr-block",
  failsafeIn: "cali-failsafe-in",
  failsafeOut: "cali-failsafe-out",
  prerouting: "cali-PREROUTING",
  postrouting: "cali-POSTROUTING",
  rawOutput: "cali-OUTPUT",
  rpfSkip: "cali-rpf-skip",
} as const;

/**
 * Host endpoint chains (felix-dataplane.md §1.4): `cali-fh-`/`cali-th-` from/to the host
 * endpoint (ingress/egress policy), `cali-fhfw-`/`cali-thfw-` for forwarded traffic.
 */
export const hostEndpointChainName = (direction: "ingress" | "egress", interfaceName: string, forward = false): string =>
  lengthLimitedName(direction === "ingress" ? (forward ? "cali-fhfw-" : "cali-fh-") : forward ? "cali-thfw-" : "cali-th-", safeInterfaceName(interfaceName, [ALL_INTERFACES]));

/** Workload interfaces policy-compile polices (Felix's default InterfacePrefix). */
export const WORKLOAD_INTERFACE_PREFIX = "cali";
