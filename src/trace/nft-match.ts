/**
 * nft rule bodies → predicates and an action, for exactly the text the nftables renderer writes
 * (felix-nftables.md §3.3, §3.4, §3.5, §3.8): match clauses, then `counter` and the action
 * when the rule has one, `continue` for an empty rule, `iifname|oifname vmap @map` for
 * dispatch. Anything else is a TraceError (PC8002): a trace that guessed what an unknown
 * clause means would be worse than none.
 *
 * Kernel semantics the predicates follow:
 * - a transport clause (`tcp dport …`, `icmp type …`) carries nft's implicit protocol
 *   dependency: it never matches a packet of another protocol, negated or not;
 * - `ct status` of an untracked packet has no conntrack entry to read, so neither `ct status
 *   dnat` nor `ct status != dnat` matches it (`ct state` reads `untracked`);
 * - the first packet of a flow is within every rate limit (`limit rate …` matches, `limit rate
 *   over …` does not) and is its source's first connection (`ct count over N` matches for N = 0);
 * - `fib saddr . mark . iif oif 0` (the reverse-path check failed) never matches: policy-compile
 *   programs no routes, so the trace assumes the source is reachable back through its interface,
 *   as the iptables trace does for `-m rpfilter --invert`;
 * - `fib saddr|daddr type local` asks whether the address is the host's own: the path says so
 *   (output: the source; input: the destination; forward: neither).
 */
import { TraceError } from "./errors.js";
import { inNet, inNet6, parseIpv4Net, parseIpv6Net } from "./ip.js";
import { PROTOCOLS, type MapHit, type PacketState, type Predicate, type RuleAction } from "./match.js";
import type { SetLookup } from "./sets.js";

/** One interpreted body: its display parts and meaning. */
export interface NftCompiled {
  /** The clauses before `counter` (or before the vmap clause). */
  readonly match: string;
  /** `counter` and after it, the vmap clause, `continue`, or "". */
  readonly action: string;
  readonly preds: Predicate[];
  readonly act: RuleAction;
}

/** What a body refers to outside itself. */
export interface NftContext {
  readonly family: "ip" | "ip6";
  /** A named set by name (without `@`), or undefined when the state has none of that name. */
  set(name: string): SetLookup | undefined;
  /** A verdict map's lookup by name, or undefined when the state has none. */
  map(name: string): ((key: string) => MapHit | undefined) | undefined;
}

const TOKEN = /"[^"]*"|\{[^{}]*\}|\S+/g;

const fail = (body: string, why: string): never => {
  throw new TraceError(`cannot trace nft rule "${body}": ${why}`, "PC8002");
};

const NFT_PROTOCOLS: Readonly<Record<string, number>> = { ...PROTOCOLS, "ipv6-icmp": 58 };
const TRANSPORT: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132, udplite: 136 };

/** Cursor over a body's tokens. */
class Tokens {
  private i = 0;
  constructor(
    readonly body: string,
    private readonly t: readonly string[],
  ) {}
  peek(offset = 0): string | undefined {
    return this.t[this.i + offset];
  }
  next(what: string): string {
    const tok = this.t[this.i++];
    return tok ?? fail(this.body, `expected ${what}, found the end of the rule`);
  }
  expect(word: string): void {
    const tok = this.next(word);
    if (tok !== word) fail(this.body, `expected ${word}, found ${tok}`);
  }
  /** `!=` when present (consumed); `==` is also accepted and means equality. */
  negation(): boolean {
    if (this.peek() === "!=") return (this.i++, true);
    if (this.peek() === "==") this.i++;
    return false;
  }
  get done(): boolean {
    return this.i >= this.t.length;
  }
  /** The original text from token `from` to the current position. */
  get position(): number {
    return this.i;
  }
  rest(from: number): string {
    return this.t.slice(from, this.i).join(" ");
  }
}

const negate = (neg: boolean, p: Predicate): Predicate => (neg ? (x) => !p(x) : p);

function u32(body: string, text: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/.test(text)) return fail(body, `expected a number, found ${text}`);
  const n = Number(text);
  return n > 0xffffffff ? fail(body, `${text} is more than 32 bits`) : n;
}

function byte(body: string, text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 255) return fail(body, `${what} ${text} (only a number 0..255 is traced)`);
  return Number(text);
}

/** `{ 80, 8080-8090 }`, `80`, `8080-8090` → ranges. */
function portRanges(body: string, text: string): [number, number][] {
  const inner = text.startsWith("{") ? text.slice(1, -1).trim() : text;
  if (inner === "") return fail(body, "empty port set");
  return inner.split(/\s*,\s*/).map((r) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m || Number(m[1]) > 65535 || Number(m[2] ?? m[1]) > 65535) return fail(body, `bad port ${r}`);
    return [Number(m[1]), Number(m[2] ?? m[1])];
  });
}

