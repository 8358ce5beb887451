/**
 * Rule fragments → predicates and actions, for exactly the iptables syntax policy-compile
 * renders (and its iptables-save spellings). Anything else is a TraceError: a trace that
 * guessed what an unknown match means would be worse than none.
 */
import { TraceError } from "./errors.js";
import { inNet, inNet6, parseIpv4Net, parseIpv6Net, type Address } from "./ip.js";
import type { SetLookup } from "./sets.js";

/** The packet as the interpreter sees it; `mark` changes as MARK rules run. */
export interface PacketState {
  /** A number in an IPv4 state, a bigint in an IPv6 state. */
  readonly src: Address;
  readonly dst: Address;
  readonly protocol: number;
  readonly srcPort: number | undefined;
  readonly dstPort: number | undefined;
  readonly icmpType: number | undefined;
  readonly icmpCode: number | undefined;
  readonly inInterface: string;
  readonly outInterface: string;
  /** NEW for the first packet; a raw-table NOTRACK makes it UNTRACKED for the later tables. */
  ctState: string;
  mark: number;
  /** Whether the source / destination is one of the host's own addresses (nft `fib … type local`). */
  readonly srcLocal?: boolean;
  readonly dstLocal?: boolean;
}

export type Predicate = (p: PacketState) => boolean;

export type RuleAction =
  | { readonly kind: "none" }
  | { readonly kind: "accept" }
  | { readonly kind: "drop" }
  | { readonly kind: "return" }
  | { readonly kind: "log" }
  /** raw table: the packet skips conntrack (its ctstate is UNTRACKED from then on); not terminal. */
  | { readonly kind: "notrack" }
  | { readonly kind: "jump" | "goto"; readonly target: string }
  | { readonly kind: "mark"; readonly value: number; readonly mask: number }
  /** nft `iifname vmap @m` / `oifname vmap @m`: an exact-key lookup; a miss matches nothing. */
  | { readonly kind: "vmap"; readonly lookup: (p: PacketState) => MapHit | undefined };

/** What a verdict map element says: `cali1234 : goto filter-cali-fw-cali1234`. */
export interface MapHit {
  readonly action: Extract<RuleAction, { readonly kind: "goto" | "jump" | "return" }>;
  /** The element as written. */
  readonly element: string;
}

export const PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
};

const fail = (fragment: string, why: string): never => {
  throw new TraceError(`cannot trace rule fragment "${fragment}": ${why}`, "PC8002");
};

function protocolNumber(fragment: string, text: string | undefined): number {
  if (text === undefined) return fail(fragment, "-p without a protocol");
  if (/^\d+$/.test(text) && Number(text) <= 255) return Number(text);
  const n = PROTOCOLS[text.toLowerCase()];
  return n ?? fail(fragment, `unknown protocol ${text}`);
}

function u32(fragment: string, text: string | undefined): number {
  if (text === undefined || !/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) return fail(fragment, `expected a number, found ${String(text)}`);
  const n = Number(text);
  return n > 0xffffffff ? fail(fragment, `${text} is more than 32 bits`) : n;
}

/** `V/M` or `V` (mask all ones). */
function valueMask(fragment: string, text: string | undefined): { value: number; mask: number } {
  const [v, m, extra] = (text ?? "").split("/");
  if (extra !== undefined) fail(fragment, `bad value/mask ${String(text)}`);
  return { value: u32(fragment, v), mask: m === undefined ? 0xffffffff : u32(fragment, m) };
}

function portRanges(fragment: string, text: string | undefined): [number, number][] {
  if (text === undefined) return fail(fragment, "multiport without ports");
  return text.split(",").map((r) => {
    const [a, b, extra] = r.split(":");
    if (extra !== undefined || !/^\d+$/.test(a ?? "") || (b !== undefined && !/^\d+$/.test(b))) fail(fragment, `bad port ${r}`);
    const first = Number(a);
    return [first, b === undefined ? first : Number(b)];
  });
}

const negate = (neg: boolean, p: Predicate): Predicate => (neg ? (x) => !p(x) : p);

/** Options each `-m` module takes; an option under the wrong module is not understood. */
const MODULE_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  conntrack: ["--ctstate"],
  mark: ["--mark"],
  multiport: ["--destination-ports", "--dports", "--source-ports", "--sports"],
  set: ["--match-set"],
  icmp: ["--icmp-type"],
  icmp6: ["--icmpv6-type"],
  rpfilter: ["--invert", "--validmark"],
};

