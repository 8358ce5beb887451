/**
 * Every golden scenario's committed output must load into a fresh network namespace with the
 * real tools, in the documented order (`ipset restore`, then `iptables-restore --noflush`), on
 * both backends — and the kernel must then hold every chain and hook the file declares. This
 * covers the rule shapes the traffic cases do not exercise (LOG, ICMP, notProtocol, match
 * blocks, multiport splits, dispatch child chains, hash:ip,port sets).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { run } from "./harness/exec.js";
import { loadRestore, resetNode, saveIpsets, saveTable } from "./harness/backend.js";
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
