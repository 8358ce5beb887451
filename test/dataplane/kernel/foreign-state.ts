/**
 * Another program's state in a node's kernel, for the proofs that policy-compile's nftables
 * dataplane (apply, and the agent) leaves it byte for byte as it was (counters aside): a foreign
 * `ip kube-proxy` table with chains, a set and a verdict map (kube-proxy in nftables mode: it
 * also makes `--dataplane auto` choose nftables), an `inet filter` table, iptables-nft rules
 * (table `ip filter`), iptables-legacy rules and an ipset.
 */
type Run = (file: string, args: readonly string[], input?: string) => Promise<string>;

export const KUBE_PROXY = `add table ip kube-proxy
add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add element ip kube-proxy cluster-ips { 10.96.0.1, 10.96.0.10 }
add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }
add chain ip kube-proxy filter-forward { type filter hook forward priority -110 ; }
add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip kube-proxy services
add chain ip kube-proxy service-ABCD-default/kubernetes/tcp/https
add element ip kube-proxy service-ips { 10.96.0.1 . tcp . 443 : goto service-ABCD-default/kubernetes/tcp/https }
add rule ip kube-proxy filter-forward ct state new ip daddr 203.0.113.9 drop
add rule ip kube-proxy nat-prerouting jump services
add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy service-ABCD-default/kubernetes/tcp/https ip saddr 10.65.0.0/16 counter
`;
export const INET_FILTER = `add table inet filter
add chain inet filter input { type filter hook input priority 10 ; policy accept ; }
add rule inet filter input tcp dport 22 counter accept
`;
export const IPTABLES_NFT = "*filter\n:PC-FOREIGN-NFT - [0:0]\n-A INPUT -s 198.51.100.1/32 -j DROP\n-A PC-FOREIGN-NFT -p tcp --dport 9 -j ACCEPT\nCOMMIT\n";
export const IPTABLES_LEGACY = "*filter\n:PC-FOREIGN - [0:0]\n-A FORWARD -s 198.51.100.2/32 -j DROP\n-A PC-FOREIGN -m set --match-set foreign-set src -j ACCEPT\nCOMMIT\n";


/** Loads every piece of foreign state into the namespace `ok` runs in. */
export async function loadForeignState(ok: Run): Promise<void>{
  await ok("nft", ["-f", "-"], KUBE_PROXY);
  await ok("nft", ["-f", "-"], INET_FILTER);
  await ok("ipset", ["restore"], "create foreign-set hash:ip family inet maxelem 16\nadd foreign-set 192.0.2.1\n");
  await ok("iptables-nft-restore", ["--noflush"], IPTABLES_NFT);
  await ok("iptables-legacy-restore", ["--noflush"], IPTABLES_LEGACY);
}

/** Every foreign table and tool's view, counters removed (everything but `ip calico` / `ip6 calico`). */
export async function foreignState(ok: Run): Promise<Record<string, string>> {
  const tables = (await ok("nft", ["list", "tables"])).split("\n").filter((l) => l.startsWith("table ") && l !== "table ip calico" && l !== "table ip6 calico");
  const out: Record<string, string> = {};
  for (const t of tables) out[t] = (await ok("nft", ["list", ...t.split(" ")])).replace(/counter packets \d+ bytes \d+/g, "counter");
  out["iptables-legacy-save"] = (await ok("iptables-legacy-save", [])).split("\n").filter((l) => !l.startsWith("#")).map((l) => l.replace(/\[\d+:\d+\]/, "")).join("\n");
  out["ipset save"] = await ok("ipset", ["save"]);
  return out;
}
