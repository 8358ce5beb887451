/**
 * Mark bits (felix-dataplane.md §2, felix-nftables.md §7). Felix allocates single bits from the
 * lowest set bit of its mark mask (default 0xffff0000 in both modes) upward: accept, pass, drop,
 * scratch0, scratch1. The match terms and actions over them are IR (ir.ts); each dataplane's
 * printer spells them (iptables `-m mark --mark 0x10000/0x10000`, nft `meta mark & 0x10000 == 0x10000`).
 */
export const Mark = {
  accept: 0x10000,
  pass: 0x20000,
  drop: 0x40000,
  scratch0: 0x80000,
  scratch1: 0x100000,
} as const;

/** The bits Felix clears at the top of INPUT/OUTPUT processing (`allCalicoMarkBits`). */
export const allCalicoMarkBits = Mark.accept | Mark.pass | Mark.scratch0 | Mark.scratch1;

/** `0x10000`: lower-case hex without padding. */
export const hex = (n: number): string => `0x${n.toString(16)}`;

/** Go's `%#x`, which prints 0 as `0x0`. */
export const goHex = (n: number): string => (n === 0 ? "0x0" : hex(n));

export { clearMark, markClear, markNotClear, markSingleBitSet, setMark, setMaskedMark } from "./ir.js";
