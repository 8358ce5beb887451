/** "Did you mean" suggestions: the closest candidate by edit distance, if it is close enough. */

export function editDistance(a: string, b: string): number {
  // Optimal string alignment: insertions, deletions, substitutions and swaps of two adjacent
  // characters each cost 1, so the commonest typo (`sepc` for `spec`) is one edit away.
  const lower = (c: string | undefined) => c?.toLowerCase();
  let before: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = lower(a[i - 1]) === lower(b[j - 1]) ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && lower(a[i - 1]) === lower(b[j - 2]) && lower(a[i - 2]) === lower(b[j - 1])) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** The candidate nearest to `word` (ties: first in sorted order), within a third of its length. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of [...candidates].sort()) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(word.length, 3) / 3));
  return best !== undefined && best !== word && bestDistance <= limit ? best : undefined;
}
