/**
 * Policy groups (Felix ≥ v3.28, `endpointManager.groupPolicies` and `PolicyGroupToIptablesChains`;
 * felix-dataplane.md §1.4 as corrected by calico-332.md §4.3, §5.2, §7.1 item 3).
 *
 * Within one tier, for one endpoint and direction, each run of consecutive policies with the same
 * selector (Felix's selector text, staged policies included) is a group. A group with at most one
 * enforced member is inlined: the endpoint chain jumps straight to that policy's chain (or, with
 * none, renders nothing). A bigger group gets a chain of its own, `cali-gi-<uid>` (ingress) or
 * `cali-go-<uid>` (egress), which the endpoint chain jumps to instead:
 *
 * - the UID is SHA3-224 over the lines selector, `inbound`/`outbound`, the member count and one
 *   `{Name: N, Namespace: NS, Kind: K}` per member (staged ones too), each followed by "\n",
 *   base64url without padding, cut to 20 characters — not the length-limited name function;
 * - the chain jumps to each enforced member in order; the jump that starts a block of five (the
 *   1st, 6th, 11th … enforced member) is unguarded, the others carry `-m mark --mark 0/0x30000`
 *   (no verdict yet), and before each later block a `Return on verdict` rule returns once accept
 *   or pass is set.
 *
 * Why the stride holds: a policy chain that accepts or passes only sets a mark and returns, so
 * the guard skips the rest of the group; the periodic RETURN keeps a long group from testing the
 * guard on every remaining member. Deny drops inside the policy chain.
 *
 * The UID names the members, so a group chain's name determines its content: endpoints that share
 * a group share one chain, in every table that jumps to it.
 */
import { createHash } from "node:crypto";
import type { PolicyKind } from "../model/types.js";
import { isGlobalPolicyKind } from "../model/policy-kinds.js";
import type { EndpointTier, TierMember } from "../resolve/types.js";
import { RETURN, irChain, jump, rule, type IrChain, type IrRule } from "./chain.js";
import { Mark, markClear, markNotClear } from "./marks.js";
import { IR_NAME, policyChainName, policyKindName } from "./names.js";

type Dir = "ingress" | "egress";

/** How many enforced members run between two "Return on verdict" checks (Felix's returnStride). */
export const GROUP_RETURN_STRIDE = 5;

/** Length of a group chain's UID (28 − len("cali-gi-")). */
const UID_LENGTH = 20;

/** One step of a tier block: a jump to one policy chain, or to a group chain. */
export type TierJump =
  | { readonly kind: "policy"; readonly id: string }
  | { readonly kind: "group"; readonly chain: string; readonly selector: string; readonly members: readonly TierMember[] };

/** The enforced ids of a group, in order. */
export const enforcedIds = (members: readonly TierMember[]): string[] => members.filter((m) => !m.staged).map((m) => m.id);

/** Felix's PolicyID parts of a `<kind>/[<ns>/]<name>` id. */
export function policyIdParts(id: string): { readonly kind: PolicyKind; readonly namespace: string; readonly name: string } {
  const slash = id.indexOf("/");
  const kind = id.slice(0, slash) as PolicyKind;
  if (slash <= 0 || !(kind in policyKindName)) throw new Error(`policy id ${id} has no known kind`);
  const rest = id.slice(slash + 1);
  if (isGlobalPolicyKind(kind)) return { kind, namespace: "", name: rest };
  const ns = rest.indexOf("/");
  if (ns <= 0) throw new Error(`namespaced policy id ${id} has no namespace`);
  return { kind, namespace: rest.slice(0, ns), name: rest.slice(ns + 1) };
}

/** `cali-gi-<uid>` / `cali-go-<uid>` for a group of `members` (staged ones included) keyed by `selector`. */
export function groupChainName(direction: Dir, selector: string, members: readonly TierMember[]): string {
  const lines = [selector, direction === "ingress" ? "inbound" : "outbound", String(members.length)];
  for (const m of members) {
    const { kind, namespace, name } = policyIdParts(m.id);
    lines.push(`{Name: ${name}, Namespace: ${namespace}, Kind: ${policyKindName[kind]}}`);
  }
  const uid = createHash("sha3-224")
    .update(lines.map((l) => `${l}\n`).join(""))
    .digest("base64url")
    .slice(0, UID_LENGTH);
  return `${direction === "ingress" ? "cali-gi-" : "cali-go-"}${uid}`;
}

/**
 * A tier's jumps for one direction: its runs of equal selector over every member (staged ones
 * included), each inlined (≤ 1 enforced member; nothing for a run of staged members only) or
 * one group jump.
 */
export function tierJumps(tier: EndpointTier, direction: Dir): TierJump[] {
  const out: TierJump[] = [];
  const members = tier.members;
  for (let start = 0; start < members.length; ) {
    const selector = (members[start] as TierMember).selector;
    let end = start + 1;
    while (end < members.length && (members[end] as TierMember).selector === selector) end++;
    const run = members.slice(start, end);
    const enforced = enforcedIds(run);
    if (enforced.length <= 1) out.push(...enforced.map((id) => ({ kind: "policy" as const, id })));
    else out.push({ kind: "group", chain: groupChainName(direction, selector, run), selector, members: run });
    start = end;
  }
  return out;
}

/** The rules of a group chain (see the module comment for the stride). */
export function groupChainRules(members: readonly TierMember[], direction: Dir): IrRule[] {
  const verdict = Mark.accept | Mark.pass;
  const out: IrRule[] = [];
  enforcedIds(members).forEach((id, i) => {
    if (i > 0 && i % GROUP_RETURN_STRIDE === 0) out.push(rule(markNotClear(verdict), RETURN, ["Return on verdict"]));
    out.push(rule(i % GROUP_RETURN_STRIDE === 0 ? [] : markClear(verdict), jump(policyChainName(direction, id, IR_NAME))));
  });
  return out;
}

/** The group chains `tiers` jump to in `direction`, one per name. */
export function groupChains(tiers: readonly EndpointTier[], direction: Dir, into: Map<string, IrChain> = new Map()): Map<string, IrChain> {
  for (const tier of tiers) {
    for (const j of tierJumps(tier, direction)) {
      if (j.kind === "group" && !into.has(j.chain)) into.set(j.chain, irChain(j.chain, groupChainRules(j.members, direction)));
    }
  }
  return into;
}