/**
 * One predicate per condition of the match fragment; the rule matches when all hold. `ipVersion`
 * is the state's family: a `--source`/`--destination` of the other family cannot be traced.
 */
export function compileMatch(fragment: string, sets: (name: string) => SetLookup | undefined, ipVersion: 4 | 6 = 4): Predicate[] {
  return compileMatchParts(fragment, sets, ipVersion).map((p) => p.pred);
}

/** One condition of a rule's match: its predicate and the tokens it was read from (`-m set --match-set X src`). */
export interface MatchPart {
  readonly text: string;
  readonly pred: Predicate;
}

/** compileMatch, keeping each condition's text (explain says which condition of a rule a packet failed). */
export function compileMatchParts(fragment: string, sets: (name: string) => SetLookup | undefined, ipVersion: 4 | 6 = 4): MatchPart[] {
  const t = fragment.split(/\s+/).filter((x) => x !== "");
  const preds: MatchPart[] = [];
  /** Where the `-m module` whose first option is still to come starts. */
  let moduleStart: number | undefined;
  let module: string | undefined;
  let neg = false;
  for (let i = 0; i < t.length; i++) {
    const tok = t[i] as string;
    if (tok === "!") {
      if (neg) fail(fragment, "double negation");
      neg = true;
      continue;
    }
    const arg = (): string | undefined => t[++i];
    if (tok === "-m" || tok === "--match") {
      if (neg) fail(fragment, "negated -m");
      moduleStart = i;
      module = arg();
      if (module === undefined || !(module in MODULE_OPTIONS)) fail(fragment, `unknown match module ${String(module)}`);
      continue;
    }
    if (tok.startsWith("--") && module !== undefined && !(MODULE_OPTIONS[module] ?? []).includes(tok) && !GENERIC.has(tok)) {
      fail(fragment, `option ${tok} is not one of -m ${module}'s`);
    }
    if ((tok === "--invert" || tok === "--validmark") && module !== "rpfilter") fail(fragment, `${tok} outside -m rpfilter`);
    const first = neg ? i - 1 : i;
    const pred = negate(neg, condition(fragment, tok, arg, sets, ipVersion));
    // The module's first option carries its `-m module` in its text.
    preds.push({ text: t.slice(moduleStart ?? first, i + 1).join(" "), pred });
    moduleStart = undefined;
    neg = false;
  }
  if (neg) fail(fragment, "trailing !");
  return preds;
}

const GENERIC = new Set(["--protocol", "--source", "--destination", "--in-interface", "--out-interface"]);

function interfaceMatch(name: string | undefined, fragment: string, get: (p: PacketState) => string): Predicate {
  if (name === undefined || name === "") return fail(fragment, "interface option without a name");
  if (name.endsWith("+")) {
    const prefix = name.slice(0, -1);
    return (p) => get(p).startsWith(prefix);
  }
  return (p) => get(p) === name;
}

