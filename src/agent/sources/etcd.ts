/**
 * `--etcd URLS`: Calico's etcd v3 datastore (calico-keys.ts), through the `etcd3` client
 * (maintained, pure JavaScript over @grpc/grpc-js; works with Node 20 and etcd 3.4).
 *
 * List, then watch from the list's revision + 1, so no change between the two is lost. After
 * any interruption (etcd restarted, the connection lost, the watch cancelled because the
 * revision it would resume from was compacted) the source lists again, with backoff until etcd
 * answers, and hands the daemon a fresh snapshot. The daemon turns that into the changes it
 * implies (keys deleted in the gap are deleted, changed ones updated, an unchanged re-list costs
 * nothing), so nothing missed in the gap is lost and nothing unchanged is reapplied.
 */
import { Etcd3, type IOptions } from "etcd3";
import { ExponentialBackoff } from "cockatiel";
import { CALICO_RESOURCE_ROOT, classifyKey, keyMismatch } from "./calico-keys.js";
import type { Source, SourceSink, SourceStatus } from "./types.js";
import { Codes } from "../../diagnostics/codes.js";
import type { EtcdConnection } from "./etcd-config.js";
import { explainEtcdError, type EtcdTlsMaterial } from "./etcd-tls.js";

export interface EtcdSourceOptions {
  readonly urls: readonly string[];
  /** CA, client certificate and key (loadEtcdTls); required for https:// endpoints' own CA. */
  readonly tls?: EtcdTlsMaterial;
  /** etcd username/password authentication. */
  readonly auth?: EtcdConnection["auth"];
  /** Default `/calico`. */
  readonly prefix?: string;
  /** Longest wait between reconnection or re-list attempts (default 2000 ms). */
  readonly maxBackoffMs?: number;
}

type Watcher = Awaited<ReturnType<ReturnType<Etcd3["watch"]>["create"]>>;

export class EtcdSource implements Source {
  readonly id: string;
  private readonly prefix: string;
  private readonly maxBackoffMs: number;
  private readonly client: Etcd3;
  private sink: SourceSink | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private watcher: Watcher | null = null;
  private state: SourceStatus["state"] = "syncing";
  private readonly keys = new Set<string>();
  private skipped = 0;
  private revision: string | null = null;
  private lists = 0;
  private readonly connection: EtcdConnection;
  private readonly tls: EtcdTlsMaterial | undefined;

  constructor(options: EtcdSourceOptions) {
    this.prefix = (options.prefix ?? "/calico").replace(/\/+$/, "");
    this.maxBackoffMs = options.maxBackoffMs ?? 2000;
    this.id = `etcd ${options.urls.join(",")}`;
    this.tls = options.tls;
    this.connection = { endpoints: options.urls, endpointsFrom: "--etcd", ...(options.auth && { auth: options.auth }) };
    this.client = new Etcd3(etcdClientOptions(options.urls, options.tls, options.auth, this.maxBackoffMs));
  }

