/**
 * Canonical ipset members, so that what `ipset save` prints compares equal to what the renderer
 * wants (felix-dataplane.md §5.2): `ipset save` drops `/32` (`/128`) from single addresses in
 * hash:net sets and the kernel stores networks masked; protocols in hash:ip,port are lowercase.
 */
import { formatCidr, parseCidr } from "../model/cidr.js";

export function normalizeMember(type: string, member: string): string {
  if (type === "hash:net") {
    // Fast path, no allocation: sets hold tens of thousands of already canonical pod addresses.
    const n = member.length;
    if (n > 3 && member.charCodeAt(n - 3) === SLASH && member.charCodeAt(n - 2) === 0x33 && member.charCodeAt(n - 1) === 0x32 && isDottedQuad(member, 0, n - 3)) return member;
    if (isDottedQuad(member, 0, n)) return `${member}/32`;
    return normalizeNet(member.trim());
  }
  const m = member.trim();
  if (type === "hash:ip,port") {
    const comma = m.indexOf(",");
    if (comma < 0) return m;
    const ip = m.slice(0, comma);
    const port = m.slice(comma + 1);
    const colon = port.indexOf(":");
    const proto = colon < 0 ? "tcp" : port.slice(0, colon).toLowerCase();
    const num = colon < 0 ? port : port.slice(colon + 1);
    return `${ip},${proto}:${num}`;
  }
  return m;
}

export function normalizeMembers(type: string, members: readonly string[]): string[] {
  const out = members.map((m) => normalizeMember(type, m));
  // Members usually arrive canonical and sorted; then the sort and dedupe are a single scan.
  let sortedUnique = true;
  for (let i = 1; i < out.length && sortedUnique; i++) sortedUnique = (out[i - 1] as string) < (out[i] as string);
  return sortedUnique ? out : [...new Set(out)].sort();
}

/** A set's canonical members, deduplicated, in their given order, with a Set for lookups. */
export interface CanonicalMembers {
  readonly list: readonly string[];
  readonly set: ReadonlySet<string>;
}

const canonicalCache = new WeakMap<readonly string[], { readonly type: string; readonly result: CanonicalMembers }>();

/**
 * Like normalizeMembers but unsorted, and remembered per members array: one apply diffs the same
 * desired state several times (before writing, to verify, on retries), and sorting 100k members
 * each time would cost more than the rest of the diff. The result depends only on the input.
 */
export function canonicalMembers(type: string, members: readonly string[]): CanonicalMembers {
  const hit = canonicalCache.get(members);
  if (hit?.type === type) return hit.result;
  const set = new Set<string>();
  const list: string[] = [];
  for (const m of members) {
    const c = normalizeMember(type, m);
    if (set.has(c)) continue;
    set.add(c);
    list.push(c);
  }
  const result = { list, set };
  canonicalCache.set(members, { type, result });
  return result;
}

const memberSetCache = new WeakMap<readonly string[], ReadonlySet<string>>();

/** `new Set(members)`, remembered per array (kernel states are read once and diffed twice). */
export function memberSet(members: readonly string[]): ReadonlySet<string> {
  let s = memberSetCache.get(members);
  if (!s) memberSetCache.set(members, (s = new Set(members)));
  return s;
}

const SLASH = 0x2f;
const DOT = 0x2e;
const ZERO = 0x30;

/**
 * Whether `text[start, end)` is an IPv4 address in canonical dotted-quad form: four decimal
 * octets ≤ 255 without leading zeros. A character scan, because a regex per member is the
 * largest cost of reading 100k-member sets.
 */
export function isDottedQuad(text: string, start: number, end: number): boolean {
  let octets = 0;
  let i = start;
  while (i < end) {
    const first = text.charCodeAt(i);
    if (first < ZERO || first > ZERO + 9) return false;
    let value = first - ZERO;
    let digits = 1;
    i++;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === DOT) break;
      if (c < ZERO || c > ZERO + 9 || digits === 3) return false;
      value = value * 10 + (c - ZERO);
      digits++;
    }
    if (value > 255 || (first === ZERO && digits > 1)) return false;
    octets++;
    if (i < end) {
      // At a dot: another octet must follow.
      i++;
      if (i === end || octets === 4) return false;
    }
  }
  return octets === 4;
}

/** A network in the kernel's form: masked to its prefix, `/32` (`/128`) for a single address. */
function normalizeNet(m: string): string {
  const cidr = parseCidr(m, true);
  return cidr ? formatCidr(cidr) : m;
}