function condition(fragment: string, tok: string, arg: () => string | undefined, sets: (name: string) => SetLookup | undefined, ipVersion: 4 | 6): Predicate {
  switch (tok) {
    case "-p":
    case "--protocol": {
      const n = protocolNumber(fragment, arg());
      return (p) => p.protocol === n;
    }
    case "-s":
    case "--source":
    case "-d":
    case "--destination": {
      const text = arg();
      const src = tok === "-s" || tok === "--source";
      if (ipVersion === 6) {
        const net6 = text === undefined ? undefined : parseIpv6Net(text);
        if (!net6) return fail(fragment, `${String(text)} is not an IPv6 network`);
        return (p) => {
          const a = src ? p.src : p.dst;
          return typeof a === "bigint" && inNet6(a, net6);
        };
      }
      const net = text === undefined ? undefined : parseIpv4Net(text);
      if (!net) return fail(fragment, `${String(text)} is not an IPv4 network`);
      return src ? (p) => typeof p.src === "number" && inNet(p.src, net) : (p) => typeof p.dst === "number" && inNet(p.dst, net);
    }
    case "-i":
    case "--in-interface":
      return interfaceMatch(arg(), fragment, (p) => p.inInterface);
    case "-o":
    case "--out-interface":
      return interfaceMatch(arg(), fragment, (p) => p.outInterface);
    case "--ctstate": {
      const states = new Set((arg() ?? "").split(","));
      for (const s of states) if (!["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED", "SNAT", "DNAT"].includes(s)) fail(fragment, `unknown ctstate ${s}`);
      // A NEW packet of a flow without NAT (policy-compile programs no services) has state
      // NEW and is neither SNAT nor DNAT.
      return (p) => states.has(p.ctState);
    }
    case "--mark": {
      const { value, mask } = valueMask(fragment, arg());
      return (p) => ((p.mark & mask) >>> 0) === value;
    }
    case "--destination-ports":
    case "--dports":
    case "--source-ports":
    case "--sports": {
      const ranges = portRanges(fragment, arg());
      const dst = tok === "--destination-ports" || tok === "--dports";
      return (p) => {
        const port = dst ? p.dstPort : p.srcPort;
        if (port === undefined) return fail(fragment, "multiport reached by a packet without ports (the rule lacks -p)");
        return ranges.some(([a, b]) => port >= a && port <= b);
      };
    }
    case "--match-set": {
      const name = arg();
      const flags = arg();
      const set = name === undefined ? undefined : sets(name);
      if (!set) return fail(fragment, `no ipset ${String(name)} in the state`);
      if (set.type === "hash:net") {
        if (flags === "src") return (p) => set.has(p.src);
        if (flags === "dst") return (p) => set.has(p.dst);
      } else {
        if (flags === "src,src") return (p) => set.has(p.src, p.protocol, p.srcPort);
        if (flags === "dst,dst") return (p) => set.has(p.dst, p.protocol, p.dstPort);
      }
      return fail(fragment, `flags ${String(flags)} for ${set.type} set ${String(name)}`);
    }
    case "--validmark":
      // Felix's raw anti-spoofing check (`-m rpfilter --invert --validmark`) on workload
      // traffic. The trace assumes the source is reachable back through the interface it came
      // in on (policy-compile programs no routes), so the plain match always holds.
      return () => true;
    case "--invert":
      // --invert is rpfilter's own negation flag: the packet failed the reverse-path check.
      return () => false;
    case "--icmp-type":
    case "--icmpv6-type": {
      const v6 = tok === "--icmpv6-type";
      const proto = v6 ? 58 : 1;
      const text = arg() ?? "";
      const m = /^(\d+)(?:\/(\d+))?$/.exec(text);
      if (!m) return fail(fragment, `ICMP type ${text} (only numeric type[/code] is traced)`);
      const type = Number(m[1]);
      const code = m[2] === undefined ? undefined : Number(m[2]);
      // -m icmp --icmp-type T matches every code of type T; it never matches a non-ICMP packet
      // (-m icmp6 --icmpv6-type the same for ICMPv6).
      return (p) => p.protocol === proto && p.icmpType === type && (code === undefined || p.icmpCode === code);
    }
    default:
      return fail(fragment, `unknown option ${tok}`);
  }
}

const LOG_OPTIONS = /^--jump LOG(?: --log-prefix "[^"]*")?(?: --log-level \d+)?$/;

export function compileAction(fragment: string): RuleAction {
  if (fragment === "") return { kind: "none" };
  if (LOG_OPTIONS.test(fragment)) return { kind: "log" };
  const t = fragment.split(/\s+/);
  const [verb, target, opt, val, extra] = t;
  const isJump = verb === "--jump" || verb === "-j";
  const isGoto = verb === "--goto" || verb === "-g";
  if ((!isJump && !isGoto) || target === undefined) return fail(fragment, "expected --jump or --goto");
  if (isGoto) {
    if (t.length !== 2) fail(fragment, "extra words after --goto");
    return { kind: "goto", target };
  }
  if (target === "MARK") {
    if (extra !== undefined) fail(fragment, "extra words after the mark");
    const { value, mask } = valueMask(fragment, val);
    // iptables' --set-mark V/M is --set-xmark V/(M|V): clear M, then set V.
    if (opt === "--set-mark") return { kind: "mark", value, mask: (mask | value) >>> 0 };
    if (opt === "--set-xmark") return { kind: "mark", value, mask };
    return fail(fragment, `unknown MARK option ${String(opt)}`);
  }
  if (t.length !== 2) return fail(fragment, `options after --jump ${target}`);
  if (target === "ACCEPT") return { kind: "accept" };
  if (target === "DROP") return { kind: "drop" };
  if (target === "RETURN") return { kind: "return" };
  if (target === "NOTRACK") return { kind: "notrack" };
  if (/^[A-Z]+$/.test(target)) return fail(fragment, `target ${target} is not traced`);
  return { kind: "jump", target };
}
