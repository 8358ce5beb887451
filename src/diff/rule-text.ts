/**
 * Rule text helpers. The only things read out of saved rule text are the first comment (the
 * hash), jump/goto targets and `--match-set` names; nothing else in iptables-save output is
 * trusted to round-trip (felix-dataplane.md §6.2, §9.5).
 */
import { renderRuleFragments } from "../render/hash.js";
import type { IptRule } from "../render/types.js";

/** The text after `-A <chain> ` for a rule policy-compile writes: hash comment first. */
export function ruleText(rule: IptRule): string {
  const rest = renderRuleFragments(rule);
  const hash = `-m comment --comment "cali:${rule.hash}"`;
  return rest ? `${hash} ${rest}` : hash;
}

const COMMENT = /--comment\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))/;
const HASH = /^cali:([A-Za-z0-9_-]+)$/;

/**
 * The hash of a saved rule: the first `--comment` argument, if it is `cali:<hash>`. Only the
 * *first* comment counts, so a foreign rule that mentions `cali:` in a later comment is not
 * mistaken for ours.
 */
export function hashOfRuleText(text: string): string | null {
  const m = COMMENT.exec(text);
  if (!m) return null;
  const comment = m[1] ?? m[2] ?? "";
  return HASH.exec(comment)?.[1] ?? null;
}

const TARGET = /(?:^|\s)(?:-j|--jump|-g|--goto)\s+(\S+)/;

/** The chain or target a rule jumps or goes to, if any. */
export function ruleTarget(text: string): string | null {
  return TARGET.exec(text)?.[1] ?? null;
}

const MATCH_SET = /--match-set\s+(\S+)/g;

/** Names of the ipsets a rule matches on. */
export function ruleSets(text: string): string[] {
  return [...text.matchAll(MATCH_SET)].map((m) => m[1] ?? "");
}
