/**
 * Reads `ipset save` output: `create <name> <type> [options]` and `add <name> <member...>`.
 * Members of the sets policy-compile owns are normalised (`10.0.0.5` → `10.0.0.5/32`, protocol
 * lowercase); other programs' sets are kept as printed.
 */
import type { KernelIpSet } from "./kernel-state.js";
import { compareByName } from "./kernel-state.js";
import { SaveParseError } from "./errors.js";
import { normalizeMember } from "./members.js";

interface SetBuilder {
  type: string;
  family: "inet" | "inet6" | null;
  maxelem: number | null;
  options: string[];
  members: Set<string>;
}

/** `owned(name)` says which sets get canonical members (see isOwnedIpSet). */
export function parseIpsetSave(text: string, owned: (name: string) => boolean = () => true): KernelIpSet[] {
  const sets = new Map<string, SetBuilder>();
  const lines = text.split("\n");
  let lastName = "";
  let lastSet: SetBuilder | undefined;
  let lastOwned = false;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").replace(/\r$/, "").trim();
    const lineNo = i + 1;
    if (line === "" || line.startsWith("#")) continue;
    const create = /^create (\S+) (\S+)(?: (.*))?$/.exec(line);
    if (create?.[1] && create[2]) {
      const tokens = (create[3] ?? "").split(/\s+/).filter(Boolean);
      let family: "inet" | "inet6" | null = null;
      let maxelem: number | null = null;
      const options: string[] = [];
      for (let t = 0; t < tokens.length; t++) {
        const tok = tokens[t] ?? "";
        const next = tokens[t + 1];
        if (tok === "family" && (next === "inet" || next === "inet6")) {
          family = next;
          t++;
        } else if (tok === "maxelem" && next !== undefined && /^\d+$/.test(next)) {
          maxelem = Number(next);
          t++;
        } else options.push(tok);
      }
      sets.set(create[1], { type: create[2], family, maxelem, options, members: new Set() });
      continue;
    }
    // `add <name> <member...>`, split by hand: there can be hundreds of thousands of these.
    const space = line.startsWith("add ") ? line.indexOf(" ", 4) : -1;
    if (space > 4 && space < line.length - 1) {
      const name = line.slice(4, space);
      const member = line.slice(space + 1);
      const set = name === lastName ? lastSet : sets.get(name);
      if (!set) throw new SaveParseError("ipset save", lineNo, `member of set ${name} before its "create" line`);
      if (name !== lastName) {
        lastName = name;
        lastSet = set;
        lastOwned = owned(name);
      }
      set.members.add(lastOwned ? normalizeMember(set.type, member) : member);
      continue;
    }
    throw new SaveParseError("ipset save", lineNo, `expected a "create" or "add" line, got "${line}"`);
  }
  return [...sets.entries()]
    .map(([name, s]) => ({
      name,
      type: s.type,
      family: s.family,
      maxelem: s.maxelem,
      options: s.options,
      members: [...s.members].sort(),
    }))
    .sort(compareByName);
}

/** `ipset save` text for sets (tests and tools). */
export function printIpsetSave(sets: readonly KernelIpSet[]): string {
  const out: string[] = [];
  for (const s of sets) {
    const opts = [
      ...(s.family ? ["family", s.family] : []),
      ...(s.maxelem !== null ? ["maxelem", String(s.maxelem)] : []),
      ...s.options,
    ];
    out.push([`create ${s.name} ${s.type}`, ...opts].join(" "));
    for (const m of s.members) out.push(`add ${s.name} ${m}`);
  }
  return out.length ? `${out.join("\n")}\n` : "";
}
