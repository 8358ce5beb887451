/**
 * Backend detection, as Felix (`environment.DetectBackend`) and kube-proxy's iptables wrapper do
 * it, because writing rules with the wrong iptables variant splits the ruleset in two:
 *
 * 1. kubelet/kube-proxy leave a canary chain (`KUBE-IPTABLES-HINT`, `KUBE-KUBELET-CANARY`) in the
 *    mangle table of the backend they use: nft is checked first, then legacy;
 * 2. otherwise the backend holding more rules wins;
 * 3. on a tie, the variant the system's `iptables` command is (`iptables --version` prints
 *    `(nf_tables)` or `(legacy)`), and legacy if that is unknown.
 * Legacy tables are only read when `/proc/net/ip_tables_names` exists, so detection does not
 * load the legacy modules on a pure-nft host; and the legacy mangle table only when that file
 * lists it: `iptables-legacy-save -t mangle` would create the table it asks for (the kernel
 * loads iptable_mangle on first use), so detection would leave an empty legacy mangle table
 * behind on an nft host. Detection writes nothing.
 */
import { existsSync } from "node:fs";
import type { Backend } from "../diff/transaction.js";
import type { CommandRunner } from "./runner.js";

export interface BackendDetection {
  readonly backend: Backend;
  /** Why, in one line (printed by the CLI). */
  readonly reason: string;
}

export interface DetectOptions {
  readonly runner: CommandRunner;
  readonly exists?: (name: string) => boolean;
  readonly legacyTablesPresent?: () => boolean;
}

/**
 * The legacy tables of the runner's network namespace (`cat /proc/net/ip{,6}_tables_names`, run
 * like every other tool so that it reads the namespace the tools act on), or null when there is
 * no such file (the module is not loaded).
 */
export async function existingLegacyTables(runner: CommandRunner, ipVersion: 4 | 6 = 4): Promise<readonly string[] | null> {
  const r = await runner("cat", [`/proc/net/ip${ipVersion === 6 ? "6" : ""}_tables_names`]);
  return r.exitCode === 0 ? r.stdout.split("\n").map((t) => t.trim()).filter((t) => t !== "") : null;
}

const HINTS = /^:(KUBE-IPTABLES-HINT|KUBE-KUBELET-CANARY) /m;

export async function detectBackend(options: DetectOptions): Promise<BackendDetection> {
  const { runner } = options;
  const exists = options.exists ?? ((name: string) => name.length > 0);
  const legacyPresent = options.legacyTablesPresent ?? (() => existsSync("/proc/net/ip_tables_names"));
  const save = async (backend: Backend, table?: string): Promise<string | null> => {
    const bin = `iptables-${backend}-save`;
    if (!exists(bin)) return null;
    const r = await runner(bin, table ? ["-t", table] : []);
    return r.exitCode === 0 ? r.stdout : null;
  };
  const nftMangle = await save("nft", "mangle");
  const hint = nftMangle === null ? null : HINTS.exec(nftMangle)?.[1];
  if (hint) return { backend: "nft", reason: `${hint} in the nft mangle table` };
  const legacy = legacyPresent();
  // Only a mangle table that exists is read: reading one creates it.
  // Unknown (no answer): read it, as before.
  const tables = legacy ? await existingLegacyTables(runner) : null;
  const legacyMangleExists = legacy && (tables === null || tables.includes("mangle"));
  if (legacyMangleExists) {
    const legacyMangle = await save("legacy", "mangle");
    const lhint = legacyMangle === null ? null : HINTS.exec(legacyMangle)?.[1];
    if (lhint) return { backend: "legacy", reason: `${lhint} in the legacy mangle table` };
  }
  const nftRules = countRules(await save("nft"));
  const legacyRules = legacy ? countRules(await save("legacy")) : 0;
  if (nftRules !== legacyRules) {
    const backend: Backend = nftRules > legacyRules ? "nft" : "legacy";
    return { backend, reason: `${nftRules} rules in nft, ${legacyRules} in legacy` };
  }
  const version = await runner("iptables", ["--version"]);
  const system: Backend | null = /nf_tables/.test(version.stdout) ? "nft" : /legacy/.test(version.stdout) ? "legacy" : null;
  return {
    backend: system ?? "legacy",
    reason: `${nftRules} rules in either backend; ${system ? `the system iptables is ${system}` : "defaulting to legacy"}`,
  };
}

function countRules(save: string | null): number {
  return save === null ? 0 : save.split("\n").filter((l) => l.startsWith("-A ")).length;
}
