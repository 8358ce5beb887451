/**
 * A model of the kernel side of `iptables-restore --noflush` and `ipset restore`, for tests.
 * It executes restore text the way the real tools do and fails where they fail, so property
 * tests can check that a transaction *works*, not only that it looks right:
 *
 * - each `*filter`, `*mangle` or `*raw … COMMIT` block is atomic (all or nothing, like the real
 *   table replace); each table has its own kernel chains (mangle's five hooks, raw's PREROUTING
 *   and OUTPUT) and user chains, and a rule jumps only to a chain of its own table;
 * - a rule may only jump to an existing chain or a known target, and only match existing sets;
 * - `-I`/`-R`/`-D <n>` indexes must be in range; `-D <rule>` must match a rule's text exactly;
 * - a chain can be deleted only when empty and unreferenced (nft: also unreferenced at the
 *   start of the block) and `-R` is refused in nft mode (the diff must never emit it there);
 * - `ipset restore` is not atomic: lines before the failing one stay applied; `add` of a
 *   present member without `--exist`, `del` of a missing one, `swap` of different types and
 *   `destroy` of a set a rule uses all fail.
 *
 * Every rule gets an identity when written; it survives only while nothing rewrites the rule,
 * which stands in for the kernel's packet counters.
 */
import { normalizeMember } from "../../src/diff/members.js";
import type { KernelChain, KernelIpSet, KernelState } from "../../src/diff/kernel-state.js";
import { hashOfRuleText } from "../../src/diff/rule-text.js";
import type { TableName } from "../../src/render/types.js";

export class ModelKernelError extends Error {
  constructor(
    readonly program: "iptables-restore" | "ipset",
    readonly line: number,
    detail: string,
  ) {
    super(program === "ipset" ? `ipset: Error in line ${line}: ${detail}` : `iptables-restore: ${detail}\nError occurred at line: ${line}`);
  }
}

interface MRule {
  readonly id: number;
  readonly text: string;
}
interface MChain {
  policy: string | null;
  rules: MRule[];
}
interface MSet {
  type: string;
  family: "inet" | "inet6" | null;
  maxelem: number | null;
  options: string[];
  members: Set<string>;
}

const BUILTINS = ["INPUT", "FORWARD", "OUTPUT"];
const TABLE_BUILTINS: Readonly<Record<TableName, readonly string[]>> = {
  filter: BUILTINS,
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
};
const builtinChains = (table: TableName): Map<string, MChain> => new Map(TABLE_BUILTINS[table].map((n) => [n, { policy: "ACCEPT", rules: [] }]));
const TARGETS = new Set(["ACCEPT", "DROP", "RETURN", "REJECT", "MARK", "LOG", "NFLOG", "NOTRACK", "CONNMARK", "QUEUE", "CT", "TRACE"]);
const TARGET = /(?:^|\s)(?:-j|--jump|-g|--goto)\s+(\S+)/;
const SETS = /--match-set\s+(\S+)/g;

export class ModelKernel {
  /** The filter table's chains (the tests' rule identities are about filter). */
  private chains = builtinChains("filter");
  private readonly extra = new Map<"mangle" | "raw", Map<string, MChain>>([
    ["mangle", builtinChains("mangle")],
    ["raw", builtinChains("raw")],
  ]);
  private readonly sets = new Map<string, MSet>();
  private nextId = 1;
  /** Every restore input executed, in order (tests inspect what was run). */
  readonly log: { program: string; input: string }[] = [];

  constructor(readonly backend: "legacy" | "nft" = "legacy") {}

