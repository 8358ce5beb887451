import { rangeOf, type PortRange } from "../trace/index.js";

/**
 * When rules match source ports, a verdict holds for the traced source port's range only: the
 * note (for stderr) says which port was traced, where its verdict holds, and how to ask for another.
 */
export function sourcePortNote(m: { readonly sourcePortRanges: readonly PortRange[]; readonly srcPort: number }): string | undefined {
  if (m.sourcePortRanges.length === 0) return undefined;
  const r = rangeOf(m.sourcePortRanges, m.srcPort);
  const ranges = m.sourcePortRanges.map((x) => (x.first === x.last ? String(x.first) : `${x.first}-${x.last}`)).join(", ");
  return (
    `note: some rules match on source ports, so verdicts are for source port ${m.srcPort}` +
    `${r ? ` (the same for source ports ${r.first}-${r.last})` : ""}; the rules tell apart source ports ${ranges}; pass --source-port N for another\n`
  );
}
