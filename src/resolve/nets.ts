/**
 * CIDR helpers for the IPv4 output. Calico masks destination nets to their network address but
 * keeps source nets as written (felix-dataplane.md §4.1, pitfall 13): both spellings hash
 * differently, so both are reproduced. A bare address means /32.
 */

export const isIpv6 = (cidr: string): boolean => cidr.includes(":");

function parseV4(addr: string): number | undefined {
  const parts = addr.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

const formatV4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

export interface V4Net {
  readonly address: number;
  readonly prefix: number;
}

export function parseV4Net(text: string): V4Net | undefined {
  const [addr, len, extra] = text.split("/");
  if (addr === undefined || extra !== undefined) return undefined;
  const address = parseV4(addr);
  const prefix = len === undefined ? 32 : /^\d{1,2}$/.test(len) ? Number(len) : NaN;
  if (address === undefined || !(prefix >= 0 && prefix <= 32)) return undefined;
  return { address, prefix };
}

const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** `10.0.0.1/24` stays `10.0.0.1/24`; `10.0.0.1` becomes `10.0.0.1/32` (source nets). */
export function v4AsWritten(text: string): string {
  const n = parseV4Net(text);
  return n ? `${formatV4(n.address)}/${n.prefix}` : text;
}

/** `10.0.0.1/24` becomes `10.0.0.0/24` (destination nets, ipset members). */
export function v4Network(text: string): string {
  const n = parseV4Net(text);
  return n ? `${formatV4((n.address & maskOf(n.prefix)) >>> 0)}/${n.prefix}` : text;
}

/** Sort key for members: address, then prefix length, then the rest of the string. */
export function compareMembers(a: string, b: string): number {
  const na = parseV4Net(a.split(",")[0] ?? a);
  const nb = parseV4Net(b.split(",")[0] ?? b);
  if (na && nb) {
    if (na.address !== nb.address) return na.address - nb.address;
    if (na.prefix !== nb.prefix) return na.prefix - nb.prefix;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
