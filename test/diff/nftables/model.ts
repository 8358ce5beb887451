/**
 * A model of one nft table (`ip calico` or `ip6 calico`) that executes `nft -f` text line by line
 * the way nft 1.0.6 does (felix-nftables.md §5.5, §8.1, §8.5, §8.6, §10 pitfalls 4, 7, 16, 23, as
 * tested there): table-wide handles that are never reused, references checked as each command
 * runs (a rule or map element naming a missing chain, set or map fails; deleting a chain a rule
 * or map element still points to, or a set a rule still uses, is "busy"), interval sets that
 * refuse overlaps, element deletes of absent elements that fail. A transaction is all or nothing:
 * on the first failing line the table is restored and NftModelError names that line.
 */
import { parseCidr, type Cidr } from "../../../src/model/cidr.js";
import { hashOfNftComment } from "../../../src/diff/nftables/parse-json.js";
import { nftElement, type NftKernelState } from "../../../src/diff/nftables/kernel-state.js";
import { nftRuleChains, nftRuleSets, verdictChain } from "../../../src/diff/nftables/refs.js";
import type { NftBaseChain } from "../../../src/render/nftables/types.js";

export class NftModelError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}: ${text}`);
  }
}

interface Rule {
  handle: number;
  hash: string;
  body: string;
}
interface Chain {
  base?: NftBaseChain;
  rules: Rule[];
}
interface NSet {
  type: string;
  interval: boolean;
  elements: Set<string>;
}
interface NMap {
  type: string;
  elements: Map<string, string>;
}
interface Table {
  chains: Map<string, Chain>;
  sets: Map<string, NSet>;
  maps: Map<string, NMap>;
}

const clone = (t: Table): Table => ({
  chains: new Map([...t.chains].map(([k, c]) => [k, { ...(c.base ? { base: c.base } : {}), rules: c.rules.map((r) => ({ ...r })) }])),
  sets: new Map([...t.sets].map(([k, s]) => [k, { ...s, elements: new Set(s.elements) }])),
  maps: new Map([...t.maps].map(([k, m]) => [k, { ...m, elements: new Map(m.elements) }])),
});

export class NftModel {
  private table: Table | null = null;
  private nextHandle = 1;
  /** Lines executed successfully, for tests that count the expensive commands. */
  readonly executed: string[] = [];

  constructor(readonly family: "ip" | "ip6") {}

  /** Runs `nft -f` text as one transaction. */
  run(text: string): void {
    const saved = this.table ? clone(this.table) : null;
    const savedHandle = this.nextHandle;
    const lines = text.split("\n").filter((l) => l !== "");
    lines.forEach((line, i) => {
      try {
        this.exec(line);
      } catch (e) {
        this.table = saved;
        this.nextHandle = savedHandle;
        throw new NftModelError(i + 1, line, (e as Error).message);
      }
    });
    this.executed.push(...lines);
  }

  private t(): Table {
    if (!this.table) throw new Error("No such file or directory (table)");
    return this.table;
  }

  private exec(line: string): void {
    const prefix = (verb: string) => `${verb} ${this.family} calico`;
    const words = line.split(" ");
    const [verb, what] = words;
    if (words[2] !== this.family || words[3] !== "calico") throw new Error(`not this table: ${words[2]} ${words[3]}`);
    const name = words[4] as string;
    const rest = line.slice(`${prefix(`${verb} ${what}`)} ${name}`.length).trim();
    const key = `${verb} ${what}`;
    if (key === "add table") {
      this.table ??= { chains: new Map(), sets: new Map(), maps: new Map() };
      return;
    }
    if (key === "delete table") {
      this.t();
      this.table = null;
      return;
    }
    const t = this.t();
    switch (key) {
      case "add chain": {
        const m = /^\{ type (\S+) hook (\S+) priority (-?\d+) ; \}$/.exec(rest);
        if (rest !== "" && !m) throw new Error(`bad chain spec ${rest}`);
        const base = m ? ({ type: m[1], hook: m[2], priority: Number(m[3]) } as NftBaseChain) : undefined;
        const have = t.chains.get(name);
        if (have) {
          if (JSON.stringify(have.base ?? null) !== JSON.stringify(base ?? null)) throw new Error("Operation not supported");
          return;
        }
        t.chains.set(name, { ...(base ? { base } : {}), rules: [] });
        return;
      }
      case "flush chain":
        this.chain(name).rules = [];
        return;
      case "delete chain": {
        this.chain(name);
        if (this.chainReferenced(name)) throw new Error("Device or resource busy");
        t.chains.delete(name);
        return;
      }
      case "add set": {
        const m = /^\{ type (.+?) ;( flags interval ;)? \}$/.exec(rest);
        if (!m) throw new Error(`bad set spec ${rest}`);
        const def = { type: m[1] as string, interval: m[2] !== undefined };
        const have = t.sets.get(name);
        if (have) {
          if (have.type !== def.type || have.interval !== def.interval) throw new Error("File exists");
          return;
        }
        if (t.maps.has(name)) throw new Error("File exists");
        t.sets.set(name, { ...def, elements: new Set() });
        return;
      }
      case "add map": {
        const m = /^\{ type (.+?) ; \}$/.exec(rest);
        if (!m) throw new Error(`bad map spec ${rest}`);
        const have = t.maps.get(name);
        if (have) {
          if (have.type !== m[1]) throw new Error("File exists");
          return;
        }
        if (t.sets.has(name)) throw new Error("File exists");
        t.maps.set(name, { type: m[1] as string, elements: new Map() });
        return;
      }
      case "flush set":
        this.set(name).elements.clear();
        return;
      case "flush map":
        this.map(name).elements.clear();
        return;
      case "delete set":
      case "delete map": {
        if (what === "set") this.set(name);
        else this.map(name);
        if (this.setReferenced(name)) throw new Error("Device or resource busy");
        if (what === "set") t.sets.delete(name);
        else t.maps.delete(name);
        return;
      }
      case "add element":
      case "delete element":
        return this.elements(verb as "add" | "delete", name, rest);
      case "add rule": {
        const chain = this.chain(name);
        chain.rules.push(this.rule(rest));
        return;
      }
      case "delete rule":
      case "replace rule": {
        const chain = this.chain(name);
        const m = /^handle (\d+)(?: (.*))?$/.exec(rest);
        if (!m) throw new Error("bad handle");
        const i = chain.rules.findIndex((r) => r.handle === Number(m[1]));
        if (i < 0) throw new Error("No such file or directory (handle)");
        if (verb === "delete") chain.rules.splice(i, 1);
        else chain.rules[i] = { ...this.rule(m[2] ?? ""), handle: Number(m[1]) };
        return;
      }
      default:
        throw new Error(`unknown command ${key}`);
    }
  }

  private chain(name: string): Chain {
    const c = this.t().chains.get(name);
    if (!c) throw new Error(`No such file or directory (chain ${name})`);
    return c;
  }
  private set(name: string): NSet {
    const s = this.t().sets.get(name);
    if (!s) throw new Error(`No such file or directory (set ${name})`);
    return s;
  }
  private map(name: string): NMap {
    const m = this.t().maps.get(name);
    if (!m) throw new Error(`No such file or directory (map ${name})`);
    return m;
  }

  private rule(text: string): Rule {
    const at = text.indexOf(' comment "');
    const body = at < 0 ? text : text.slice(0, at);
    const comment = at < 0 ? undefined : text.slice(at + 10, -1);
    for (const c of nftRuleChains(body)) {
      this.chain(c);
      if (this.t().chains.get(c)?.base) throw new Error("Operation not supported (jump to a base chain)");
    }
    for (const s of nftRuleSets(body)) if (!this.t().sets.has(s) && !this.t().maps.has(s)) throw new Error(`No such file or directory (@${s})`);
    return { handle: this.nextHandle++, hash: hashOfNftComment(comment), body };
  }

  private chainReferenced(name: string): boolean {
    const t = this.t();
    for (const c of t.chains.values()) for (const r of c.rules) if (nftRuleChains(r.body).includes(name)) return true;
    for (const m of t.maps.values()) for (const v of m.elements.values()) if (verdictChain(v) === name) return true;
    return false;
  }

  private setReferenced(name: string): boolean {
    for (const c of this.t().chains.values()) for (const r of c.rules) if (nftRuleSets(r.body).includes(name)) return true;
    return false;
  }

  private elements(verb: "add" | "delete", name: string, rest: string): void {
    const m = /^\{ (.+) \}$/.exec(rest);
    if (!m) throw new Error("bad element list");
    const items = (m[1] as string).split(", ");
    const t = this.t();
    const map = t.maps.get(name);
    if (map) {
      for (const item of items) {
        const [k, v] = item.split(" : ") as [string, string | undefined];
        if (verb === "delete") {
          if (!map.elements.delete(k)) throw new Error("element does not exist");
          continue;
        }
        if (v === undefined) throw new Error("map element without a verdict");
        const target = verdictChain(v);
        if (target !== null) this.chain(target);
        const have = map.elements.get(k);
        if (have !== undefined && have !== v) throw new Error("File exists");
        map.elements.set(k, v);
      }
      return;
    }
    const set = this.set(name);
    const canon = items.map((e) => nftElement(set, e));
    if (verb === "delete") {
      for (const e of canon) if (!set.elements.delete(e)) throw new Error("element does not exist");
      return;
    }
    // nft 1.0.6 (tested): "You must add 'flags interval' to your set declaration if you want to add prefix elements".
    if (!set.interval && /^ipv[46]_addr$/.test(set.type) && canon.some((e) => e.includes("/"))) throw new Error("You must add 'flags interval' to your set declaration if you want to add prefix elements");
    if (set.interval) {
      const ranges = canon.map((e) => range(e));
      ranges.forEach((r, i) => {
        ranges.forEach((o, j) => {
          if (i < j && overlaps(r, o)) throw new Error("conflicting intervals specified");
        });
        for (const e of set.elements) if (e !== canon[i] && overlaps(r, range(e))) throw new Error("interval overlaps with an existing one");
      });
    }
    for (const e of canon) set.elements.add(e);
  }

  /** The table as the reconciler reads it back (parseNftJson's shape), with handles. */
  state(ipVersion: 4 | 6 = this.family === "ip" ? 4 : 6): NftKernelState {
    const t = this.table;
    const by = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      kind: "NftKernelState",
      ipVersion,
      family: this.family,
      exists: t !== null,
      chains: t ? by(t.chains).map(([name, c]) => ({ name, ...(c.base ? { base: c.base } : {}), rules: c.rules.map((r) => ({ hash: r.hash, handle: r.handle })) })) : [],
      sets: t ? by(t.sets).map(([name, s]) => ({ name, type: s.type, interval: s.interval, elements: [...s.elements].sort() })) : [],
      maps: t ? by(t.maps).map(([name, m]) => ({ name, type: m.type, elements: by(m.elements).map(([key, verdict]) => ({ key, verdict })) })) : [],
      others: [],
    };
  }

  /** Rule bodies of a chain, in order (to check that what was written is what was wanted). */
  bodies(chain: string): string[] {
    return this.table?.chains.get(chain)?.rules.map((r) => r.body) ?? [];
  }
}

interface Range {
  readonly v: 4 | 6;
  readonly lo: bigint;
  readonly hi: bigint;
}

function range(e: string): Range {
  const c = parseCidr(e, true) as Cidr;
  if (!c) throw new Error(`not an address: ${e}`);
  const bits = c.version === 4 ? 32 : 128;
  const lo = c.bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  return { v: c.version, lo, hi: lo + (1n << BigInt(bits - c.prefix)) - 1n };
}

const overlaps = (a: Range, b: Range): boolean => a.v === b.v && a.lo <= b.hi && b.lo <= a.hi;
