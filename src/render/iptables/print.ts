/**
 * The iptables printer of the rule IR (Felix's `iptables` renderer over `generictables`): match
 * terms and actions → the `match`/`action` fragments of an IptRule, and IR chains → hashed
 * iptables chains. The text is byte for byte what Felix v3.32 writes (felix-dataplane.md §4),
 * since the rule hash is computed over it (§6.1).
 */
import type { Action, IrChain, IrRule, MatchTerm, Side } from "../ir.js";
import { actionTarget } from "../ir.js";
import { ruleHashes, type RuleBody } from "../hash.js";
import { goHex, hex } from "../marks.js";
import { IPTABLES_MAX_CHAIN_NAME, limitChainName } from "../names.js";
import type { PortRange } from "../../resolve/types.js";
import { safeToken } from "../safe-token.js";
import type { Chain, IptRule, KernelChainHooks } from "../types.js";

/** Felix's default LogPrefix, rendered by its LOG action. */
export const LOG_ACTION = '--jump LOG --log-prefix "calico-packet: " --log-level 5';

/** `80`, `8080:8090`, joined by commas (multiport syntax). */
export function multiportList(ports: readonly PortRange[]): string {
  return ports.map((p) => (p.first === p.last ? `${p.first}` : `${p.first}:${p.last}`)).join(",");
}

const not = (negated: boolean | undefined): string => (negated ? "! " : "");
const direction = (side: Side): string => (side === "src" ? "source" : "destination");

export function iptMatchTerm(m: MatchTerm): string {
  switch (m.kind) {
    case "protocol":
      return `${not(m.negated)}-p ${m.protocol}`;
    case "net":
      return `${not(m.negated)}--${direction(m.side)} ${safeToken("network", m.cidr)}`;
    case "ipSet":
      return `-m set ${not(m.negated)}--match-set ${safeToken("ipset name", m.set)} ${m.side}`;
    case "ipPortSet":
      return `-m set ${not(m.negated)}--match-set ${safeToken("ipset name", m.set)} ${m.side},${m.side}`;
    case "ports":
      return `-m multiport ${not(m.negated)}--${direction(m.side)}-ports ${multiportList(m.ports)}`;
    case "icmp": {
      const value = m.icmp.code === undefined ? `${m.icmp.type}` : `${m.icmp.type}/${m.icmp.code}`;
      return `-m ${m.v6 ? "icmp6" : "icmp"} ${not(m.negated)}--${m.v6 ? "icmpv6" : "icmp"}-type ${value}`;
    }
    case "mark":
      if (m.test === "bitSet") return `-m mark --mark ${hex(m.mask)}/${hex(m.mask)}`;
      return `-m mark ${m.test === "notClear" ? "! " : ""}--mark 0/${hex(m.mask)}`;
    case "interface":
      return `--${m.dir}-interface ${m.name}${m.wildcard ? "+" : ""}`;
    case "ctState":
      return `-m conntrack --ctstate ${m.states.join(",")}`;
    case "ctDnat":
      return `-m conntrack ${not(m.negated)}--ctstate DNAT`;
    case "rpfFailed":
      return "-m rpfilter --invert --validmark";
    case "interfaceVmap":
      throw new Error(`iptables has no verdict maps (vmap ${m.map})`);
  }
}

export function iptAction(a: Action): string {
  switch (a.kind) {
    case "accept":
      return "--jump ACCEPT";
    case "drop":
      return "--jump DROP";
    case "return":
      return "--jump RETURN";
    case "notrack":
      return "--jump NOTRACK";
    case "jump":
      return `--jump ${iptChainName(a.target)}`;
    case "goto":
      return `--goto ${iptChainName(a.target)}`;
    case "setMark":
      return `--jump MARK --set-mark ${hex(a.bit)}/${hex(a.bit)}`;
    case "clearMark":
      return `--jump MARK --set-mark 0/${hex(a.mask)}`;
    case "setMaskedMark":
      return `--jump MARK --set-mark ${goHex(a.mark)}/${goHex(a.mask)}`;
    case "log":
      return LOG_ACTION;
  }
}

/** An IR rule as iptables fragments (comments, match, action), before hashing. */
export function iptBody(r: IrRule): RuleBody {
  return { comments: r.comments, match: r.match.map(iptMatchTerm).join(" "), action: r.action === undefined ? "" : iptAction(r.action) };
}

/** Hashed iptables rules; for rules appended to a kernel chain pass `<chain>*appends*`. */
export function iptRules(hashChainName: string, rules: readonly IrRule[]): IptRule[] {
  const bodies = rules.map(iptBody);
  const hashes = ruleHashes(hashChainName, bodies);
  return bodies.map((b, i) => ({ hash: hashes[i] ?? "", comments: b.comments, match: b.match, action: b.action }));
}

/** An IR chain name as iptables has it: per-object names hashed to 28 bytes. */
export const iptChainName = (name: string): string => limitChainName(name, IPTABLES_MAX_CHAIN_NAME);

/**
 * The IR each printed chain or hook list came from. A long-running caller that keeps printed
 * iptables chains (the agent engine) renders the same pieces for nftables from it (Felix's
 * `rules → generictables → iptables|nftables`): the IR is shared, the printing is not.
 */
const printedFrom = new WeakMap<object, IrChain | IrHooks>();

/** The IR chain `iptChain` printed this chain from (undefined: not printed by iptChain). */
export const irChainOf = (c: Chain): IrChain | undefined => printedFrom.get(c) as IrChain | undefined;

/** The IR hooks `iptHooks` printed these from. */
export const irHooksOf = (h: KernelChainHooks): IrHooks | undefined => printedFrom.get(h) as IrHooks | undefined;

export function iptChain(c: IrChain): Chain {
  const name = iptChainName(c.name);
  const chain = { name, rules: iptRules(name, c.rules) };
  printedFrom.set(chain, c);
  return chain;
}

export const iptChains = (chains: readonly IrChain[]): Chain[] => chains.map(iptChain);

/** Rules policy-compile owns inside one kernel chain, in the IR. */
export interface IrHooks {
  readonly chain: KernelChainHooks["chain"];
  readonly inserts: readonly IrRule[];
  readonly appends: readonly IrRule[];
}

export function iptHooks(h: IrHooks): KernelChainHooks {
  const hooks = { chain: h.chain, inserts: iptRules(h.chain, h.inserts), appends: iptRules(`${h.chain}*appends*`, h.appends) };
  printedFrom.set(hooks, h);
  return hooks;
}

/** The jump/goto target of an IR rule (reference checks, reachability). */
export const irRuleTarget = (r: IrRule): string | undefined => actionTarget(r.action);
