/**
 * Turning rule bodies into hashed rules. Renderers build `RuleBody` lists (comments, match,
 * action) and `hashedChain` stamps each with its Felix-compatible hash, which depends on the chain
 * name and every rule before it (felix-dataplane.md §6.1).
 */
import { escapeComment, ruleHashes, type RuleBody } from "./hash.js";
import type { Chain, IptRule } from "./types.js";

export type { RuleBody };

/** A rule body; comments are escaped the way Felix escapes them. */
export function rule(match: string, action: string, comments: readonly string[] = []): RuleBody {
  return { comments: comments.map(escapeComment), match, action };
}

export function hashRules(hashChainName: string, bodies: readonly RuleBody[]): IptRule[] {
  const hashes = ruleHashes(hashChainName, bodies);
  return bodies.map((b, i) => ({ hash: hashes[i] ?? "", comments: b.comments, match: b.match, action: b.action }));
}

export function hashedChain(name: string, bodies: readonly RuleBody[]): Chain {
  return { name, rules: hashRules(name, bodies) };
}

export const jump = (target: string): string => `--jump ${target}`;
export const goto = (target: string): string => `--goto ${target}`;
export const ACCEPT = "--jump ACCEPT";
export const DROP = "--jump DROP";
export const RETURN = "--jump RETURN";

/** Joins non-empty match fragments with single spaces. */
export function joinMatch(parts: readonly string[]): string {
  return parts.filter((p) => p !== "").join(" ");
}