function protocolNumber(body: string, text: string): number {
  if (/^\d+$/.test(text) && Number(text) <= 255) return Number(text);
  return NFT_PROTOCOLS[text] ?? fail(body, `unknown protocol ${text}`);
}

/** `cali*` matches names starting `cali`; anything else is an exact name. */
function interfacePredicate(body: string, written: string, get: (p: PacketState) => string): Predicate {
  // A name with `.`, `:` or `@` is written quoted (nft's lexer would split it).
  const quoted = /^"([A-Za-z0-9_.:@-]+\*?)"$/.exec(written);
  const name = quoted ? (quoted[1] as string) : written;
  if (!/^[A-Za-z0-9_.:@-]+\*?$/.test(name) || (!quoted && !/^[A-Za-z0-9_-]+\*?$/.test(name))) return fail(body, `interface ${written}`);
  if (name.endsWith("*")) {
    const prefix = name.slice(0, -1);
    return (p) => get(p).startsWith(prefix);
  }
  return (p) => get(p) === name;
}

/** `ip saddr …` / `ip6 daddr …`, including the `addr . meta l4proto . th port` concatenation. */
function addressClause(t: Tokens, ctx: NftContext, fam: string): Predicate {
  if (fam !== ctx.family) return fail(t.body, `${fam} match in an ${ctx.family} table`);
  const dir = t.next("saddr or daddr");
  if (dir !== "saddr" && dir !== "daddr") return fail(t.body, `${fam} ${dir}`);
  const src = dir === "saddr";
  if (t.peek() === ".") {
    t.expect(".");
    t.expect("meta");
    t.expect("l4proto");
    t.expect(".");
    t.expect("th");
    const port = t.next("sport or dport");
    if (port !== (src ? "sport" : "dport")) fail(t.body, `${fam} ${dir} . meta l4proto . th ${port}`);
    const neg = t.negation();
    const set = namedSet(t, ctx, "hash:ip,port");
    return negate(neg, src ? (p) => set.has(p.src, p.protocol, p.srcPort) : (p) => set.has(p.dst, p.protocol, p.dstPort));
  }
  const neg = t.negation();
  if (t.peek()?.startsWith("@")) {
    const set = namedSet(t, ctx, "hash:net");
    return negate(neg, src ? (p) => set.has(p.src) : (p) => set.has(p.dst));
  }
  const text = t.next("an address");
  if (fam === "ip6") {
    const net = parseIpv6Net(text) ?? fail(t.body, `${text} is not an IPv6 network`);
    return negate(neg, (p) => {
      const a = src ? p.src : p.dst;
      return typeof a === "bigint" && inNet6(a, net);
    });
  }
  const net = parseIpv4Net(text) ?? fail(t.body, `${text} is not an IPv4 network`);
  return negate(neg, (p) => {
    const a = src ? p.src : p.dst;
    return typeof a === "number" && inNet(a, net);
  });
}

function namedSet(t: Tokens, ctx: NftContext, type: SetLookup["type"]): SetLookup {
  const ref = t.next("@set");
  if (!ref.startsWith("@")) return fail(t.body, `expected @set, found ${ref}`);
  const set = ctx.set(ref.slice(1)) ?? fail(t.body, `no set ${ref.slice(1)} in the table`);
  if (set.type !== type) fail(t.body, `set ${ref.slice(1)} is not ${type === "hash:net" ? "an address" : "an address . proto . port"} set`);
  return set;
}

/** `tcp dport { 80, 443 }`: the protocol dependency, then the port test. */
function portClause(t: Tokens, proto: number): Predicate {
  const dir = t.next("sport or dport");
  if (dir !== "sport" && dir !== "dport") return fail(t.body, `port field ${dir}`);
  const neg = t.negation();
  const ranges = portRanges(t.body, t.next("ports"));
  return (p) => {
    if (p.protocol !== proto) return false;
    const port = dir === "dport" ? p.dstPort : p.srcPort;
    if (port === undefined) return false;
    return ranges.some(([a, b]) => port >= a && port <= b) !== neg;
  };
}

