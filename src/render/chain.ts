/**
 * Building IR rules and chains (ir.ts). Renderers build `IrRule` lists with `rule(match, action,
 * comments)` and name them with `irChain`; each dataplane's printer hashes them over its own text
 * (iptables/print.ts, nftables/print.ts).
 */
import { escapeComment } from "./hash.js";
import type { Action, IrChain, IrRule, MatchTerm } from "./ir.js";

export { ACCEPT, DROP, LOG, NOTRACK, RETURN, goto, jump } from "./ir.js";
export type { IrChain, IrRule };

/** An IR rule; comments are escaped the way Felix escapes them. */
export function rule(match: MatchTerm | readonly MatchTerm[] = [], action?: Action, comments: readonly string[] = []): IrRule {
  const terms: readonly MatchTerm[] = Array.isArray(match) ? match : [match as MatchTerm];
  return { match: terms, ...(action !== undefined && { action }), comments: comments.map(escapeComment) };
}

export function irChain(name: string, rules: readonly IrRule[]): IrChain {
  return { name, rules };
}
