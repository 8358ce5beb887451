/**
 * `--dataplane auto` (felix-nftables.md §9.4): nftables when the namespace's kernel holds
 * kube-proxy's `ip kube-proxy` table (then `ip6 kube-proxy`) with at least one chain, as Felix
 * v3.32's `NFTablesMode: Auto` decides; otherwise iptables. Only those two tables are listed,
 * `--terse`, never the whole ruleset (§10 pitfall 11). No nft on the host means iptables, as a
 * Felix without a knftables client; any other listing failure is a dataplane failure (Felix
 * refuses to start).
 */
import { DataplaneError, toolFailure } from "./errors.js";
import type { CommandRunner } from "./runner.js";

export type DataplaneKind = "iptables" | "nftables";

export interface DataplaneDetection {
  readonly dataplane: DataplaneKind;
  /** Why, in one line (printed by the CLI). */
  readonly reason: string;
}

export async function detectDataplane(runner: CommandRunner, nft = "nft"): Promise<DataplaneDetection> {
  for (const family of ["ip", "ip6"] as const) {
    const r = await runner(nft, ["--json", "--terse", "list", "table", family, "kube-proxy"]);
    if (r.exitCode === 127) return { dataplane: "iptables", reason: `${nft} is not installed` };
    if (r.exitCode !== 0) {
      if (/No such file or directory/.test(r.stderr)) continue;
      throw new DataplaneError(toolFailure("read", `${nft} list table ${family} kube-proxy`, r.exitCode, r.stderr, ""), 1);
    }
    const chains = countChains(r.stdout);
    if (chains === null) throw new DataplaneError(toolFailure("read", `${nft} list table ${family} kube-proxy`, 0, "the listing is not nft JSON", ""), 1);
    if (chains > 0) return { dataplane: "nftables", reason: `${family} kube-proxy holds ${chains} chain(s)` };
  }
  return { dataplane: "iptables", reason: "no kube-proxy nftables table with chains" };
}

function countChains(json: string): number | null {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return null;
  }
  const items = typeof doc === "object" && doc !== null && "nftables" in doc ? (doc as { nftables: unknown }).nftables : null;
  if (!Array.isArray(items)) return null;
  return items.filter((o) => typeof o === "object" && o !== null && "chain" in o).length;
}
