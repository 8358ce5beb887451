/**
 * `--dataplane iptables|nftables[|auto]`, shared by the commands that take it. `auto` (apply,
 * diff --live) is resolved against the kernel by detectDataplane (felix-nftables.md §9.4).
 */
import { Option } from "commander";
import { UsageError } from "./io.js";

export type DataplaneFlag = "iptables" | "nftables" | "auto";

export function parseDataplane(value: string, options: { readonly auto: boolean }): DataplaneFlag {
  const allowed = options.auto ? ["iptables", "nftables", "auto"] : ["iptables", "nftables"];
  if (!allowed.includes(value)) throw new UsageError(`--dataplane must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as DataplaneFlag;
}

export function dataplaneOption(options: { readonly auto: boolean }): Option {
  const text = options.auto ? "iptables (+ ipsets), nftables (tables ip/ip6 calico), or auto (nftables when kube-proxy's ip kube-proxy table has chains)" : "iptables (+ ipsets) or nftables (tables ip/ip6 calico)";
  return new Option("--dataplane <dataplane>", text).default("iptables").argParser((v: string) => parseDataplane(v, options));
}
