/**
 * `--watch DIR`: a directory of YAML/JSON files. What it holds is what `listInputTree` lists —
 * the same listing as `-f DIR` (input-tree.ts: `*.yaml|*.yml|*.json` at any depth, names
 * starting with `.` skipped, links followed while they stay inside DIR, so a ConfigMap volume
 * works). Each file is a source named by its path as the user would write it (relative to the
 * working directory when inside it), so diagnostics read `policies/allow.yaml:3:7: error …`.
 *
 * Events only say *that* something changed: every event (after a short window that gathers a
 * burst) and every resync lists the tree again with that one function, so the events and the
 * resync cannot disagree, whatever chokidar makes of links. chokidar watches the real directory
 * without following links (what a link leads to is inside the tree, so watched anyway, or
 * refused); `..`-names are watched (a ConfigMap update is the `..data` link swapped), other
 * dot-names are not (`.git`), so an edit inside a `.dir` that a link makes visible is seen at
 * the next resync. An event pass stats only the files that events named, new files,
 * and files reached through a link that now leads elsewhere; a resync stats all. A
 * file is read again only when its identity changed (inode, size, mtime, ctime).
 *
 * Reading a file (input-file.ts, settle.ts) is safe: only regular files, never a FIFO (which would block),
 * at most 64 MiB, and not while it is being written: a file is read only once its mtime is
 * `settleMs` old (a writer that pauses for less cannot have its first half applied), and a file
 * that changed during the read is read again. The safe way to update a file is still to write
 * a temporary file (a name starting with `.`, or without the yaml extension) in the same
 * directory and rename it over the target: the rename is atomic.
 *
 * A file that cannot be read, or is refused, keeps the version the engine has (its last good
 * one) in force: it is reported (`sink.problem` and `sink.refused`: the agent's log and its
 * status file's rejected inputs) and tried again at the next event and resync. Only a file that
 * is really gone (not listed, or ENOENT) is deleted; the files of a directory that cannot be
 * listed are kept (the watched directory itself missing is reported and changes nothing).
 */
import { realpath } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { keptChanging, problemDiagnostic, type InputProblem } from "./input-problems.js";
import { INPUT_NAME, listInputTree, nodeInputFs, type InputFs, type ListedFile } from "./input-tree.js";
import { settleAndRead, type Settled } from "./settle.js";
import type { Source, SourceSink, SourceStatus } from "./types.js";

export interface DirectorySourceOptions {
  /** How old a file's last write must be before it is read (default 25 ms). */
  readonly settleMs?: number;
  /** How long a read waits for a file that keeps being written before giving up until the next pass (default 1 s). */
  readonly settleLimitMs?: number;
  readonly fs?: InputFs;
}

interface Held {
  readonly text: string;
  readonly signature: string;
  readonly real: string;
}

/** Files stat'ed and read at once in a pass. */
const READ_CONCURRENCY = 16;

export class DirectorySource implements Source {
  readonly id: string;
  private readonly root: string;
  /** The root as names show it (relative to the working directory when inside it). */
  private readonly shownRoot: string;
  private readonly settleMs: number;
  private readonly settleLimitMs: number;
  private readonly fs: InputFs;
  private watcher: FSWatcher | null = null;
  private sink: SourceSink | null = null;
  private stopped = false;
  /** What is in force, by name: the last version read (and handed on). */
  private readonly held = new Map<string, Held>();
  /** Names refused now, and the message they were reported with (reported once per message). */
  private readonly refusals = new Map<string, string>();
  /** Real paths that events named since the last event pass. */
  private touched = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private eventPassQueued = false;
  private queue: Promise<void> = Promise.resolve();
  private state: SourceStatus["state"] = "syncing";

