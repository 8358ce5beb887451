/**
 * Canonical ipset members, so that what `ipset save` prints compares equal to what the renderer
 * wants (felix-dataplane.md §5.2): `ipset save` drops `/32` (`/128`) from single addresses in
 * hash:net sets and the kernel stores networks masked; protocols in hash:ip,port are lowercase.
 */
import { isIPv4, isIPv6 } from "node:net";

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

function normalizeNet(m: string): string {
  const slash = m.indexOf("/");
  const addr = slash < 0 ? m : m.slice(0, slash);
  if (isIPv4(addr)) {
    const len = slash < 0 ? 32 : Number(m.slice(slash + 1));
    if (!Number.isInteger(len) || len < 0 || len > 32) return m;
    const n = addr.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    const masked = (n & mask) >>> 0;
    const text = [24, 16, 8, 0].map((s) => (masked >>> s) & 255).join(".");
    return `${text}/${len}`;
  }
  if (isIPv6(addr)) {
    const len = slash < 0 ? 128 : Number(m.slice(slash + 1));
    if (!Number.isInteger(len) || len < 0 || len > 128) return m;
    return `${formatIPv6(maskIPv6(parseIPv6(addr), len))}/${len}`;
  }
  return m;
}

function parseIPv6(addr: string): bigint {
  let text = addr;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const o = v4[1].split(".").map(Number);
    text = text.slice(0, -v4[1].length) + `${(((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16)}:${(((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function maskIPv6(n: bigint, len: number): bigint {
  const all = (1n << 128n) - 1n;
  const mask = len === 0 ? 0n : (all << BigInt(128 - len)) & all;
  return n & mask;
}

/** RFC 5952 text: lowercase, leading zeros dropped, the longest run (≥ 2) of zero groups as `::`. */
function formatIPv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}
