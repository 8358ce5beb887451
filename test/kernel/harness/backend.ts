/**
 * The two iptables backends the conformance suite runs against. Each topology uses exactly one
 * of them, so a namespace never holds rules from both.
 */
import { inNetns } from "./exec.js";

export type BackendName = "legacy" | "nft";

export interface Backend {
  readonly name: BackendName;
  /** `iptables-legacy-restore` / `iptables-nft-restore`. */
  readonly restore: string;
  /** `iptables-legacy-save` / `iptables-nft-save`. */
  readonly save: string;
  /** The IPv6 tools of the same backend, for dual-stack cases. */
  readonly restore6: string;
  readonly save6: string;
}

export const BACKENDS: readonly Backend[] = [
  { name: "legacy", restore: "iptables-legacy-restore", save: "iptables-legacy-save", restore6: "ip6tables-legacy-restore", save6: "ip6tables-legacy-save" },
  { name: "nft", restore: "iptables-nft-restore", save: "iptables-nft-save", restore6: "ip6tables-nft-restore", save6: "ip6tables-nft-save" },
];

/** Felix's native nftables mode: the compiled `calico.nft` script loaded with `nft -f`, no iptables, no ipsets. */
export interface NativeNftBackend {
  readonly name: "nftables";
  readonly native: true;
}

export const NATIVE_NFT: NativeNftBackend = { name: "nftables", native: true };

/** Any of the three dataplanes a kernel suite runs on. */
export type KernelBackend = Backend | NativeNftBackend;

export const isNativeNft = (b: KernelBackend): b is NativeNftBackend => "native" in b;

/** `iptables-legacy`, `iptables-nft`, `native nftables`: how reports name a backend. */
export const backendLabel = (b: KernelBackend): string => (isNativeNft(b) ? "native nftables" : `iptables-${b.name}`);

/** A filter table with nothing in it: restoring it (without --noflush) removes every chain. */
export const EMPTY_FILTER_TABLE = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

/** Empty mangle and raw tables (host endpoint state lives there). */
export const EMPTY_EXTRA_TABLES =
  "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n" +
  "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

/**
 * Puts a node namespace back to "nothing loaded": empty filter table (and with `extraTables`
 * empty mangle and raw tables), no ipsets. The flush
 * comes first because the kernel refuses to destroy a set that a rule still references.
 */
export async function resetNode(netns: string, backend: Backend, options: { readonly ipv6?: boolean; readonly extraTables?: boolean } = {}): Promise<void> {
  const empty = options.extraTables ? `${EMPTY_FILTER_TABLE}${EMPTY_EXTRA_TABLES}` : EMPTY_FILTER_TABLE;
  await inNetns(netns, [backend.restore, "-w", "5"], empty);
  if (options.ipv6) await inNetns(netns, [backend.restore6, "-w", "5"], empty);
  await inNetns(netns, ["ipset", "destroy"]);
}

/**
 * `ipset restore` then `iptables-*-restore --noflush`, the order Felix uses; with an IPv6 part
 * (`ip6tables`), `ip6tables-*-restore --noflush` after it (the ipsets text holds both families).
 */
export async function loadRestore(
  netns: string,
  backend: Backend,
  restore: { readonly ipsets: string; readonly iptables: string; readonly ip6tables?: string },
): Promise<void> {
  if (restore.ipsets.trim() !== "") await inNetns(netns, ["ipset", "restore"], restore.ipsets);
  await inNetns(netns, [backend.restore, "--noflush", "-w", "5"], restore.iptables);
  if (restore.ip6tables !== undefined) await inNetns(netns, [backend.restore6, "--noflush", "-w", "5"], restore.ip6tables);
}

export async function saveFilter6(netns: string, backend: Backend): Promise<string> {
  return (await inNetns(netns, [backend.save6, "-t", "filter"])).stdout;
}

export async function saveFilter(netns: string, backend: Backend): Promise<string> {
  return (await inNetns(netns, [backend.save, "-t", "filter"])).stdout;
}

export async function saveTable(netns: string, backend: Backend, table: "filter" | "mangle" | "raw", ipVersion: 4 | 6 = 4): Promise<string> {
  return (await inNetns(netns, [ipVersion === 6 ? backend.save6 : backend.save, "-t", table])).stdout;
}

export async function saveIpsets(netns: string): Promise<string> {
  return (await inNetns(netns, ["ipset", "save"])).stdout;
}

/**
 * Native nftables (Felix's nftables mode): the compiled output is one `nft -f` script that
 * creates `ip calico` (and `ip6 calico`). Resetting deletes exactly those tables, nothing else
 * of the namespace's ruleset.
 */
export async function resetNft(netns: string): Promise<void> {
  const { stdout } = await inNetns(netns, ["nft", "list", "tables"]);
  for (const table of ["ip calico", "ip6 calico"]) {
    if (stdout.split("\n").includes(`table ${table}`)) await inNetns(netns, ["nft", "delete", "table", ...table.split(" ")]);
  }
}

/** Loads an `nft -f` script (one transaction: all of it or nothing). */
export async function loadNft(netns: string, script: string): Promise<void> {
  await inNetns(netns, ["nft", "-f", "-"], script);
}