  constructor(
    private readonly dir: string,
    private readonly cwd: string,
    options: DirectorySourceOptions = {},
  ) {
    this.root = resolve(cwd, dir);
    const rel = relative(cwd, this.root);
    this.shownRoot = rel === "" ? "." : rel.startsWith("..") ? this.root : rel.split(sep).join("/");
    this.id = `watch ${dir}`;
    this.settleMs = options.settleMs ?? 25;
    this.settleLimitMs = options.settleLimitMs ?? 1000;
    this.fs = options.fs ?? nodeInputFs;
  }

  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    const real = await realpath(this.root).catch(() => this.root);
    const watcher = watch(real, {
      ignoreInitial: true,
      followSymlinks: false,
      ignored: (path, stats) => {
        const name = basename(path);
        return (name.startsWith(".") && !name.startsWith("..")) || (stats?.isFile() === true && !INPUT_NAME.test(name));
      },
    });
    this.watcher = watcher;
    watcher.on("all", (_event, path) => this.touch(path));
    // chokidar drops a `change` that follows another within 50 ms (its throttle); the raw
    // fs.watch events behind it are not dropped, so they trigger a pass too.
    watcher.on("raw", (_event, name, details) => {
      const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      if (typeof watched !== "string") return;
      this.touch(watched);
      if (typeof name === "string" && name !== "") this.touch(join(watched, name));
    });
    watcher.on("error", (e) => sink.problem(`watching ${this.root} failed: ${e instanceof Error ? e.message : String(e)}`));
    await new Promise<void>((done) => watcher.once("ready", () => done()));
    // Watch first, then list: a file changed in between is seen twice, never missed.
    await this.enqueue("full");
    this.state = "synced";
  }

  /** The daemon's resync: list and read everything, and hand on the whole (a snapshot). */
  rescan(): Promise<void> {
    return this.enqueue("full");
  }

  status(): SourceStatus {
    return { source: this.id, state: this.state, entries: this.held.size, detail: { dir: this.root, refused: this.refusals.size } };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.watcher?.close();
    this.watcher = null;
    await this.queue;
  }

  /** `path`: a real path under the watched directory that an event named. */
  private touch(path: string): void {
    this.touched.add(path);
    this.schedule(this.settleMs);
  }

  private schedule(ms: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.eventPassQueued) void this.enqueue("event");
    }, ms);
  }

  private enqueue(kind: "event" | "full"): Promise<void> {
    if (kind === "event") this.eventPassQueued = true;
    const run = this.queue.then(() => this.pass(kind));
    this.queue = run.catch((e: unknown) => this.sink?.problem(`listing ${this.root} failed: ${e instanceof Error ? e.message : String(e)}`));
    return run;
  }

  private display(path: string): string {
    // Listed paths are under the root: only their tail needs converting (path.relative costs
    // microseconds a call, tens of milliseconds for each pass over 10,000 files).
    if (path === this.root) return this.shownRoot;
    if (path.startsWith(`${this.root}${sep}`)) {
      const tail = path.slice(this.root.length + 1).split(sep).join("/");
      return this.shownRoot === "." ? tail : `${this.shownRoot}/${tail}`;
    }
    const rel = relative(this.cwd, path);
    return rel.startsWith("..") ? path : rel.split(sep).join("/");
  }

  /** One look at the tree; `full`: every file read and a snapshot handed on, `event`: changes. */
  private async pass(kind: "event" | "full"): Promise<void> {
    if (this.stopped || !this.sink) return;
    if (kind === "event") this.eventPassQueued = false;
    const touched = this.touched;
    this.touched = new Set();
    const tree = await listInputTree(this.root, this.dir, this.fs);
    const present = new Set<string>();
    const refusedNow = new Map<string, InputProblem>();
    const puts = new Map<string, string>();
    let retry = false;
    const candidates: { readonly file: ListedFile; readonly name: string; readonly held: Held | undefined }[] = [];
    for (const file of tree.files) {
      const name = this.display(file.path);
      present.add(name);
      const held = this.held.get(name);
      const unchanged = held !== undefined && held.real === file.real && !this.refusals.has(name) && !touched.has(file.real);
      if (kind === "full" || !unchanged) candidates.push({ file, name, held });
    }
    // A few at a time: a resync of thousands of files is not one stat after another.
    const outcomes: Settled[] = [];
    for (let i = 0; i < candidates.length; i += READ_CONCURRENCY) {
      outcomes.push(...(await Promise.all(candidates.slice(i, i + READ_CONCURRENCY).map((c) => settleAndRead(c.file.path, c.held?.real === c.file.real ? c.held.signature : undefined, { fs: this.fs, settleMs: this.settleMs, settleLimitMs: this.settleLimitMs, within: tree.rootReal })))));
    }
    for (const [i, { file, name }] of candidates.entries()) {
      const outcome = outcomes[i] as Settled;
      if (outcome.kind === "text") {
        this.held.set(name, { text: outcome.text, signature: outcome.signature, real: file.real });
        puts.set(name, outcome.text);
      } else if (outcome.kind === "problem") {
        if (outcome.problem.errno === "ENOENT") present.delete(name);
        else refusedNow.set(name, outcome.problem);
      } else if (outcome.kind === "unsettled") {
        retry = true;
        refusedNow.set(name, keptChanging(file.path));
      }
    }
    const unlistedPaths = new Set(tree.unlisted);
    for (const problem of tree.problems) {
      // A link to nothing is a file that is not there; a directory that cannot be listed (even
      // the watched one, missing) is reported, and what it held is kept.
      if (problem.errno !== "ENOENT" || unlistedPaths.has(problem.path)) refusedNow.set(this.display(problem.path), problem);
    }
    if (this.stopped) return;
    // Kept, not deleted: what was refused, and what lies in a directory that could not be listed.
    const unlisted = tree.unlisted.map((d) => this.display(d));
    const unknown = (name: string): boolean => unlisted.some((d) => name === d || name.startsWith(`${d}/`));
    const deleted = [...this.held.keys()].filter((name) => !present.has(name) && !refusedNow.has(name) && !unknown(name));
    for (const name of deleted) this.held.delete(name);
    this.report(refusedNow, unknown);
    const sink = this.sink;
    if (kind === "full") sink.snapshot(new Map([...this.held].map(([name, h]) => [name, h.text])));
    else {
      for (const name of deleted) sink.change({ kind: "delete", name });
      for (const [name, text] of puts) sink.change({ kind: "put", name, text });
    }
    if (retry) this.schedule(this.settleMs);
  }

  /**
   * Reports names newly refused (or refused for another reason), and names no longer refused.
   * `unknown`: a name in a directory that cannot be listed now (it stays as it was reported).
   */
  private report(refusedNow: ReadonlyMap<string, InputProblem>, unknown: (name: string) => boolean): void {
    const sink = this.sink;
    if (!sink) return;
    for (const [name, problem] of refusedNow) {
      const diagnostic = problemDiagnostic(problem, name);
      const line = `${name}: ${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`;
      if (this.refusals.get(name) === line) continue;
      this.refusals.set(name, line);
      sink.problem(line, { file: name, code: diagnostic.code, keptLastGood: this.held.has(name) });
      sink.refused?.(name, diagnostic);
    }
    for (const name of [...this.refusals.keys()]) {
      if (refusedNow.has(name) || unknown(name)) continue;
      this.refusals.delete(name);
      sink.refused?.(name, null);
    }
  }
}
