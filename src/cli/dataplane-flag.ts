/**
 * The shared `--dataplane` option (issue 18): which kernel dataplane a command renders for, reads
 * or programs. `iptables` (iptables + ipset, the default) or `nftables` (Felix's native nftables
 * mode: tables `ip calico` / `ip6 calico`); commands that program a live kernel may also take
 * `auto` (nftables when the kernel holds kube-proxy's `ip kube-proxy` table with chains, as
 * Felix v3.32's `nftablesMode: Auto` does). A bad value is a usage error (exit 2).
 */
import { Option } from "commander";
import { UsageError } from "./io.js";

export const DATAPLANES = ["iptables", "nftables"] as const;
export type Dataplane = (typeof DATAPLANES)[number];
export type DataplaneOrAuto = Dataplane | "auto";

export const DATAPLANE_HELP = "the dataplane: iptables (iptables + ipset) or nftables (Felix's nftables mode: tables ip calico / ip6 calico)";

/** `--dataplane iptables|nftables` (default iptables); with `auto` true, also `auto`. */
export function dataplaneOption(options: { readonly auto?: boolean; readonly description?: string } = {}): Option {
  const choices: readonly string[] = options.auto ? [...DATAPLANES, "auto"] : DATAPLANES;
  const help = options.description ?? (options.auto ? `${DATAPLANE_HELP}; auto: nftables when kube-proxy's ip kube-proxy table has chains` : DATAPLANE_HELP);
  return new Option("--dataplane <dataplane>", help).choices([...choices]).default("iptables");
}

/** What `--dataplane` holds after parsing (the name apply/diff use). */
export type DataplaneFlag = DataplaneOrAuto;

/** A `--dataplane` value given outside commander (the agent's config, tests): a usage error if not allowed. */
export function parseDataplane(value: string, options: { readonly auto: boolean }): DataplaneFlag {
  const allowed: readonly string[] = options.auto ? [...DATAPLANES, "auto"] : DATAPLANES;
  if (!allowed.includes(value)) throw new UsageError(`--dataplane must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as DataplaneFlag;
}
