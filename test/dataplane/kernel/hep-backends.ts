/**
 * The three dataplanes the host endpoint kernel suites run on, behind one face: iptables-legacy
 * and iptables-nft (compile + Dataplane: ipsets, iptables-restore) and native nftables
 * (compileNft + NftDataplane: one `nft -f` into `ip calico` / `ip6 calico`). Each gives what a
 * suite needs: apply a model, the text of what the apply wrote, a foreign NodePort-style DNAT in
 * that dataplane's own terms (an iptables nat rule, or a foreign nft table at nat priority -100,
 * as kube-proxy's nftables mode has it), the owned host-endpoint content of mangle and raw, and
 * the trace over the same dataplane.
 */
import { execa } from "execa";
import { Dataplane } from "../../../src/dataplane/dataplane.js";
import { NftDataplane } from "../../../src/dataplane/nftables.js";
import type { Model } from "../../../src/model/types.js";
import { compile, compileNft, type CompileOptions } from "../../../src/render/compile.js";
import { nftTransactionInput } from "../../../src/diff/nftables/transaction.js";
import { traceHostPath, traceProgramPath, nftTracerFor, type HostPath, type HostPathTrace } from "../../../src/trace/index.js";
import type { Packet } from "../../../src/trace/types.js";
import type { Netns } from "./netns.js";

export type HepBackendName = "legacy" | "nft" | "nftables";

export const HEP_BACKENDS: readonly HepBackendName[] = ["legacy", "nft", "nftables"];

export interface HepApplied {
  readonly changed: boolean;
  /** What was written: restore text (`*mangle …`) or the nft transaction's lines. */
  readonly written: string;
}

export interface HepDataplane {
  /** Applies the node's state compiled from `model`. */
  apply(model: Model, options: CompileOptions): Promise<HepApplied>;
  /** Lines still to write for `model` (0 when the kernel holds it). */
  pending(model: Model, options: CompileOptions): Promise<number>;
  /** Our content in the mangle and raw layers ("" when there is none). */
  hostTables(): Promise<string>;
  /** Our filter layer as text, for pattern checks. */
  filterText(): Promise<string>;
  /** A foreign DNAT of tcp/30080 to `to` (an address:port as the family writes it). */
  addForeignDnat(to: string): Promise<void>;
  /** The foreign nat content, to check it is untouched. */
  foreignNat(): Promise<string>;
  /** A packet's walk of a host path (output, forward…) through the same dataplane. */
  tracePath(model: Model, options: CompileOptions, packet: Packet, path: HostPath): HostPathTrace;
  /** The `dataplane` option explainFlow needs for this backend. */
  readonly traceDataplane: "iptables" | "nftables";
  /** What sends a packet to a host endpoint's chain from the interface's dispatch. */
  hostDispatch(iface: string): RegExp;
  /** Words that mark a written mangle resp. raw layer. */
  readonly writes: { readonly mangle: string; readonly raw: string };
}

/** Tools a backend needs beyond the iptables ones every kernel suite checks. */
export async function hepBackendProblems(name: HepBackendName): Promise<string[]> {
  if (name !== "nftables") return [];
  const r = await execa("sh", ["-c", "command -v nft"], { reject: false });
  return r.exitCode === 0 ? [] : ["nft not found on PATH (Debian package nftables)"];
}

export function hepDataplane(name: HepBackendName, node: Netns, ipVersion: 4 | 6): HepDataplane {
  return name === "nftables" ? nftDataplane(node, ipVersion) : iptDataplane(name, node, ipVersion);
}

function iptDataplane(backend: "legacy" | "nft", node: Netns, ipVersion: 4 | 6): HepDataplane {
  const dp = new Dataplane({ backend, runner: node.runner, ipVersion });
  const tool = `${ipVersion === 6 ? "ip6tables" : "iptables"}-${backend}`;
  return {
    async apply(model, options) {
      const r = await dp.apply(compile(model, { ...options, ipVersion }));
      return { changed: r.changed, written: r.transactions.map((t) => t.iptables).join("\n") };
    },
    async pending(model, options) {
      const tx = await dp.plan(compile(model, { ...options, ipVersion }));
      return tx.iptables.length + tx.ipsetsBefore.length + tx.ipsetsAfter.length;
    },
    async hostTables() {
      const saves = await Promise.all(["mangle", "raw"].map((t) => node.exec(`${tool}-save`, ["-t", t])));
      return saves.flatMap((s) => s.split("\n").filter((l) => /cali/.test(l))).join("\n");
    },
    filterText: () => node.exec(`${tool}-save`, ["-t", "filter"]),
    async addForeignDnat(to) {
      await node.exec(`${tool}-restore`, ["--noflush"], `*nat\n-A PREROUTING -p tcp -m tcp --dport 30080 -j DNAT --to-destination ${to}\nCOMMIT\n`);
    },
    foreignNat: () => node.exec(`${tool}-save`, ["-t", "nat"]),
    tracePath: (model, options, packet, path) => traceHostPath(compile(model, { ...options, ipVersion }), packet, path),
    traceDataplane: "iptables",
    hostDispatch: (iface) => new RegExp(`--in-interface ${iface} .*--goto cali-fh-${iface}|-i ${iface} .*-g cali-fh-${iface}`),
    writes: { mangle: "*mangle", raw: "*raw" },
  };
}

/** The foreign table kube-proxy's nftables mode would hold (its own name, never ours). */
const FOREIGN_TABLE = "hep-foreign-nat";

function nftDataplane(node: Netns, ipVersion: 4 | 6): HepDataplane {
  const dp = new NftDataplane({ runner: node.runner, ipVersion });
  const family = ipVersion === 6 ? "ip6" : "ip";
  const list = (table: string) => node.exec("nft", ["list", "table", family, table]);
  return {
    async apply(model, options) {
      const r = await dp.apply(compileNft(model, { ...options, ipVersion }));
      return { changed: r.changed, written: r.transactions.map(nftTransactionInput).join("") };
    },
    async pending(model, options) {
      return (await dp.plan(compileNft(model, { ...options, ipVersion }))).lines.length;
    },
    async hostTables() {
      // Base chains stay (Felix creates all 14); owned content is a non-base chain of the
      // layer or a rule in one of its base chains.
      const state = await dp.read();
      return state.chains
        .filter((c) => /^(mangle|raw)-/.test(c.name) && (c.base === undefined || c.rules.length > 0))
        .map((c) => `${c.name} (${c.rules.length} rules)`)
        .join("\n");
    },
    filterText: () => list("calico"),
    async addForeignDnat(to) {
      const t = `${family} ${FOREIGN_TABLE}`;
      await node.exec("nft", ["-f", "-"], `add table ${t}\nadd chain ${t} prerouting { type nat hook prerouting priority -100 ; }\nadd rule ${t} prerouting tcp dport 30080 dnat to ${to}\n`);
    },
    foreignNat: () => list(FOREIGN_TABLE),
    tracePath: (model, options, packet, path) => traceProgramPath(nftTracerFor(compileNft(model, { ...options, ipVersion })), packet, path),
    traceDataplane: "nftables",
    hostDispatch: (iface) => new RegExp(`iifname "?${iface}"? .*goto filter-cali-fh-${iface}`),
    writes: { mangle: " mangle-cali-", raw: " raw-cali-" },
  };
}
