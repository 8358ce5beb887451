/**
 * Mark bits and their exact text (felix-dataplane.md §2). Felix allocates single bits from the
 * lowest set bit of IptablesMarkMask (default 0xffff0000) upward: accept, pass, drop, scratch0,
 * scratch1. The asymmetric spelling of zero (`0/…` for clears, `0x0/…` for masked sets) is
 * Felix's and feeds the rule hash, so it is reproduced exactly.
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

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Go's `%#x`, which prints 0 as `0x0`. */
const goHex = (n: number): string => (n === 0 ? "0x0" : hex(n));

export const markSingleBitSet = (bit: number): string => `-m mark --mark ${hex(bit)}/${hex(bit)}`;
export const markClear = (mask: number): string => `-m mark --mark 0/${hex(mask)}`;
export const markNotClear = (mask: number): string => `-m mark ! --mark 0/${hex(mask)}`;

export const setMark = (bit: number): string => `--jump MARK --set-mark ${hex(bit)}/${hex(bit)}`;
export const clearMark = (mask: number): string => `--jump MARK --set-mark 0/${hex(mask)}`;
export const setMaskedMark = (mark: number, mask: number): string =>
  `--jump MARK --set-mark ${goHex(mark)}/${goHex(mask)}`;
