/**
 * One Calico rule → one or more IR rules (Felix's `ProtoRuleToIptablesRules`,
 * felix-dataplane.md §4.3–§4.4).
 *
 * iptables cannot OR inside one rule, allows one `--source`/`--destination` and 15 multiport
 * slots, so when a rule needs more, Felix computes the match in *blocks* of rules that leave
 * their verdict in mark bits: scratch0 ("all blocks passed so far") and scratch1 ("this block
 * passed"). The main rule then matches the remaining criteria plus scratch0. Positive blocks
 * come first (source ports, destination ports, source nets, destination nets) so the first one
 * can write scratch0 directly; negated net blocks clear scratch0 on a hit.
 */
import type { Protocol } from "../model/types.js";
import type { PortRange, ResolvedRule } from "../resolve/types.js";
import { DROP, LOG, RETURN, rule, type IrRule } from "./chain.js";
import { Mark, clearMark, markClear, markSingleBitSet, setMark, setMaskedMark } from "./marks.js";
import { ipPortSetTerm, netTerm, portsTerm, protocolTerm, ruleMatchTerms, splitPortList, type Side } from "./rule-match.js";
import type { MatchTerm } from "./ir.js";

class MatchBlocks {
  readonly rules: IrRule[] = [];
  using = false;
  private doneFirstPositive = false;

  private start(initialBits: number): void {
    if (this.using) return;
    this.rules.push(rule([], setMaskedMark(initialBits, Mark.scratch0 | Mark.scratch1)));
    this.using = true;
  }

  private positiveBit(): number {
    return this.doneFirstPositive ? Mark.scratch1 : Mark.scratch0;
  }

  private finishPositive(): void {
    if (!this.doneFirstPositive) {
      this.doneFirstPositive = true;
      return;
    }
    this.rules.push(rule(markClear(Mark.scratch1), clearMark(Mark.scratch0)));
  }

  ports(protocol: Protocol | undefined, splits: readonly PortRange[][], namedSets: readonly string[], side: Side): void {
    this.start(0);
    const bit = this.positiveBit();
    for (const split of splits) {
      const proto = protocol === undefined ? [] : [protocolTerm(protocol)];
      this.rules.push(rule([...proto, portsTerm(side, split)], setMark(bit)));
    }
    for (const set of namedSets) this.rules.push(rule(ipPortSetTerm(side, set), setMark(bit)));
    this.finishPositive();
  }

  nets(cidrs: readonly string[], side: Side): void {
    this.start(0);
    const bit = this.positiveBit();
    for (const cidr of cidrs) this.rules.push(rule(netTerm(side, cidr), setMark(bit)));
    this.finishPositive();
  }

  negatedNets(cidrs: readonly string[], side: Side): void {
    this.start(Mark.scratch0);
    for (const cidr of cidrs) this.rules.push(rule(netTerm(side, cidr), clearMark(Mark.scratch0)));
  }
}

/** The IR rules for one rule, before the chain-level comment and RETURN stripping. */
export function renderRule(input: ResolvedRule): IrRule[] {
  let r = input;
  const blocks = new MatchBlocks();

  const srcSplits = splitPortList(r.srcPorts);
  if (srcSplits.length + r.srcNamedPortIpSets.length > 1) {
    blocks.ports(r.protocol, srcSplits, r.srcNamedPortIpSets, "src");
    r = { ...r, srcPorts: [], srcNamedPortIpSets: [] };
  }
  const dstSplits = splitPortList(r.dstPorts);
  if (dstSplits.length + r.dstNamedPortIpSets.length > 1) {
    blocks.ports(r.protocol, dstSplits, r.dstNamedPortIpSets, "dst");
    r = { ...r, dstPorts: [], dstNamedPortIpSets: [] };
  }
  if (r.srcNets.length > 1) {
    blocks.nets(r.srcNets, "src");
    r = { ...r, srcNets: [] };
  }
  if (r.dstNets.length > 1) {
    blocks.nets(r.dstNets, "dst");
    r = { ...r, dstNets: [] };
  }
  // Counted after a positive block took the positive nets, as Felix's policy.go does
  // (`totalSrcMatches := len(ruleCopy.SrcNet) + len(ruleCopy.NotSrcNet)` after `SrcNet = nil`):
  // two positive nets and one negated one keep the negation in the main rule. felix-nftables.md
  // §3.5's worked chain lists it as a block rule instead (I7-0mYayMY-X6fHx); both match the same
  // packets, and the source decides (docs/compatibility.md).
  if (r.srcNets.length + r.notSrcNets.length > 1) {
    blocks.negatedNets(r.notSrcNets, "src");
    r = { ...r, notSrcNets: [] };
  }
  if (r.dstNets.length + r.notDstNets.length > 1) {
    blocks.negatedNets(r.notDstNets, "dst");
    r = { ...r, notDstNets: [] };
  }

  const match = ruleMatchTerms(r);
  if (blocks.using) match.push(markSingleBitSet(Mark.scratch0));

  const out = [...blocks.rules, ...actionRules(r.action, match)];
  const annotations = Object.keys(input.annotations)
    .sort()
    .map((k) => `${k}=${input.annotations[k] ?? ""}`);
  if (annotations.length === 0) return out;
  return out.map((b) => ({ ...b, comments: [...b.comments, ...rule([], undefined, annotations).comments] }));
}

/** Felix's `CombineMatchAndActionsForProtoRule` without flow logs. */
function actionRules(action: ResolvedRule["action"], match: readonly MatchTerm[]): IrRule[] {
  switch (action) {
    case "Log":
      return [rule(match, LOG)];
    case "Allow":
      return [rule(match, setMark(Mark.accept)), rule(markSingleBitSet(Mark.accept), RETURN)];
    case "Pass":
      return [rule(match, setMark(Mark.pass)), rule(markSingleBitSet(Mark.pass), RETURN)];
    case "Deny":
      return [rule(match, setMark(Mark.drop)), rule(markSingleBitSet(Mark.drop), DROP)];
  }
}

/**
 * The rules of a policy or profile chain: every rule rendered, trailing RETURNs stripped (they
 * are no-ops), and the chain comment appended to the first rule's comments (an empty chain gets
 * one comment-only rule, which just counts packets).
 */
export function renderRuleList(rules: readonly ResolvedRule[], chainComment: string): IrRule[] {
  const out = rules.flatMap(renderRule);
  while (out.length > 0 && out[out.length - 1]?.action?.kind === "return") out.pop();
  const comment = rule([], undefined, [chainComment]).comments;
  const first = out[0];
  if (first === undefined) return [{ match: [], comments: comment }];
  out[0] = { ...first, comments: [...first.comments, ...comment] };
  return out;
}
