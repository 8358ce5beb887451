/**
 * Reads `ipset save` output: `create <name> <type> [options]` and `add <name> <member...>`.
 * Members of the sets policy-compile owns are normalised (`10.0.0.5` → `10.0.0.5/32`, protocol
 * lowercase); other programs' sets are kept as printed.
 */
import type { KernelIpSet } from "./kernel-state.js";
import { compareByName } from "./kernel-state.js";
import { SaveParseError } from "./errors.js";
import { isDottedQuad, normalizeMember } from "./members.js";

interface SetBuilder {
  readonly name: string;
  readonly type: string;
  readonly family: "inet" | "inet6" | null;
  readonly maxelem: number | null;
  readonly options: string[];
  readonly owned: boolean;
  readonly members: string[];
}

/**
 * `owned(name)` says which sets get canonical members (see isOwnedIpSet).
 *
 * A line scanner rather than split-and-regex: a node's sets hold 100k+ members and this runs on
 * every read. `add` lines are recognised in place (no per-line string, no regex), the set name
 * is compared against the previous line's, and a canonical IPv4 host costs one slice.
 */
export function parseIpsetSave(text: string, owned: (name: string) => boolean = () => true): KernelIpSet[] {
  const sets = new Map<string, SetBuilder>();
  let last: SetBuilder | undefined;
  let lineNo = 0;
  for (let pos = 0; pos < text.length; ) {
    const next = text.indexOf("\n", pos);
    const end = next < 0 ? text.length : next;
    const lineStart = pos;
    pos = end + 1;
    lineNo++;
    // Fast path: `add <last set> <member>` with nothing to trim.
    if (last && text.startsWith("add ", lineStart) && text.charCodeAt(end - 1) > SPACE) {
      const nameStart = lineStart + 4;
      const nameEnd = nameStart + last.name.length;
      if (text.charCodeAt(nameEnd) === SPACE && nameEnd + 1 < end && text.startsWith(last.name, nameStart)) {
        last.members.push(memberAt(last, text, nameEnd + 1, end));
        continue;
      }
    }
    const line = text.slice(lineStart, end).trim();
    if (line === "" || line.startsWith("#")) continue;
    const create = /^create (\S+) (\S+)(?: (.*))?$/.exec(line);
    if (create?.[1] && create[2]) {
      last = createSet(create[1], create[2], create[3] ?? "", owned(create[1]));
      sets.set(last.name, last);
      continue;
    }
    // `add <name> <member...>` for another set than the previous line's.
    const space = line.startsWith("add ") ? line.indexOf(" ", 4) : -1;
    if (space > 4 && space < line.length - 1) {
      const name = line.slice(4, space);
      const set = sets.get(name);
      if (!set) throw new SaveParseError("ipset save", lineNo, `member of set ${name} before its "create" line`);
      last = set;
      set.members.push(memberAt(set, line, space + 1, line.length));
      continue;
    }
    throw new SaveParseError("ipset save", lineNo, `expected a "create" or "add" line, got "${line}"`);
  }
  return [...sets.values()]
    .map((s) => ({
      name: s.name,
      type: s.type,
      family: s.family,
      maxelem: s.maxelem,
      options: s.options,
      members: sortedUnique(s.members),
    }))
    .sort(compareByName);
}

const SPACE = 0x20;

function createSet(name: string, type: string, rest: string, isOwned: boolean): SetBuilder {
  const tokens = rest.split(/\s+/).filter(Boolean);
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
  return { name, type, family, maxelem, options, owned: isOwned, members: [] };
}

/** The member in `text[start, end)`: canonical for owned sets, as printed for foreign ones. */
function memberAt(set: SetBuilder, text: string, start: number, end: number): string {
  // `ipset save` prints hash:net hosts without `/32`; that is all a pod-address set holds.
  if (set.owned && set.type === "hash:net" && isDottedQuad(text, start, end)) return `${text.slice(start, end)}/32`;
  const member = text.slice(start, end);
  return set.owned ? normalizeMember(set.type, member) : member;
}

/** Sorted and deduplicated (the kernel prints hash order; normalising can merge two forms). */
function sortedUnique(members: string[]): string[] {
  members.sort();
  let n = 0;
  for (let i = 0; i < members.length; i++) {
    const m = members[i] as string;
    if (n === 0 || members[n - 1] !== m) members[n++] = m;
  }
  members.length = n;
  return members;
}

/** One set as `ipset list -t` (terse: no members) describes it. */
export interface IpSetHeader extends Omit<KernelIpSet, "members"> {
  readonly entries: number;
}

/**
 * Reads `ipset list -t`: blocks of `Name:`, `Type:`, `Header:` (the create options) and
 * `Number of entries:` lines, one block per set. Other fields are ignored.
 */
export function parseIpsetListTerse(text: string): IpSetHeader[] {
  const out: IpSetHeader[] = [];
  let name: string | null = null;
  let type = "";
  let header = "";
  let entries: number | null = null;
  const flush = (lineNo: number): void => {
    if (name === null) return;
    if (type === "" || entries === null) throw new SaveParseError("ipset list", lineNo, `set ${name} has no "Type:" or "Number of entries:" line in ipset list -t output`);
    const { family, maxelem, options } = createSet(name, type, header, false);
    out.push({ name, type, family, maxelem, options, entries });
    name = null;
    type = header = "";
    entries = null;
  };
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const colon = line.indexOf(": ");
    const key = colon < 0 ? line.replace(/:$/, "") : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 2).trim();
    if (key === "Name") {
      flush(i + 1);
      name = value;
    } else if (key === "Type") type = value;
    else if (key === "Header") header = value;
    else if (key === "Number of entries") entries = /^\d+$/.test(value) ? Number(value) : null;
  });
  flush(lines.length);
  return out.sort(compareByName);
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
