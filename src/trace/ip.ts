/** IP addresses for the interpreter's net and ipset matches: IPv4 as unsigned 32-bit numbers, IPv6 as bigints. */
import { parseCidr } from "../model/cidr.js";

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `10.0.0.5` → number, or undefined when the text is not a dotted IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const m = DOTTED.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export interface Ipv4Net {
  readonly network: number;
  readonly prefix: number;
}

/** Network mask for a prefix length, as an unsigned number. */
export const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** `10.0.0.0/8` or `10.0.0.5` (a /32) → network; undefined when not IPv4 CIDR text. */
export function parseIpv4Net(text: string): Ipv4Net | undefined {
  const slash = text.indexOf("/");
  const ip = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  if (ip === undefined) return undefined;
  const prefixText = slash < 0 ? "32" : text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  return { network: (ip & maskOf(prefix)) >>> 0, prefix };
}

export const inNet = (ip: number, net: Ipv4Net): boolean => ((ip & maskOf(net.prefix)) >>> 0) === net.network;

/**
 * IPv6 addresses as unsigned 128-bit bigints (IPv4 keeps plain numbers: the matrix traces
 * thousands of IPv4 packets and bigint arithmetic would slow every one of them).
 */
export function parseIpv6(text: string): bigint | undefined {
  if (!text.includes(":") || text.includes("/")) return undefined;
  const c = parseCidr(text, true);
  return c && c.version === 6 ? bytesToBigint(c.bytes) : undefined;
}

function bytesToBigint(bytes: readonly number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** A 128-bit address as eight hexadecimal groups (uncompressed: every parser reads it). */
export function formatIpv6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(":");
}

export interface Ipv6Net {
  readonly network: bigint;
  readonly prefix: number;
}

const ALL_ONES_128 = (1n << 128n) - 1n;

export const maskOf6 = (prefix: number): bigint => (prefix === 0 ? 0n : (ALL_ONES_128 << BigInt(128 - prefix)) & ALL_ONES_128);

/** `fd00::/64` or `fd00::5` (a /128) → network; undefined when not IPv6 CIDR text. */
export function parseIpv6Net(text: string): Ipv6Net | undefined {
  if (!text.includes(":")) return undefined;
  const c = parseCidr(text, true);
  return c && c.version === 6 ? { network: bytesToBigint(c.bytes), prefix: c.prefix } : undefined;
}

export const inNet6 = (ip: bigint, net: Ipv6Net): boolean => (ip & maskOf6(net.prefix)) === net.network;

/** An address of either family: a number (IPv4) or a bigint (IPv6). */
export type Address = number | bigint;

/** The address of `text` in family `v`, or undefined when it is not one. */
export function parseAddress(text: string, v: 4 | 6): Address | undefined {
  return v === 4 ? parseIpv4(text) : parseIpv6(text);
}

/** 4 or 6 for address text, undefined when it is neither. */
export function addressFamily(text: string): 4 | 6 | undefined {
  return parseIpv4(text) !== undefined ? 4 : parseIpv6(text) !== undefined ? 6 : undefined;
}