/** `icmp type 8`, `icmp code 0`, `icmp type . icmp code != { 8 . 0 }` (and icmpv6). */
function icmpClause(t: Tokens, word: string): Predicate {
  const proto = word === "icmp" ? 1 : 58;
  const field = t.next("type or code");
  if (field !== "type" && field !== "code") return fail(t.body, `${word} ${field}`);
  if (field === "type" && t.peek() === ".") {
    t.expect(".");
    t.expect(word);
    t.expect("code");
    const neg = t.negation();
    const text = t.next("{ type . code }");
    if (!text.startsWith("{")) fail(t.body, `expected { type . code, … }, found ${text}`);
    const pairs = text
      .slice(1, -1)
      .trim()
      .split(/\s*,\s*/)
      .map((e) => {
        const m = /^(\d+) \. (\d+)$/.exec(e);
        if (!m) return fail(t.body, `ICMP element ${e} (only numeric type . code is traced)`);
        return [byte(t.body, m[1] as string, "ICMP type"), byte(t.body, m[2] as string, "ICMP code")] as const;
      });
    return (p) => p.protocol === proto && pairs.some(([ty, co]) => p.icmpType === ty && p.icmpCode === co) !== neg;
  }
  const neg = t.negation();
  const value = byte(t.body, t.next(`ICMP ${field}`), `ICMP ${field}`);
  return (p) => p.protocol === proto && ((field === "type" ? p.icmpType : p.icmpCode) === value) !== neg;
}

/** `meta mark & 0x10000 == 0x10000`, `meta mark & 0x30000 != 0`. */
function markClause(t: Tokens): Predicate {
  t.expect("&");
  const mask = u32(t.body, t.next("a mask"));
  const op = t.next("== or !=");
  if (op !== "==" && op !== "!=") return fail(t.body, `mark comparison ${op}`);
  const value = u32(t.body, t.next("a value"));
  return (p) => (((p.mark & mask) >>> 0) === value) !== (op === "!=");
}

const CT_STATES = new Set(["new", "established", "related", "invalid", "untracked"]);

function ctClause(t: Tokens): Predicate {
  const what = t.next("state, status or count");
  if (what === "state") {
    const neg = t.negation();
    const states = t.next("states").split(",");
    for (const s of states) if (!CT_STATES.has(s)) fail(t.body, `unknown ct state ${s}`);
    return (p) => states.includes(p.ctState.toLowerCase()) !== neg;
  }
  if (what === "status") {
    const neg = t.negation();
    const status = t.next("a status");
    if (status !== "dnat" && status !== "snat") return fail(t.body, `ct status ${status}`);
    // policy-compile programs no NAT: a tracked first packet is neither; an untracked one has no entry.
    return (p) => p.ctState !== "UNTRACKED" && neg;
  }
  if (what === "count") {
    t.expect("over");
    const n = u32(t.body, t.next("a count"));
    return (p) => p.ctState !== "UNTRACKED" && 1 > n;
  }
  return fail(t.body, `ct ${what}`);
}

/** `fib saddr . mark . iif oif 0` and `fib saddr [. oif] type [!=] local`, `fib daddr type [!=] local`. */
function fibClause(t: Tokens): Predicate {
  const addr = t.next("saddr or daddr");
  if (addr !== "saddr" && addr !== "daddr") return fail(t.body, `fib ${addr}`);
  if (addr === "saddr" && t.peek() === "." && t.peek(1) === "mark") {
    for (const w of [".", "mark", ".", "iif", "oif", "0"]) t.expect(w);
    return () => false;
  }
  if (addr === "saddr" && t.peek() === ".") {
    t.expect(".");
    t.expect("oif");
  }
  t.expect("type");
  const neg = t.negation();
  const type = t.next("an address type");
  if (type !== "local") return fail(t.body, `fib address type ${type}`);
  return addr === "saddr" ? (p) => (p.srcLocal === true) !== neg : (p) => (p.dstLocal === true) !== neg;
}

/** `limit rate [over] N/unit [burst N packets]`: true when the first packet passes it. */
function limitClause(t: Tokens): boolean {
  t.expect("rate");
  const over = t.peek() === "over";
  if (over) t.next("over");
  const rate = t.next("a rate");
  if (!/^\d+\/(second|minute|hour|day)$/.test(rate)) fail(t.body, `limit rate ${rate}`);
  if (t.peek() === "burst") {
    t.next("burst");
    u32(t.body, t.next("a burst"));
    t.expect("packets");
  }
  return !over;
}

function matchClause(t: Tokens, ctx: NftContext, word: string): Predicate {
  switch (word) {
    case "ip":
    case "ip6":
      return addressClause(t, ctx, word);
    case "tcp":
    case "udp":
    case "sctp":
    case "udplite":
      return portClause(t, TRANSPORT[word] as number);
    case "icmp":
    case "icmpv6":
      return icmpClause(t, word);
    case "iifname":
    case "oifname": {
      const neg = t.negation();
      const name = t.next("an interface name");
      return negate(neg, interfacePredicate(t.body, name, word === "iifname" ? (p) => p.inInterface : (p) => p.outInterface));
    }
    case "meta": {
      const key = t.next("l4proto or mark");
      if (key === "mark") return markClause(t);
      if (key !== "l4proto") return fail(t.body, `meta ${key}`);
      const neg = t.negation();
      const n = protocolNumber(t.body, t.next("a protocol"));
      return negate(neg, (p) => p.protocol === n);
    }
    case "ct":
      return ctClause(t);
    case "fib":
      return fibClause(t);
    case "limit": {
      const passes = limitClause(t);
      return () => passes;
    }
    default:
      return fail(t.body, `unknown clause ${word}`);
  }
}

