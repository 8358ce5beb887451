/**
 * `--dataplane iptables|nftables` (and `auto` where a kernel is there to ask: apply, agent):
 * which of Felix's dataplanes a command compiles, diffs, programs or traces. iptables is the
 * default everywhere, as `NFTablesMode: Disabled` is in Calico's manifests before v3.32.
 */
import { UsageError } from "./io.js";

export type DataplaneName = "iptables" | "nftables";
export type DataplaneChoice = DataplaneName | "auto";

/** The flag's value, iptables when absent; anything else is a usage error (exit 2). */
export function parseDataplane(value: string | undefined, options: { readonly auto: boolean }): DataplaneChoice {
  if (value === undefined) return "iptables";
  if (value === "iptables" || value === "nftables" || (options.auto && value === "auto")) return value;
  throw new UsageError(`--dataplane: expected ${options.auto ? "iptables, nftables or auto" : "iptables or nftables"}, not ${JSON.stringify(value)}`);
}
