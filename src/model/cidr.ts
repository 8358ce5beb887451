/**
 * IP addresses and CIDRs, parsed strictly (no leading zeros in IPv4 octets, no zones) and printed
 * the way Calico's Go code prints them (`net.IPNet.String()`: IPv4 dotted quad, IPv6 in RFC 5952
 * compressed form), after masking host bits, so `10.1.2.3/8` normalizes to `10.0.0.0/8`.
 */

export interface Cidr {
  readonly version: 4 | 6;
  /** 4 or 16 bytes, host bits cleared. */
  readonly bytes: readonly number[];
  readonly prefix: number;
}

/** Four decimal octets, each `0` or without leading zeros, at most 255. */
function parseIPv4(text: string): number[] | undefined {
  const out: number[] = [];
  const n = text.length;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(i) !== 46 /* . */) return undefined;
      i++;
    }
    const start = i;
    let value = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || (digits > 1 && text.charCodeAt(start) === 48) || value > 255) return undefined;
    out.push(value);
  }
  return i === n ? out : undefined;
}

function parseIPv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(Number.parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  let all: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    all = head;
  }
  return all.flatMap((g) => [g >> 8, g & 255]);
}

function parseAddress(text: string): { version: 4 | 6; bytes: number[] } | undefined {
  const v4 = parseIPv4(text);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = text.includes(":") ? parseIPv6(text) : undefined;
  return v6 ? { version: 6, bytes: v6 } : undefined;
}

/**
 * Parses `addr/prefix` (or a bare address when `allowBareAddress`, meaning /32 or /128).
 * Returns undefined when the text is not one.
 */
export function parseCidr(text: string, allowBareAddress = false): Cidr | undefined {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  if (slash < 0 && !allowBareAddress) return undefined;
  const addr = parseAddress(addrText);
  if (!addr) return undefined;
  const max = addr.version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { version: addr.version, bytes: mask(addr.bytes, prefix), prefix };
}

/** True when `text` is a bare address (no prefix). */
export function isBareAddress(text: string): boolean {
  return !text.includes("/") && parseAddress(text) !== undefined;
}

function mask(bytes: readonly number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
}

function formatAddress(version: 4 | 6, bytes: readonly number[]): string {
  if (version === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952: compress the first longest run of two or more zero groups.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c.version, c.bytes)}/${c.prefix}`;
}

/** `inner` lies inside `outer` and is strictly smaller. */
export function strictlyInside(inner: Cidr, outer: Cidr): boolean {
  if (inner.version !== outer.version || inner.prefix <= outer.prefix) return false;
  return mask(inner.bytes, outer.prefix).every((b, i) => b === outer.bytes[i]);
}