  start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    this.loop = this.run();
    return Promise.resolve();
  }

  status(): SourceStatus {
    return {
      source: this.id,
      state: this.state,
      entries: this.keys.size,
      // How it connects, never with what: no password, key or certificate.
      detail: { prefix: this.prefix, revision: this.revision, lists: this.lists, skippedKeys: this.skipped, tls: this.tls !== undefined, user: this.connection.auth?.username ?? null },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.client.close();
    // A call in flight against an unreachable etcd ends when the client closes, or soon after.
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        this.state = "syncing";
        const revision = await this.list();
        backoff = 100;
        await this.watchFrom(revision);
      } catch (e) {
        this.state = "disconnected";
        // In words and per endpoint (a TLS or credential problem), never with a secret.
        const why = this.stopped ? "" : await explainEtcdError(e, this.connection, this.tls, Math.min(2000, Math.max(500, backoff)));
        if (!this.stopped) this.sink?.problem(`etcd: ${why}; retrying in ${backoff} ms`);
      }
      if (this.stopped) break;
      await new Promise<void>((done) => {
        const t = setTimeout(done, backoff);
        this.wake = () => (clearTimeout(t), done());
      });
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
    }
  }

  /** One consistent read of every resource key; returns its revision. */
  private async list(): Promise<bigint> {
    const res = await this.client.getAll().prefix(`${this.prefix}${CALICO_RESOURCE_ROOT}`).exec();
    const entries = new Map<string, string>();
    let skipped = 0;
    for (const kv of res.kvs) {
      const key = kv.key.toString();
      const text = this.accept(key, kv.value.toString());
      if (text === null) skipped++;
      else entries.set(key, text);
    }
    this.skipped = skipped;
    this.keys.clear();
    for (const k of entries.keys()) this.keys.add(k);
    this.revision = res.header.revision;
    this.lists++;
    this.sink?.snapshot(entries);
    this.state = "synced";
    return BigInt(res.header.revision);
  }

  /** Watches until the watch is cancelled (compaction) or stop(); resolves then. */
  private async watchFrom(listed: bigint): Promise<void> {
    const watcher = await this.client.watch().prefix(`${this.prefix}${CALICO_RESOURCE_ROOT}`).startRevision(String(listed + 1n)).create();
    this.watcher = watcher;
    try {
      await new Promise<void>((done) => {
        this.wake = done;
        watcher.on("put", (kv) => {
          const key = kv.key.toString();
          this.revision = kv.mod_revision;
          const text = this.accept(key, kv.value.toString());
          if (text === null) return;
          this.keys.add(key);
          this.sink?.change({ kind: "put", name: key, text });
        });
        watcher.on("delete", (kv) => {
          const key = kv.key.toString();
          this.revision = kv.mod_revision;
          if (!this.keys.delete(key)) return;
          this.sink?.change({ kind: "delete", name: key });
        });
        watcher.on("disconnected", (e: unknown) => {
          // Resuming is left to a fresh list, not to the client's own re-attach: after a
          // compaction in the gap, etcd3 1.1 re-attaches from the compacted revision forever.
          this.state = "disconnected";
          this.sink?.problem(`etcd watch disconnected (${message(e)}); listing again once etcd answers`);
          done();
        });
        watcher.on("error", (e: unknown) => {
          // Cancelled by etcd, typically because the revision to resume from was compacted.
          this.sink?.problem(`etcd watch cancelled (${message(e)}); listing again`);
          done();
        });
      });
    } finally {
      this.watcher = null;
      await watcher.cancel().catch(() => undefined);
    }
  }

  /** The text to compile for `key`, or null when the key is not a policy resource or lies about it. */
  private accept(key: string, text: string): string | null {
    const verdict = classifyKey(this.prefix, key);
    if (verdict.kind === "skip") return null;
    const mismatch = keyMismatch(verdict, text);
    if (mismatch === null) return text;
    // The key is the resource's identity in Calico's datastore.
    const code = Codes.etcdKeyMismatch.code;
    this.sink?.problem(`${key}: error ${code}: ${mismatch}; the key is ignored`, { code, key });
    return null;
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The etcd3 client's options: TLS with the given CA (or the system's), client certificate and
 * key for https:// endpoints, and username/password. etcd3 uses TLS for every host as soon as
 * credentials or an https:// host are given, so a configuration never reaches part of a cluster
 * in plaintext (etcd-config.ts refuses mixed schemes anyway).
 */
export function etcdClientOptions(urls: readonly string[], tls: EtcdTlsMaterial | undefined, auth: EtcdConnection["auth"] | undefined, maxBackoffMs: number): IOptions {
  return {
    hosts: [...urls],
    dialTimeout: 5000,
    ...(tls && { credentials: { rootCertificate: tls.ca as Buffer, ...(tls.cert && { certChain: tls.cert }), ...(tls.key && { privateKey: tls.key }) } }),
    ...(auth && { auth: { username: auth.username, password: auth.password } }),
    // gRPC's own reconnect backoff grows to 120 s while etcd is down; keep it short, so the
    // agent is back within seconds of etcd.
    grpcOptions: { "grpc.initial_reconnect_backoff_ms": 100, "grpc.max_reconnect_backoff_ms": maxBackoffMs },
    // Reconnect a lost watch within maxBackoffMs instead of the default 30 s. etcd3 1.1 types
    // this field as an IBackoff but uses it as a factory, as its own default (an
    // ExponentialBackoff) is.
    faultHandling: { watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: maxBackoffMs }) as never },
  };
}
