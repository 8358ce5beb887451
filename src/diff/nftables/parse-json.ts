/**
 * Parsing `nft --json list table <family> calico` (felix-nftables.md §8.3, §5.3, §6.1) into an
 * NftKernelState. Pure: src/dataplane/ runs nft and hands the text here.
 *
 * Per object only what the diff needs: chains (name, base-chain type/hook/priority), rules
 * (chain, handle, and the hash from the comment: the text before the first `;`, minus `cali:`),
 * sets (type, `interval` flag, canonical elements) and maps (type, elements with their
 * verdicts). Rule expressions are ignored: nft normalises them (§10 pitfall 3). Objects of any
 * other table or family are refused: the command lists one table.
 */
import type { NftBaseChain, NftHook, NftMapElement } from "../../render/nftables/types.js";
import { SaveParseError } from "../errors.js";
import type { NftKernelChain, NftKernelMap, NftKernelRule, NftKernelSet, NftKernelState } from "./kernel-state.js";
import { emptyNftKernelState, nftElement } from "./kernel-state.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const HOOKS: readonly NftHook[] = ["prerouting", "input", "forward", "output", "postrouting"];
const CHAIN_TYPES: readonly NftBaseChain["type"][] = ["filter", "nat", "route"];

function fail(detail: string): never {
  throw new SaveParseError("nft --json", 1, detail);
}

const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string, what: string): string => {
  const v = o[k];
  if (typeof v !== "string") fail(`${what} has no string "${k}"`);
  return v;
};

/** The hash of a rule comment `cali:<hash>; …` (§8.3): "" when the rule has no such comment. */
export function hashOfNftComment(comment: string | undefined): string {
  if (comment === undefined) return "";
  const head = comment.split(";")[0] as string;
  return head.startsWith("cali:") ? head.slice(5) : "";
}

/** One element of a set's `elem` array as text (§5.3), before canonicalisation. */
function elementText(e: Json): string {
  if (typeof e === "string" || typeof e === "number") return String(e);
  if (isObj(e)) {
    if (isObj(e.elem)) return elementText(e.elem.val ?? null);
    if (isObj(e.prefix)) return `${elementText(e.prefix.addr ?? null)}/${elementText(e.prefix.len ?? null)}`;
    if (Array.isArray(e.concat)) return e.concat.map(elementText).join(" . ");
    if (isObj(e.range) || Array.isArray(e.range)) {
      const r = e.range as Json[];
      if (Array.isArray(r) && r.length === 2) return `${elementText(r[0] ?? null)}-${elementText(r[1] ?? null)}`;
    }
  }
  fail(`a set element of an unknown shape: ${JSON.stringify(e).slice(0, 80)}`);
}

/** A map element `[key, {"goto": {"target": X}}]` as key and verdict text (§6.1). */
function mapElement(e: Json): NftMapElement {
  const pair = isObj(e) && Array.isArray(e.elem) ? e.elem : e;
  if (!Array.isArray(pair) || pair.length !== 2) fail(`a map element of an unknown shape: ${JSON.stringify(e).slice(0, 80)}`);
  const key = elementText(pair[0] ?? null);
  const v = pair[1] ?? null;
  if (!isObj(v)) fail(`map element ${key} has no verdict`);
  const [verdict] = Object.keys(v);
  if (verdict === undefined) fail(`map element ${key} has no verdict`);
  const arg = v[verdict];
  const target = isObj(arg) && typeof arg.target === "string" ? ` ${arg.target}` : "";
  return { key, verdict: `${verdict}${target}` };
}

const typeText = (t: Json | undefined): string => (Array.isArray(t) ? t.map(String).join(" . ") : String(t ?? ""));

export function parseNftJson(text: string, ipVersion: 4 | 6): NftKernelState {
  const empty = emptyNftKernelState(ipVersion);
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (e) {
    fail(`not JSON: ${(e as Error).message}`);
  }
  if (!isObj(doc) || !Array.isArray(doc.nftables)) fail(`no "nftables" array`);
  const meta = doc.nftables.find((o) => isObj(o) && isObj(o.metainfo));
  if (!isObj(meta) || !isObj(meta.metainfo) || meta.metainfo.json_schema_version !== 1) fail("json_schema_version is not 1");
  const family = empty.family;
  const mine = (o: Obj, what: string): void => {
    const t = o.table ?? o.name;
    if (o.family !== family || t !== "calico") fail(`${what} of table ${String(o.family)} ${String(t)}, not ${family} calico`);
  };
  let exists = false;
  const chains = new Map<string, { name: string; base?: NftBaseChain; rules: NftKernelRule[] }>();
  const sets: NftKernelSet[] = [];
  const maps: NftKernelMap[] = [];
  const rules: { chain: string; rule: NftKernelRule }[] = [];
  const others: string[] = [];
  for (const item of doc.nftables) {
    if (!isObj(item)) fail("an entry that is not an object");
    const [kind] = Object.keys(item);
    const o = item[kind as string];
    if (kind === "metainfo") continue;
    if (!isObj(o)) fail(`"${String(kind)}" is not an object`);
    if (kind === "table") {
      mine(o, "a table");
      exists = true;
    } else if (kind === "chain") {
      mine(o, "a chain");
      const name = str(o, "name", "a chain");
      const c: { name: string; base?: NftBaseChain; rules: NftKernelRule[] } = { name, rules: [] };
      if (o.hook !== undefined) {
        const hook = HOOKS.find((h) => h === o.hook);
        const type = CHAIN_TYPES.find((t) => t === o.type);
        if (!hook || !type || typeof o.prio !== "number") fail(`base chain ${name} has an unknown type, hook or priority`);
        c.base = { type, hook, priority: o.prio };
      }
      chains.set(name, c);
    } else if (kind === "rule") {
      mine(o, "a rule");
      const chain = str(o, "chain", "a rule");
      if (typeof o.handle !== "number") fail(`a rule of ${chain} has no handle`);
      rules.push({ chain, rule: { hash: hashOfNftComment(typeof o.comment === "string" ? o.comment : undefined), handle: o.handle } });
    } else if (kind === "set") {
      mine(o, "a set");
      const name = str(o, "name", "a set");
      const type = typeText(o.type);
      const interval = Array.isArray(o.flags) && o.flags.includes("interval");
      const def = { type, interval };
      const elems = Array.isArray(o.elem) ? o.elem : [];
      sets.push({ name, type, interval, elements: elems.map((e) => nftElement(def, elementText(e))) });
    } else if (kind === "map") {
      mine(o, "a map");
      const name = str(o, "name", "a map");
      const elems = Array.isArray(o.elem) ? o.elem : [];
      maps.push({ name, type: `${typeText(o.type)} : ${typeText(o.map)}`, elements: elems.map(mapElement) });
    } else {
      // Objects policy-compile never creates (counters, quotas, flowtables…): the table is
      // rebuilt without them (plan.ts), as everything in it is policy-compile's (§2.4).
      mine(o, `a ${String(kind)}`);
      others.push(`${String(kind)} ${typeof o.name === "string" ? o.name : "?"}`);
    }
  }
  for (const { chain, rule } of rules) {
    const c = chains.get(chain);
    if (!c) fail(`a rule of chain ${chain}, which was not listed`);
    c.rules.push(rule);
  }
  const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return {
    ...empty,
    exists,
    chains: [...chains.values()].sort(byName) as NftKernelChain[],
    sets: sets.sort(byName),
    maps: maps.sort(byName),
    others: others.sort(),
  };
}
