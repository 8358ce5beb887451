/**
 * Reading a `calico.nft` script (what renderNftScript prints, and `compile --dataplane nftables
 * --out DIR` writes) back into NftDataplaneStates, so that `apply` and `diff` can take the very
 * script a reviewer approved as the desired state. Pure.
 *
 * Only the line shapes the printer writes are accepted, each checked by the shared guard
 * (isSafeNftLine) first: `add table|set|element|chain|map|rule` into `ip calico`/`ip6 calico`.
 * Anything else is refused with its line and column (NftScriptError), never skipped. A rule
 * must carry its `comment "cali:<hash>; …"`, the hash diff and read-back compare.
 */
import { isSafeNftLine } from "../../render/nftables/script.js";
import type { NftBaseChain, NftChain, NftDataplaneState, NftMap, NftRule, NftSet, NftSetType } from "../../render/nftables/types.js";

export class NftScriptError extends Error {
  constructor(
    /** 1-based. */
    readonly line: number,
    /** 1-based, in characters. */
    readonly column: number,
    readonly detail: string,
  ) {
    super(`line ${line}, column ${column}: ${detail}`);
    this.name = "NftScriptError";
  }
}

interface Building {
  chains: Map<string, { base?: NftBaseChain; rules: NftRule[] }>;
  sets: Map<string, { type: NftSetType; interval: boolean; elements: string[] }>;
  maps: Map<string, NftMap["elements"][number][]>;
}

const HEAD = /^add (table|set|element|chain|map|rule) (ip|ip6) calico(?: (\S+))?(?: (.*))?$/;

export function parseNftScript(text: string): NftDataplaneState[] {
  const tables = new Map<"ip" | "ip6", Building>();
  text.split("\n").forEach((line, i) => {
    if (line === "" || line.startsWith("#")) return;
    const n = i + 1;
    // `from`: where the fragment's field starts, so that a short name is not found inside an
    // earlier word (chain `c` in `add chain`).
    const at = (fragment: string, detail: string, from = 0): never => {
      throw new NftScriptError(n, Math.max(1, line.indexOf(fragment, from) + 1), detail);
    };
    if (!isSafeNftLine(line)) at(line, "not a command policy-compile writes (add table|set|element|chain|map|rule into ip calico or ip6 calico)");
    const m = HEAD.exec(line);
    if (!m) return at(line, "only add commands into ip calico or ip6 calico build a desired table");
    const [, what, family, name = "", rest = ""] = m as unknown as [string, string, "ip" | "ip6", string?, string?];
    const nameAt = `add ${what} ${family} calico `.length;
    const restAt = nameAt + name.length;
    if (what === "table") {
      if (!tables.has(family)) tables.set(family, { chains: new Map(), sets: new Map(), maps: new Map() });
      return;
    }
    const t = tables.get(family) ?? at(family, `${family} calico is used before its add table line`);
    const taken = (): void => {
      if (t.chains.has(name) && what === "chain") at(name, `chain ${name} is added twice`, nameAt);
      if ((t.sets.has(name) || t.maps.has(name)) && (what === "set" || what === "map")) at(name, `set or map ${name} is added twice`, nameAt);
    };
    switch (what) {
      case "chain": {
        taken();
        const b = /^\{ type (filter|nat|route) hook (\S+) priority (-?\d+) ; \}$/.exec(rest);
        t.chains.set(name, { ...(b ? { base: { type: b[1], hook: b[2], priority: Number(b[3]) } as NftBaseChain } : {}), rules: [] });
        return;
      }
      case "set": {
        taken();
        const s = /^\{ type (.+?) ;( flags interval ;)? \}$/.exec(rest) ?? at(rest, "a set definition", restAt);
        t.sets.set(name, { type: s[1] as NftSetType, interval: s[2] !== undefined, elements: [] });
        return;
      }
      case "map":
        taken();
        t.maps.set(name, []);
        return;
      case "element": {
        const items = (/^\{ (.+) \}$/.exec(rest) ?? at(rest, "an element list { … }", restAt))[1] as string;
        const set = t.sets.get(name);
        const map = t.maps.get(name);
        if (set) set.elements.push(...items.split(", "));
        else if (map) {
          for (const item of items.split(", ")) {
            const [key, verdict] = item.split(" : ");
            if (!key || !verdict) at(item, `map element ${item} has no verdict`, restAt);
            map.push({ key: key as string, verdict: verdict as string });
          }
        } else at(name, `${name} is not an added set or map`, nameAt);
        return;
      }
      case "rule": {
        const chain = t.chains.get(name) ?? at(name, `${name} is not an added chain`, nameAt);
        const c = / comment "cali:([A-Za-z0-9_-]+);(?: ([^"]*))?"$/.exec(rest) ?? at(rest, 'a rule needs its comment "cali:<hash>; …"', restAt);
        const body = rest.slice(0, c.index);
        chain.rules.push({ hash: c[1] as string, body, comments: c[2] ? [c[2]] : [] });
        return;
      }
    }
  });
  const byName = <T extends { name: string }>(xs: T[]): T[] => xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return (["ip", "ip6"] as const).flatMap((family) => {
    const t = tables.get(family);
    if (!t) return [];
    const chains: NftChain[] = byName([...t.chains].map(([name, c]) => ({ name, ...(c.base ? { base: c.base } : {}), rules: c.rules })));
    const sets: NftSet[] = byName([...t.sets].map(([name, s]) => ({ name, type: s.type, interval: s.interval, elements: [...new Set(s.elements)].sort() })));
    const maps: NftMap[] = byName([...t.maps].map(([name, elements]) => ({ name, type: "ifname : verdict" as const, elements: [...elements].sort((a, b) => (a.key < b.key ? -1 : 1)) })));
    return [{ kind: "NftDataplaneState" as const, ipVersion: family === "ip" ? (4 as const) : (6 as const), family, chains, sets, maps }];
  });
}
