/**
 * The three dataplanes the agent's kernel suites run on: iptables-legacy, iptables-nft (both with
 * ipsets) and native nftables (`ip calico`, no iptables, no ipsets). One name per dataplane, the
 * agent's arguments for it, and what the node's rules look like as text, so a suite's assertions
 * are written once and run on all three.
 */
import type { KernelBackend } from "../kernel/harness/backend.js";
import { isNativeNft } from "../kernel/harness/backend.js";
import { execaRunner } from "../../src/dataplane/runner.js";

export type AgentDataplane = "legacy" | "nft" | "nftables";

export const AGENT_DATAPLANES: readonly AgentDataplane[] = ["legacy", "nft", "nftables"];

/** The dataplane of a describeKernelAll backend. */
export const dataplaneOf = (b: KernelBackend): AgentDataplane => (isNativeNft(b) ? "nftables" : b.name);

/** `--backend legacy|nft`, or `--dataplane nftables`. */
export const dataplaneArgs = (d: AgentDataplane): string[] => (d === "nftables" ? ["--dataplane", "nftables"] : ["--backend", d]);

/** The IPv4 filter rules the agent owns, as text: `iptables-*-save -t filter`, or `nft list table ip calico` (empty when the table is absent). */
export async function filterText(exec: (file: string, args: readonly string[]) => Promise<string>, d: AgentDataplane): Promise<string> {
  if (d !== "nftables") return exec(`iptables-${d}-save`, ["-t", "filter"]);
  const tables = await exec("nft", ["list", "tables"]);
  return /^table ip calico$/m.test(tables) ? exec("nft", ["list", "table", "ip", "calico"]) : "";
}

/** Why native nftables cannot run here (nft missing), for suites that check prerequisites with kernelProblems. */
export async function nftProblems(): Promise<string[]> {
  return (await execaRunner("sh", ["-c", "command -v nft"])).exitCode === 0 ? [] : ["nft not found on PATH (apt-get install nftables)"];
}