  /** Runs `iptables-restore --noflush` input. Throws ModelKernelError; the failing block is not applied. */
  iptablesRestore(input: string): void {
    this.log.push({ program: "iptables-restore", input });
    const lines = input.split("\n");
    let work: Map<string, MChain> | null = null;
    let table: TableName = "filter";
    let referencedAtStart = new Set<string>();
    lines.forEach((raw, i) => {
      const line = raw.trim();
      const n = i + 1;
      const fail = (msg: string): never => {
        throw new ModelKernelError("iptables-restore", n, msg);
      };
      if (line === "" || line.startsWith("#")) return;
      if (line.startsWith("*")) {
        if (work) fail("table opened twice without COMMIT");
        const name = line.slice(1);
        if (name !== "filter" && name !== "mangle" && name !== "raw") return fail(`unsupported table ${line}`);
        table = name;
        work = cloneChains(this.tableChains(table));
        referencedAtStart = referencedChains(work);
        return;
      }
      if (!work) return fail("rule outside of a *table block");
      const chains: Map<string, MChain> = work;
      if (line === "COMMIT") {
        if (table === "filter") this.chains = chains;
        else this.extra.set(table, chains);
        work = null;
        return;
      }
      if (line.startsWith(":")) {
        const [name, policy] = line.slice(1).split(/\s+/);
        if (!name || !policy) return fail(`bad chain line "${line}"`);
        const existing = chains.get(name);
        if (TABLE_BUILTINS[table].includes(name)) {
          if (policy === "-" || !existing) return fail(`bad policy for built-in chain ${name}`);
          existing.policy = policy;
        } else {
          if (policy !== "-") fail(`user chain ${name} cannot have a policy`);
          chains.set(name, { policy: null, rules: [] }); // creates, or flushes an existing chain
        }
        return;
      }
      const m = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      const [, op = "", chainName = "", rest = ""] = m ?? [];
      const chain = chains.get(chainName);
      const needChain = (): MChain => chain ?? fail(`chain ${chainName} does not exist`);
      const newRule = (text: string): MRule => {
        const target = TARGET.exec(text)?.[1];
        if (target && !chains.has(target) && !TARGETS.has(target)) fail(`Couldn't load target \`${target}'`);
        for (const s of text.matchAll(SETS)) if (!this.sets.has(s[1] ?? "")) fail(`Set ${s[1]} doesn't exist.`);
        return { id: this.nextId++, text };
      };
      const indexed = (): [number, string] => {
        const im = /^(\d+)(?:\s+(.*))?$/.exec(rest);
        return im ? [Number(im[1]), im[2] ?? ""] : [0, rest];
      };
      switch (op) {
        case "-A":
        case "--append":
          needChain().rules.push(newRule(rest));
          return;
        case "-I":
        case "--insert": {
          const c = needChain();
          const [idx, text] = indexed();
          const pos = idx === 0 ? 1 : idx;
          if (pos < 1 || pos > c.rules.length + 1) fail("Index of insertion too big.");
          c.rules.splice(pos - 1, 0, newRule(text));
          return;
        }
        case "-R":
        case "--replace": {
          if (this.backend === "nft") fail("model: -R is not used with iptables-nft");
          const c = needChain();
          const [idx, text] = indexed();
          if (idx < 1 || idx > c.rules.length) fail("Index of replacement too big.");
          c.rules[idx - 1] = newRule(text);
          return;
        }
        case "-D":
        case "--delete": {
          const c = needChain();
          const [idx, text] = indexed();
          if (idx > 0 && text === "") {
            if (idx > c.rules.length) fail("Index of deletion too big.");
            c.rules.splice(idx - 1, 1);
            return;
          }
          const at = c.rules.findIndex((r) => r.text === rest);
          if (at < 0) fail("Bad rule (does a matching rule exist in that chain?).");
          c.rules.splice(at, 1);
          return;
        }
        case "-F":
        case "--flush":
          needChain().rules = [];
          return;
        case "-N":
        case "--new-chain":
          if (chain) fail("Chain already exists.");
          chains.set(chainName, { policy: null, rules: [] });
          return;
        case "-X":
        case "--delete-chain": {
          const c = needChain();
          if (TABLE_BUILTINS[table].includes(chainName)) fail("Cannot delete built-in chain.");
          if (c.rules.length > 0) fail(`Directory not empty (chain ${chainName}).`);
          if (referencedChains(chains).has(chainName)) fail(`Too many links (chain ${chainName} is referenced).`);
          if (this.backend === "nft" && referencedAtStart.has(chainName)) {
            fail(`Device or resource busy (chain ${chainName} was referenced at the start of the transaction).`);
          }
          chains.delete(chainName);
          return;
        }
        default:
          fail(`unknown command "${line}"`);
      }
    });
    if (work) throw new ModelKernelError("iptables-restore", lines.length, "COMMIT expected at the end of the input");
  }

