/** IPv4 addresses as unsigned 32-bit numbers, for the interpreter's net and ipset matches. */

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
