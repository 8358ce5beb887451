/** Event-to-kernel latencies of the last applies, for the status dump (p50/p99/max). */
export class LatencyWindow {
  private readonly samples: number[] = [];
  constructor(private readonly capacity = 1000) {}

  add(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  summary(): { readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly max: number | null } {
    const s = [...this.samples].sort((a, b) => a - b);
    const at = (q: number): number | null => (s.length ? (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number) : null);
    return { count: s.length, p50: at(0.5), p99: at(0.99), max: s.length ? (s[s.length - 1] as number) : null };
  }
}