/** `meta mark set mark or V`, `… mark & A`, `… mark & A ^ V` as (clear ~A, then xor V). */
function markAction(t: Tokens): RuleAction {
  t.expect("mark");
  t.expect("set");
  t.expect("mark");
  const op = t.next("or or &");
  if (op === "or") {
    const v = u32(t.body, t.next("a mark"));
    return { kind: "mark", value: v, mask: v };
  }
  if (op !== "&") return fail(t.body, `mark operator ${op}`);
  const keep = u32(t.body, t.next("a mask"));
  let value = 0;
  if (t.peek() === "^") {
    t.next("^");
    value = u32(t.body, t.next("a mark"));
  }
  return { kind: "mark", value, mask: ~keep >>> 0 };
}

function logAction(t: Tokens): RuleAction {
  while (!t.done) {
    const opt = t.next("a log option");
    const arg = t.next(`the value of ${opt}`);
    const ok =
      (opt === "prefix" && /^"[^"]*"$/.test(arg)) || (opt === "level" && /^(emerg|alert|crit|err|warn|notice|info|debug)$/.test(arg)) || ((opt === "snaplen" || opt === "group") && /^\d+$/.test(arg));
    if (!ok) fail(t.body, `log ${opt} ${arg}`);
  }
  return { kind: "log" };
}

/** The action after `counter`; `limit rate over …` / `ct count over …` before it gate the action. */
function action(t: Tokens, gates: Predicate[]): RuleAction {
  if (t.done) return { kind: "none" };
  const verb = t.next("an action");
  const only = (a: RuleAction): RuleAction => (t.done ? a : fail(t.body, `words after ${verb}`));
  switch (verb) {
    case "accept":
    case "drop":
    case "return":
      return only({ kind: verb });
    case "continue":
      return only({ kind: "none" });
    case "notrack":
      return only({ kind: "notrack" });
    case "reject":
      // The packet is dropped (and an error or reset sent): a deny.
      if (t.peek() === "with") {
        t.next("with");
        const how = `${t.next("a reject type")} ${t.next("a reject type")}`;
        if (how !== "tcp reset" && !/^icmpx? (port-unreachable|admin-prohibited|host-unreachable)$/.test(how)) fail(t.body, `reject with ${how}`);
      }
      return only({ kind: "drop" });
    case "jump":
    case "goto": {
      const target = t.next("a chain");
      return only({ kind: verb, target });
    }
    case "meta":
      return only(markAction(t));
    case "log":
      return logAction(t);
    case "limit":
      gates.push(limitClause(t) ? () => true : () => false);
      return action(t, gates);
    case "ct":
      if (t.peek() !== "count") return fail(t.body, `ct ${String(t.peek())} as an action`);
      gates.push(ctClause(t));
      return action(t, gates);
    default:
      return fail(t.body, `unknown action ${verb}`);
  }
}

/** Interpret one rule body. */
export function compileNftBody(body: string, ctx: NftContext): NftCompiled {
  const tokens = new Tokens(body, body.match(TOKEN) ?? []);
  const preds: Predicate[] = [];
  if (body === "continue") return { match: "", action: "continue", preds, act: { kind: "none" } };
  while (!tokens.done) {
    const word = tokens.peek() as string;
    if (word === "counter") {
      const match = tokens.rest(0);
      tokens.next("counter");
      const from = tokens.position;
      const act = action(tokens, preds);
      return { match, action: `counter${from === tokens.position ? "" : ` ${tokens.rest(from)}`}`, preds, act };
    }
    if ((word === "iifname" || word === "oifname") && tokens.peek(1) === "vmap") {
      const match = tokens.rest(0);
      tokens.next(word);
      tokens.next("vmap");
      const ref = tokens.next("@map");
      const lookup = ref.startsWith("@") ? ctx.map(ref.slice(1)) : undefined;
      if (!lookup) return fail(body, `no verdict map ${ref} in the table`);
      if (!tokens.done) fail(body, "words after the verdict map");
      const key = word === "iifname" ? (p: PacketState) => p.inInterface : (p: PacketState) => p.outInterface;
      return { match, action: `${word} vmap ${ref}`, preds, act: { kind: "vmap", lookup: (p) => lookup(key(p)) } };
    }
    tokens.next("a clause");
    preds.push(matchClause(tokens, ctx, word));
  }
  // Clauses without `counter`: a rule that matches and does nothing (Felix writes none today).
  return { match: tokens.rest(0), action: "", preds, act: { kind: "none" } };
}
