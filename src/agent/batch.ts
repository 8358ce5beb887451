/**
 * Pending: the changes that arrived since the last update, coalesced per name (the last change
 * of a name wins: a file saved three times in a burst is compiled once), and the texts the
 * engine was last given, per source, so that a snapshot turns into the few changes it implies
 * (an etcd re-list after compaction usually changes nothing) and an unchanged put is dropped.
 */
import type { SourceChange } from "./contract.js";

export class Pending {
  /** name → the text last handed to the engine, and which source owns the name. */
  private readonly known = new Map<string, { readonly text: string; readonly source: string }>();
  private readonly pending = new Map<string, { readonly change: SourceChange; readonly source: string; readonly since: number; readonly arrivals: number[] }>();

  get size(): number {
    return this.pending.size;
  }

  get entries(): number {
    return this.known.size;
  }

  /** When the oldest pending change arrived (for the event-to-kernel latency), or null. */
  oldest(): number | null {
    let t: number | null = null;
    for (const p of this.pending.values()) if (t === null || p.since < t) t = p.since;
    return t;
  }

  change(source: string, change: SourceChange, now: number): void {
    const was = this.pending.get(change.name);
    // Every event counts for the latency, also those a later one of the same name replaced.
    const arrivals = was?.arrivals ?? [];
    arrivals.push(now);
    this.pending.set(change.name, { change, source, since: was?.since ?? now, arrivals });
  }

  snapshot(source: string, entries: ReadonlyMap<string, string>, now: number): void {
    const held = new Set<string>();
    for (const [name, k] of this.known) if (k.source === source) held.add(name);
    for (const [name, p] of this.pending) if (p.source === source) held.add(name);
    for (const name of held) if (!entries.has(name)) this.change(source, { kind: "delete", name }, now);
    for (const [name, text] of entries) this.change(source, { kind: "put", name, text }, now);
  }

  /**
   * The changes to hand the engine, sorted by name (deterministic), without those that change
   * nothing; the known texts advance to them. `arrivals`: when each event taken arrived, by name
   * (those that changed nothing included: they are done with this step too).
   */
  take(): { readonly changes: readonly SourceChange[]; readonly oldest: number | null; readonly arrivals: ReadonlyMap<string, readonly number[]> } {
    const oldest = this.oldest();
    const changes: SourceChange[] = [];
    const arrivals = new Map<string, readonly number[]>();
    for (const [name, p] of this.pending) arrivals.set(name, p.arrivals);
    for (const [name, { change, source }] of [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const k = this.known.get(name);
      if (change.kind === "put") {
        if (k?.text === change.text) continue;
        this.known.set(name, { text: change.text, source });
      } else {
        if (k === undefined) continue;
        this.known.delete(name);
      }
      changes.push(change);
    }
    this.pending.clear();
    return { changes, oldest, arrivals };
  }

  /** The texts the engine holds, for rendering diagnostics with their source lines. */
  text(name: string): string | undefined {
    return this.known.get(name)?.text;
  }
}
