/**
 * Rule origins for an nftables table. Both dataplanes print the same rule IR (node-view.ts), so
 * rule i of an IR chain is rule i of its iptables chain and of its nft chain: the iptables
 * origins (origins.ts, which checks the layout against the rendered chains) carry over position
 * by position, keyed by the nft rule's own hash. Chain names inside origins (jump targets,
 * group chains) are given as the nft table names them. Chains that only one dataplane has (the
 * iptables dispatch trees, the nft verdict-map dispatch) hold no origins.
 */
import type { Model } from "../../model/types.js";
import { resolveNode } from "../../resolve/resolve.js";
import type { CompileOptions } from "../compile.js";
import type { IrChain } from "../chain.js";
import { iptChainName } from "../iptables/print.js";
import { renderNodeIr } from "../node-view.js";
import { compileWithOrigins, type RuleOrigin, type RuleOrigins } from "../origins.js";
import type { Chain, TableName } from "../types.js";
import { nftChainName } from "./print.js";
import { renderNft } from "./render.js";
import type { NftChain, NftDataplaneState } from "./types.js";

export interface CompiledNftWithOrigins {
  readonly state: NftDataplaneState;
  readonly origins: RuleOrigins;
}

/** compileNft(model, options) plus the origin of each rule; `state` is identical to compileNft's. */
export function compileNftWithOrigins(model: Model, options: CompileOptions): CompiledNftWithOrigins {
  const ir = renderNodeIr(resolveNode(model, options.node, options.ipVersion ?? 4, options.hostInterfaces), options);
  const state = renderNft(ir);
  const ipt = compileWithOrigins(model, options);
  const nftChains = new Map<string, NftChain>(state.chains.map((c) => [c.name, c]));
  const iptTables = new Map<TableName, ReadonlyMap<string, Chain>>([
    ["filter", new Map(ipt.state.chains.map((c) => [c.name, c]))],
    ...(ipt.state.tables ?? []).map((t) => [t.table, new Map(t.chains.map((c) => [c.name, c]))] as const),
  ]);
  // iptables chain name → nft chain name, per table (the filter one names origins' targets).
  const rename = new Map<string, string>();
  const byHash = new Map<string, RuleOrigin>();
  const layers: readonly (readonly [TableName, readonly IrChain[]])[] = [["filter", ir.chains], ...(ir.tables ?? []).map((t) => [t.table, t.chains] as const)];
  for (const [layer, chains] of layers) {
    for (const c of chains) {
      const from = iptTables.get(layer)?.get(iptChainName(c.name));
      const to = nftChains.get(nftChainName(layer, c.name));
      if (from === undefined || to === undefined || from.rules.length !== to.rules.length) continue;
      if (layer === "filter") rename.set(from.name, to.name);
      from.rules.forEach((r, i) => {
        const o = ipt.origins.byHash.get(r.hash);
        const target = to.rules[i];
        if (o !== undefined && target !== undefined) byHash.set(target.hash, o);
      });
    }
  }
  const named = (name: string): string => rename.get(name) ?? name;
  for (const [hash, o] of byHash) if ("target" in o) byHash.set(hash, { ...o, target: named(o.target), ...(o.kind === "groupMemberJump" && { group: named(o.group) }) });
  const groups = new Map([...ipt.origins.groups].map(([chain, ids]) => [named(chain), ids] as const));
  return { state, origins: { kind: "RuleOrigins", byHash, groups } };
}
