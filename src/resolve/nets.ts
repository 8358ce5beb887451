/**
 * CIDR helpers for the IPv4 output. Calico masks source and destination nets alike to their
 * network address (`cnet.ParseCIDROrIP` keeps Go's masked network; calico-332.md §7.1 item 6
 * corrects felix-dataplane.md §4.1 and pitfall 13, which said source nets stay as written). A bare
 * address means /32.
 */

import { formatCidr, parseCidr } from "../model/cidr.js";

export const isIpv6 = (cidr: string): boolean => cidr.includes(":");

/** Dotted quad → 32-bit number; undefined unless exactly four decimal octets 0..255. */
function parseV4(addr: string): number | undefined {
  let n = 0;
  let octet = -1;
  let dots = 0;
  let digits = 0;
  for (let i = 0; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c === 46 /* . */) {
      if (octet < 0 || dots === 3) return undefined;
      n = n * 256 + octet;
      octet = -1;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      octet = (octet < 0 ? 0 : octet * 10) + (c - 48);
      digits++;
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || octet < 0) return undefined;
  return n * 256 + octet;
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

export const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

export const formatV4Net = (address: number, prefix: number): string => `${formatV4(address)}/${prefix}`;

/** `10.0.0.1/24` becomes `10.0.0.0/24`, `10.0.0.1` becomes `10.0.0.1/32` (rule nets, ipset members). */
export function v4Network(text: string): string {
  const n = parseV4Net(text);
  return n ? `${formatV4((n.address & maskOf(n.prefix)) >>> 0)}/${n.prefix}` : text;
}

/**
 * An IPv6 net in the form Go's `net.IPNet.String()` prints (RFC 5952 compressed, lower case),
 * masked; a bare address means /128. The model already holds this form, so this is a guard.
 */
export function v6Net(text: string): string {
  const c = parseCidr(text, true);
  return c && c.version === 6 ? formatCidr(c) : text;
}
