/**
 * Chain names (felix-dataplane.md §1.4–§1.5, felix-nftables.md §2.2). Per-object names go
 * through a length limit that differs per dataplane: 28 bytes in iptables (hashed beyond), 255
 * in nftables (with the layer prefix). The rule IR therefore names chains in full
 * (`maxLen` = IR_NAME, never hashed) and each printer limits them (`limitChainName`); the
 * default `maxLen` gives the iptables name, which diff, trace and the agent look chains up by.
 */
import type { PolicyKind } from "../model/types.js";
import { ALL_INTERFACES } from "../resolve/host-endpoints.js";
import { lengthLimitedName } from "./hash.js";
import { safeInterfaceName, safeToken } from "./safe-token.js";

/** The iptables limit on chain names (Felix's MaxChainNameLength). */
export const IPTABLES_MAX_CHAIN_NAME = 28;

/** `maxLen` for names in the rule IR: never hashed; printers limit them. */
export const IR_NAME = Number.POSITIVE_INFINITY;

/** The prefixes of per-object chain names, longest first (a name is `<prefix><object>`). */
const LIMITED_PREFIXES = ["cali-thfw-", "cali-fhfw-", "cali-pri-", "cali-pro-", "cali-pi-", "cali-po-", "cali-tw-", "cali-fw-", "cali-th-", "cali-fh-"] as const;

/** An IR chain name limited to `maxLen` bytes (static and group names are short and stay). */
export function limitChainName(name: string, maxLen: number): string {
  const prefix = LIMITED_PREFIXES.find((p) => name.startsWith(p));
  return prefix === undefined ? name : lengthLimitedName(prefix, name.slice(prefix.length), maxLen);
}

export const policyChainName = (direction: "ingress" | "egress", policyId: string, maxLen = IPTABLES_MAX_CHAIN_NAME): string =>
  lengthLimitedName(direction === "ingress" ? "cali-pi-" : "cali-po-", safeToken("policy id", policyId), maxLen);

export const profileChainName = (direction: "ingress" | "egress", profile: string, maxLen = IPTABLES_MAX_CHAIN_NAME): string =>
  lengthLimitedName(direction === "ingress" ? "cali-pri-" : "cali-pro-", safeToken("profile name", profile), maxLen);

/** `cali-tw-<iface>` (to workload = ingress policy) / `cali-fw-<iface>` (from workload = egress). */
export const endpointChainName = (direction: "ingress" | "egress", interfaceName: string, maxLen = IPTABLES_MAX_CHAIN_NAME): string =>
  lengthLimitedName(direction === "ingress" ? "cali-tw-" : "cali-fw-", safeInterfaceName(interfaceName), maxLen);

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
export const hostEndpointChainName = (direction: "ingress" | "egress", interfaceName: string, forward = false, maxLen = IPTABLES_MAX_CHAIN_NAME): string =>
  lengthLimitedName(direction === "ingress" ? (forward ? "cali-fhfw-" : "cali-fh-") : forward ? "cali-thfw-" : "cali-th-", safeInterfaceName(interfaceName, [ALL_INTERFACES]), maxLen);

/** Workload interfaces policy-compile polices (Felix's default InterfacePrefix). */
export const WORKLOAD_INTERFACE_PREFIX = "cali";
