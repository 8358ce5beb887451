/**
 * Addresses and CIDRs for the reference, both families, as 32- or 128-bit integers. Written for
 * the reference alone (src/model/cidr.ts is the compiler's).
 */

export interface Addr {
  readonly family: 4 | 6;
  readonly value: bigint;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((a, p) => a * 256n + BigInt(Number(p)), 0n);
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  const groups: number[] = [];
  // An embedded IPv4 tail (::ffff:1.2.3.4).
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4) {
    const n = parseV4(v4[2]!);
    if (n === undefined) return undefined;
    tail = [Number(n >> 16n), Number(n & 0xffffn)];
    text = v4[1]!.endsWith("::") ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const part = (h: string): number[] | undefined => {
    if (h === "") return [];
    const out: number[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = part(halves[0]!);
  const rest = halves.length === 2 ? part(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  groups.push(...head, ...Array<number>(8 - known).fill(0), ...rest, ...tail);
  return groups.reduce((a, g) => (a << 16n) | BigInt(g), 0n);
}

export function parseAddr(s: string): Addr | undefined {
  if (s.includes(":")) {
    const v = parseV6(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseV4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

export const familyOf = (ip: string): 4 | 6 => (ip.includes(":") ? 6 : 4);

/** `ip` inside `cidr` (a bare address is a host route); addresses of the other family never are. */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split("/") as [string, string | undefined];
  const a = parseAddr(ip);
  const n = parseAddr(net);
  if (!a || !n || a.family !== n.family) return false;
  const width = a.family === 4 ? 32 : 128;
  const bits = len === undefined ? width : Number(len);
  const shift = BigInt(width - bits);
  return a.value >> shift === n.value >> shift;
}

/** The address part of `10.0.0.1/32`. */
export const hostOf = (cidr: string): string => cidr.split("/")[0]!;
