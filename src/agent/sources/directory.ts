/**
 * `--watch DIR`: a directory of YAML/JSON files (recursively, `*.yaml|*.yml|*.json`; names
 * starting with `.` are skipped: editors' swap and backup files). Each file is a source named by
 * its path as the user would write it (relative to the working directory when inside it), so
 * diagnostics read `policies/allow.yaml:3:7: error …`.
 *
 * Watching uses chokidar rather than bare `fs.watch`: on Linux `fs.watch` watches one directory
 * per call and Node 20's `recursive` option is emulated in JavaScript with known gaps (new
 * subdirectories, renames); editors save by writing a temp file and renaming it over the
 * original (chokidar's `atomic` handling turns that into one `change`); and events for one save
 * come in bursts. chokidar is the maintained answer to all three. v4 is used: v5+ needs Node
 * ≥ 20.19 and this package supports every Node 20.
 *
 * A file is read when its event arrives, and only the newest read of a file is passed on (reads
 * can finish out of order). A half-written file (a non-atomic writer) may be reported as invalid
 * for a moment; its last good version stays in force until the next event brings the rest.
 * `rescan` (called at every resync) re-reads the whole tree: a safety net for missed events.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { watch, type FSWatcher } from "chokidar";
import type { Source, SourceSink, SourceStatus } from "./types.js";

const INPUT = /\.(ya?ml|json)$/i;

export class DirectorySource implements Source {
  readonly id: string;
  private readonly root: string;
  private watcher: FSWatcher | null = null;
  private sink: SourceSink | null = null;
  private readonly seq = new Map<string, number>();
  private names = new Set<string>();
  private state: SourceStatus["state"] = "syncing";

  constructor(
    dir: string,
    private readonly cwd: string,
  ) {
    this.root = resolve(cwd, dir);
    this.id = `watch ${dir}`;
  }

  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    const watcher = watch(this.root, {
      ignoreInitial: true,
      atomic: true,
      ignored: (path, stats) => basename(path).startsWith(".") || (stats?.isFile() === true && !INPUT.test(path)),
    });
    this.watcher = watcher;
    watcher.on("add", (p) => void this.read(p));
    watcher.on("change", (p) => void this.read(p));
    watcher.on("unlink", (p) => this.gone(p));
    watcher.on("unlinkDir", (p) => {
      const prefix = `${this.display(p)}/`;
      for (const name of [...this.names]) if (name.startsWith(prefix)) this.gone(join(this.cwd, name), name);
    });
    watcher.on("error", (e) => sink.problem(`watching ${this.root} failed: ${e instanceof Error ? e.message : String(e)}`));
    await new Promise<void>((done) => watcher.once("ready", () => done()));
    // Watch first, then list: a file changed in between is seen twice, never missed.
    await this.rescan();
    this.state = "synced";
  }

  async rescan(): Promise<void> {
    const sink = this.sink;
    if (!sink) return;
    const entries = new Map<string, string>();
    let files: string[];
    try {
      files = (await readdir(this.root, { recursive: true, withFileTypes: true }))
        .filter((e) => (e.isFile() || e.isSymbolicLink()) && INPUT.test(e.name))
        .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
        .filter((f) => !relative(this.root, f).split(sep).some((part) => part.startsWith(".")));
    } catch (e) {
      sink.problem(`cannot list ${this.root}: ${e instanceof Error ? e.message : String(e)}`);
      files = [];
    }
    for (const f of files.sort()) {
      try {
        entries.set(this.display(f), stripBom(await readFile(f, "utf8")));
      } catch {
        // Gone between the listing and the read: it is simply not there.
      }
    }
    this.names = new Set(entries.keys());
    sink.snapshot(entries);
  }

  status(): SourceStatus {
    return { source: this.id, state: this.state, entries: this.names.size, detail: { dir: this.root } };
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
    this.watcher = null;
  }

  private display(path: string): string {
    const rel = relative(this.cwd, path);
    return rel.startsWith("..") ? path : rel.split(sep).join("/");
  }

  private async read(path: string): Promise<void> {
    const name = this.display(path);
    const n = (this.seq.get(name) ?? 0) + 1;
    this.seq.set(name, n);
    let text: string | null;
    try {
      text = stripBom(await readFile(path, "utf8"));
    } catch {
      text = null;
    }
    if (this.seq.get(name) !== n) return;
    if (text === null) this.gone(path, name);
    else {
      this.names.add(name);
      this.sink?.change({ kind: "put", name, text });
    }
  }

  private gone(path: string, name = this.display(path)): void {
    this.seq.set(name, (this.seq.get(name) ?? 0) + 1);
    this.names.delete(name);
    this.sink?.change({ kind: "delete", name });
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
