/**
 * Felix-compatible rule hashes and length-limited names (felix-dataplane.md §1.5, §6.1).
 *
 * A rule's hash chains over the chain name and every rule before it, so equal hashes mean "the
 * same rule at the same position after the same prefix": exactly the property the diff engine
 * needs to leave an unchanged prefix (and its packet counters) alone.
 */
import { createHash } from "node:crypto";

/** The fragments of a rule that feed its hash and its printed form. */
export interface RuleBody {
  readonly comments: readonly string[];
  readonly match: string;
  readonly action: string;
}

/** `[-m comment --comment "<c>"]... <match> <action>` with empty parts left out. */
export function renderRuleFragments(rule: RuleBody): string {
  const parts: string[] = [];
  for (const c of rule.comments) parts.push(`-m comment --comment "${c}"`);
  if (rule.match) parts.push(rule.match);
  if (rule.action) parts.push(rule.action);
  return parts.join(" ");
}

/**
 * The hashes of `rules` in chain `hashChainName` (for rules appended to a kernel chain pass
 * `<chain>*appends*`). Each is the first 16 base64url characters of
 * SHA-224(previousDigest ‖ "-A <chain> HASH <fragments>"), seeded with SHA-224(chainName).
 */
export function ruleHashes(hashChainName: string, rules: readonly RuleBody[]): string[] {
  let digest = createHash("sha224").update(hashChainName).digest();
  const out: string[] = [];
  for (const rule of rules) {
    const fragments = renderRuleFragments(rule);
    const forHashing = fragments ? `-A ${hashChainName} HASH ${fragments}` : `-A ${hashChainName} HASH`;
    digest = createHash("sha224").update(digest).update(forHashing).digest();
    out.push(digest.toString("base64url").slice(0, 16));
  }
  return out;
}

/**
 * Calico's GetLengthLimitedID: `prefix + suffix` when it fits in `maxLen` bytes, otherwise
 * `prefix + "_" + base64url(SHA-256(suffix))` cut to `maxLen` bytes. A suffix that would exactly
 * fill the limit but starts with "_" is hashed too, so a hashed name can never be forged.
 */
export function lengthLimitedName(prefix: string, suffix: string, maxLen = 28): string {
  const s = suffix === "" ? "_" : suffix;
  const total = Buffer.byteLength(prefix) + Buffer.byteLength(s);
  if (total > maxLen || (total === maxLen && s.startsWith("_"))) {
    const room = maxLen - 1 - Buffer.byteLength(prefix);
    if (room <= 0) throw new Error(`name prefix ${prefix} leaves no room for a hash in ${maxLen} bytes`);
    return `${prefix}_${createHash("sha256").update(s).digest("base64url").slice(0, room)}`;
  }
  return prefix + s;
}

/** Felix's comment escaping: characters outside `[\w @%+=:,./-]` become `_`; max 256 chars. */
export function escapeComment(text: string): string {
  // Per code point, as Go's regexp replaces per rune (`u`: an emoji is one "_", not two); \w stays ASCII.
  return text.replace(/[^\w @%+=:,./-]/gu, "_").slice(0, 256);
}