  /** Runs `ipset restore` input; stops at the first failing line (earlier lines stay applied). */
  ipsetRestore(input: string): void {
    this.log.push({ program: "ipset", input });
    input.split("\n").forEach((raw, i) => {
      const line = raw.trim();
      const fail = (msg: string): never => {
        throw new ModelKernelError("ipset", i + 1, msg);
      };
      if (line === "" || line === "COMMIT" || line.startsWith("#")) return;
      const tokens = line.split(/\s+/);
      const [op, name = ""] = tokens;
      const set = this.sets.get(name);
      const needSet = (): MSet => set ?? fail(`The set with the given name does not exist`);
      switch (op) {
        case "create": {
          if (set) fail("Set cannot be created: set with the same name already exists");
          const type = tokens[2] ?? fail("missing set type");
          const opts = tokens.slice(3);
          const fi = opts.indexOf("family");
          const mi = opts.indexOf("maxelem");
          const family = fi >= 0 ? (opts[fi + 1] as "inet" | "inet6") : null;
          const maxelem = mi >= 0 ? Number(opts[mi + 1]) : null;
          const options = opts.filter((_, k) => ![fi, fi + 1, mi, mi + 1].includes(k));
          this.sets.set(name, { type, family, maxelem, options, members: new Set() });
          return;
        }
        case "add":
        case "del": {
          const s = needSet();
          const exist = tokens.includes("--exist") || tokens.includes("-exist");
          const member = normalizeMember(s.type, tokens.slice(2).filter((t) => t !== "--exist" && t !== "-exist").join(" "));
          if (op === "add") {
            if (s.members.has(member)) {
              if (!exist) fail("Element cannot be added to the set: it's already added");
              return;
            }
            if (s.maxelem !== null && s.members.size >= s.maxelem) fail("Hash is full, cannot add more elements");
            s.members.add(member);
          } else {
            if (!s.members.has(member) && !exist) fail("Element cannot be deleted from the set: it's not added");
            s.members.delete(member);
          }
          return;
        }
        case "swap": {
          const a = needSet();
          const otherName = tokens[2] ?? "";
          const b = this.sets.get(otherName) ?? fail("The set with the given name does not exist");
          if (a.type !== b.type) fail("The sets cannot be swapped: their type does not match");
          this.sets.set(name, b);
          this.sets.set(otherName, a);
          return;
        }
        case "flush":
          needSet().members.clear();
          return;
        case "destroy":
          needSet();
          if (this.setsInUse().has(name)) fail("Set cannot be destroyed: it is in use by a kernel component");
          this.sets.delete(name);
          return;
        default:
          fail(`unknown command "${line}"`);
      }
    });
  }

  /** The state, as the parsers would produce it from iptables-save / ipset save. */
  state(ipVersion: 4 | 6 = 4): KernelState {
    const chains = kernelChains(this.chains);
    const ipsets: KernelIpSet[] = [...this.sets.entries()]
      .map(([name, s]) => ({ name, type: s.type, family: s.family, maxelem: s.maxelem, options: [...s.options], members: [...s.members].sort() }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    // mangle and raw as a reader reports them: present when they hold anything (a user chain
    // or a rule), the kernel chains listed with their policies.
    const tables = [...this.extra.entries()]
      .filter(([t, cs]) => [...cs.entries()].some(([n, c]) => !TABLE_BUILTINS[t].includes(n) || c.rules.length > 0))
      .map(([t, cs]) => ({ table: t, chains: kernelChains(cs) }))
      .sort((a, b) => (a.table < b.table ? -1 : 1));
    return { kind: "KernelState", ipVersion, chains, ipsets, ...(tables.length > 0 && { tables }) };
  }

  private tableChains(table: TableName): Map<string, MChain> {
    return table === "filter" ? this.chains : (this.extra.get(table) ?? builtinChains(table));
  }

  /** Rule identities of a chain, in order ([] for a missing chain). */
  ruleIds(chain: string): number[] {
    return this.chains.get(chain)?.rules.map((r) => r.id) ?? [];
  }

  /** Rules with identities, for survival checks. */
  rules(chain: string): readonly MRule[] {
    return this.chains.get(chain)?.rules ?? [];
  }

  private setsInUse(): Set<string> {
    const used = new Set<string>();
    for (const cs of [this.chains, ...this.extra.values()]) for (const c of cs.values()) for (const r of c.rules) for (const s of r.text.matchAll(SETS)) used.add(s[1] ?? "");
    return used;
  }
}

function kernelChains(chains: Map<string, MChain>): KernelChain[] {
  return [...chains.entries()]
    .map(([name, c]) => ({ name, policy: c.policy, rules: c.rules.map((r) => ({ hash: hashOfRuleText(r.text), text: r.text })) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

function cloneChains(chains: Map<string, MChain>): Map<string, MChain> {
  return new Map([...chains.entries()].map(([n, c]) => [n, { policy: c.policy, rules: [...c.rules] }]));
}

function referencedChains(chains: Map<string, MChain>): Set<string> {
  const out = new Set<string>();
  for (const c of chains.values()) for (const r of c.rules) {
    const t = TARGET.exec(r.text)?.[1];
    if (t) out.add(t);
  }
  return out;
}
