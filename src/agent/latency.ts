/** Event-to-kernel latencies of the last events, for the status dump (p50/p99/max). */
export class LatencyWindow {
  /** A ring: the newest `capacity` samples, oldest overwritten first. */
  private readonly samples: number[] = [];
  private next = 0;
  /** Samples added so far (a mark for `since`). */
  total = 0;
  constructor(private readonly capacity = 1000) {}

  add(ms: number): void {
    if (this.samples.length < this.capacity) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** The samples added after `mark` (a past `total`), oldest first, as far as the ring still holds them. */
  since(mark: number): number[] {
    const n = Math.min(this.total - mark, this.samples.length);
    const out: number[] = [];
    for (let i = n; i > 0; i--) out.push(this.samples[(this.next - i + this.samples.length) % this.samples.length] as number);
    return out;
  }

  summary(): { readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly max: number | null } {
    const s = [...this.samples].sort((a, b) => a - b);
    const at = (q: number): number | null => (s.length ? (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number) : null);
    return { count: s.length, p50: at(0.5), p99: at(0.99), max: s.length ? (s[s.length - 1] as number) : null };
  }
}
