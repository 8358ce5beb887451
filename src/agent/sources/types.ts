/**
 * A source of resource texts: a watched directory or an etcd datastore. Every resource text has
 * a name (a file path, an etcd key) that diagnostics point at.
 *
 * A source tells the daemon the whole of what it holds (`snapshot`: at start, and after it lost
 * track, e.g. an etcd watch that was compacted away), and single changes in between. The daemon
 * programs nothing until every source delivered its first snapshot: an agent that starts while
 * etcd is down must not apply an empty cluster.
 */
import type { Diagnostic } from "../../diagnostics/types.js";
import type { SourceChange } from "../contract.js";

export interface SourceSink {
  /** Everything the source holds now, by name. Names it held before and are missing are deleted. */
  snapshot(entries: ReadonlyMap<string, string>): void;
  change(change: SourceChange): void;
  /** A problem the source wants logged (it keeps going). */
  problem(message: string, details?: Readonly<Record<string, unknown>>): void;
  /**
   * The source cannot use the current content of `name` (unreadable, not a regular file, a link
   * out of its directory, too large): whatever the engine has of it stays in force. `null`: no
   * longer (read again, or gone). Reported once per change, not at every retry.
   */
  refused?(name: string, diagnostic: Diagnostic | null): void;
}

export interface SourceStatus {
  readonly source: string;
  /** `syncing`: no snapshot yet or re-listing; `synced`: watching; `disconnected`: retrying. */
  readonly state: "syncing" | "synced" | "disconnected";
  readonly entries: number;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface Source {
  /** For logs and status: `watch policies/`, `etcd http://127.0.0.1:2379`. */
  readonly id: string;
  start(sink: SourceSink): Promise<void>;
  /** A periodic look at everything (the daemon's resync): for sources that can miss events. */
  rescan?(): Promise<void>;
  status(): SourceStatus;
  stop(): Promise<void>;
}
