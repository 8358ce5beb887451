/**
 * Every golden scenario's committed output must load into a fresh network namespace with the
 * real tools, in the documented order (`ipset restore`, then `iptables-restore --noflush`), on
 * both backends — and the kernel must then hold every chain and hook the file declares. This
 * covers the rule shapes the traffic cases do not exercise (LOG, ICMP, notProtocol, match
 * blocks, multiport splits, dispatch child chains, hash:ip,port sets). On native nftables the
 * same for each scenario's `calico.nft`: it loads with `nft -f`, and every chain (with its rule
 * count), set (with its element count) and verdict map it creates is in the kernel.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./harness/exec.js";
import { loadNft, loadRestore, resetNft, resetNode, saveIpsets, saveTable } from "./harness/backend.js";
import { inNetns } from "./harness/exec.js";
import { detectKernelSupport } from "./harness/preflight.js";
import { describeKernel } from "./harness/suite.js";

const goldenDir = join(import.meta.dirname, "../../golden");
const scenarios = readdirSync(goldenDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const support = await detectKernelSupport();

/** Owned chain names declared by `:name - -` lines, and the hook rules' target chains. */
function declared(iptables: string): { chains: string[]; hookHashes: string[] } {
  const chains = [...iptables.matchAll(/^:(\S+) - -$/gm)].map((m) => m[1]!);
  const hookHashes = [...iptables.matchAll(/^-[IA] (?:INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING)\b.*?cali:([\w-]+)/gm)].map((m) => m[1]!);
  return { chains, hookHashes };
}

describeKernel("golden outputs load", support, (backend) => {
  const netns = `pck-${process.pid}-golden-${backend.name}`;
  beforeAll(async () => {
    await run(["ip", "netns", "add", netns]);
  });
  afterAll(async () => {
    await run(["ip", "netns", "del", netns]).catch(() => undefined);
  });

  it("covers at least 15 scenarios", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(15);
  });

  it.each(scenarios)("%s", async (scenario) => {
    const ipsets = readFileSync(join(goldenDir, scenario, "ipsets.restore"), "utf8");
    const iptables = readFileSync(join(goldenDir, scenario, "iptables.restore"), "utf8");
    const v6File = join(goldenDir, scenario, "ip6tables.restore");
    const ip6tables = existsSync(v6File) ? readFileSync(v6File, "utf8") : undefined;
    // Always both families (an earlier scenario's ip6tables rules would keep its cali6 sets in
    // use) and mangle/raw too (host endpoint scenarios write them, and a set they use must go).
    await resetNode(netns, backend, { ipv6: true, extraTables: true });
    await loadRestore(netns, backend, { ipsets, iptables, ...(ip6tables !== undefined && { ip6tables }) });

    // Each `*<table>` section of each family's file against that table's iptables-save.
    const files: [string, 4 | 6][] = [[iptables, 4]];
    if (ip6tables !== undefined) files.push([ip6tables, 6]);
    for (const [text, family] of files) {
      for (const section of text.split(/^(?=\*)/m).filter((t) => t.startsWith("*"))) {
        const table = section.slice(1, section.indexOf("\n")) as "filter" | "mangle" | "raw";
        const saved = await saveTable(netns, backend, table, family);
        const label = `IPv${family} ${table}`;
        const { chains, hookHashes } = declared(section);
        for (const chain of chains) expect(saved, `${label} chain ${chain}`).toMatch(new RegExp(`^:${chain.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} `, "m"));
        for (const hash of hookHashes) expect(saved, `${label} hook cali:${hash}`).toContain(`cali:${hash}`);
        const ruleCount = section.split("\n").filter((l) => l.startsWith("-A cali-")).length;
        expect(saved.split("\n").filter((l) => l.startsWith("-A cali-")).length, `${label} rules`).toBe(ruleCount);
      }
    }

    const setNames = [...ipsets.matchAll(/^create (\S+) /gm)].map((m) => m[1]!);
    const savedSets = await saveIpsets(netns);
    for (const name of setNames) expect(savedSets).toContain(`create ${name} `);
    const members = ipsets.split("\n").filter((l) => l.startsWith("add ")).length;
    expect(savedSets.split("\n").filter((l) => l.startsWith("add ")).length).toBe(members);
  });
});

/** What one `nft -f` script creates, per `<family> calico` table. */
function created(script: string): Map<string, { chains: Map<string, number>; sets: Set<string>; maps: Set<string> }> {
  const tables = new Map<string, { chains: Map<string, number>; sets: Set<string>; maps: Set<string> }>();
  const of = (family: string) => {
    let t = tables.get(family);
    if (!t) tables.set(family, (t = { chains: new Map(), sets: new Set(), maps: new Set() }));
    return t;
  };
  for (const m of script.matchAll(/^add (chain|set|map|rule) (ip6?) calico (\S+)/gm)) {
    const t = of(m[2] as string);
    const name = m[3] as string;
    if (m[1] === "chain") t.chains.set(name, t.chains.get(name) ?? 0);
    else if (m[1] === "rule") t.chains.set(name, (t.chains.get(name) ?? 0) + 1);
    else (m[1] === "set" ? t.sets : t.maps).add(name);
  }
  return tables;
}

interface NftJsonObject {
  readonly chain?: { readonly name: string };
  readonly rule?: { readonly chain: string };
  readonly set?: { readonly name: string; readonly type: string | readonly string[] };
  readonly map?: { readonly name: string };
}

describe.runIf(support.problems.length === 0)("kernel: golden outputs load [native nftables]", () => {
  const netns = `pck-${process.pid}-golden-nftables`;
  beforeAll(async () => {
    await run(["ip", "netns", "add", netns]);
  });
  afterAll(async () => {
    await run(["ip", "netns", "del", netns]).catch(() => undefined);
  });

  const withNft = scenarios.filter((d) => existsSync(join(goldenDir, d, "calico.nft")));
  it("covers every scenario", () => {
    expect(withNft).toEqual(scenarios.filter((d) => existsSync(join(goldenDir, d, "iptables.restore"))));
  });

  it.each(withNft)("%s", async (scenario) => {
    const script = readFileSync(join(goldenDir, scenario, "calico.nft"), "utf8");
    await resetNft(netns);
    await loadNft(netns, script);
    const tables = created(script);
    expect([...tables.keys()], "the script creates ip calico").toContain("ip");
    for (const [family, want] of tables) {
      const listed = JSON.parse((await inNetns(netns, ["nft", "--json", "list", "table", family, "calico"])).stdout) as { nftables: NftJsonObject[] };
      const chains = new Map<string, number>();
      const sets = new Set<string>();
      const maps = new Set<string>();
      for (const o of listed.nftables) {
        if (o.chain) chains.set(o.chain.name, chains.get(o.chain.name) ?? 0);
        if (o.rule) chains.set(o.rule.chain, (chains.get(o.rule.chain) ?? 0) + 1);
        if (o.set) sets.add(o.set.name);
        if (o.map) maps.add(o.map.name);
      }
      expect(Object.fromEntries(chains), `${family} calico: chains and their rule counts`).toEqual(Object.fromEntries(want.chains));
      expect([...sets].sort(), `${family} calico: sets`).toEqual([...want.sets].sort());
      expect([...maps].sort(), `${family} calico: maps`).toEqual([...want.maps].sort());
    }
  });
});
