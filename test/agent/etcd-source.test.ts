/**
 * EtcdSource against a real etcd 3.4 (Debian etcd-server) on 127.0.0.1: list then watch,
 * Calico's key layout, an etcd restart, and a compaction past the watch's revision.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdSource } from "../../src/agent/sources/etcd.js";
import type { SourceChange } from "../../src/agent/contract.js";
import { etcdProblems, freePort, startEtcd, type EtcdServer } from "./etcd-server.js";
import { prerequisitesMet } from "../ci.js";

const problems = await etcdProblems();
const runnable = prerequisitesMet("etcd source (real etcd)", problems);

const ROOT = "/calico/resources/v3/projectcalico.org";
const np = (ns: string, name: string, selector = "all()") =>
  JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "NetworkPolicy", metadata: { name, namespace: ns }, spec: { selector } });

type Event = { kind: "snapshot"; entries: Record<string, string> } | SourceChange | { kind: "problem"; message: string };

function recorder() {
  const events: Event[] = [];
  const waiters: (() => void)[] = [];
  const sink = {
    snapshot: (entries: ReadonlyMap<string, string>) => push({ kind: "snapshot", entries: Object.fromEntries(entries) }),
    change: (c: SourceChange) => push(c),
    problem: (message: string) => push({ kind: "problem", message }),
  };
  function push(e: Event) {
    events.push(e);
    for (const w of waiters.splice(0)) w();
  }
  /** Waits until `pred` holds for some event after index `from`; returns it. */
  async function until<T extends Event>(pred: (e: Event) => e is T, from = 0, ms = 15_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = events.slice(from).find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(events, null, 1).slice(0, 3000)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
  return { events, sink, until };
}

const isSnapshot = (e: Event): e is Extract<Event, { kind: "snapshot" }> => e.kind === "snapshot";
const isPut = (name: string) => (e: Event): e is Extract<Event, { kind: "put" }> => e.kind === "put" && e.name === name;
const isDelete = (name: string) => (e: Event): e is Extract<Event, { kind: "delete" }> => e.kind === "delete" && e.name === name;

describe.skipIf(!runnable)("etcd source (real etcd)", () => {
  let etcd: EtcdServer;
  let source: EtcdSource;
  const rec = recorder();
  beforeAll(async () => {
    etcd = await startEtcd();
    await etcd.ctl(["put", `${ROOT}/networkpolicies/default/a`, np("default", "a")]);
    await etcd.ctl(["put", `${ROOT}/ippools/default-pool`, "{}"]);
    await etcd.ctl(["put", `${ROOT}/networkpolicies/default/liar`, np("prod", "liar")]);
    await etcd.ctl(["put", "/calico/felix/v2/x", "y"]);
    source = new EtcdSource({ urls: [etcd.url], maxBackoffMs: 300 });
    await source.start(rec.sink);
  }, 30_000);
  afterAll(async () => {
    await source?.stop();
    await etcd?.destroy();
  });

  it("lists the policy kinds under the Calico root (keys are the names), skipping other kinds and refusing a value that contradicts its key", async () => {
    const snap = await rec.until(isSnapshot);
    expect(snap.entries).toEqual({ [`${ROOT}/networkpolicies/default/a`]: np("default", "a") });
    expect(rec.events).toContainEqual({
      kind: "problem",
      message: `${ROOT}/networkpolicies/default/liar: error PC7010: the key names NetworkPolicy default/liar but metadata.namespace is "prod"; the key is ignored`,
    });
    expect(source.status()).toMatchObject({ state: "synced", entries: 1, detail: { skippedKeys: 2 } });
  });

  it("watches from the list's revision: puts and deletes made with etcdctl arrive in order", async () => {
    const from = rec.events.length;
    await etcd.ctl(["put", `${ROOT}/globalnetworkpolicies/g`, JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "g" }, spec: {} })]);
    await etcd.ctl(["del", `${ROOT}/networkpolicies/default/a`]);
    await rec.until(isDelete(`${ROOT}/networkpolicies/default/a`), from);
    const changes = rec.events.slice(from).filter((e) => e.kind === "put" || e.kind === "delete").map((e) => `${e.kind} ${(e as SourceChange).name}`);
    expect(changes).toEqual([`put ${ROOT}/globalnetworkpolicies/g`, `delete ${ROOT}/networkpolicies/default/a`]);
  });

  it("survives an etcd restart: lists again (the same content) and sees changes made after it", async () => {
    const before = (await rec.until(isSnapshot)).entries;
    const from = rec.events.length;
    await etcd.stop();
    await new Promise((r) => setTimeout(r, 500));
    await etcd.start();
    const snap = await rec.until(isSnapshot, from);
    expect(Object.keys(snap.entries)).toEqual([`${ROOT}/globalnetworkpolicies/g`]);
    expect(Object.keys(before)).toEqual([`${ROOT}/networkpolicies/default/a`]);
    const after = rec.events.length;
    await etcd.ctl(["put", `${ROOT}/networkpolicies/default/b`, np("default", "b")]);
    await rec.until(isPut(`${ROOT}/networkpolicies/default/b`), after);
  }, 30_000);

  it("after a compaction past its revision (changes made while it was away), lists again and the snapshot has them", async () => {
    const original = etcd.clientPort;
    await etcd.stop();
    // Change and compact while the source cannot see this etcd (it listens elsewhere for now).
    await etcd.start(await freePort());
    await etcd.ctl(["del", `${ROOT}/networkpolicies/default/b`]);
    await etcd.ctl(["put", `${ROOT}/networkpolicies/default/c`, np("default", "c")]);
    await etcd.ctl(["compact", String(await etcd.revision())]);
    await etcd.stop();
    const from = rec.events.length;
    await etcd.start(original);
    const snap = await rec.until(isSnapshot, from, 20_000);
    expect(Object.keys(snap.entries).sort()).toEqual([`${ROOT}/globalnetworkpolicies/g`, `${ROOT}/networkpolicies/default/c`]);
    const after = rec.events.length;
    await etcd.ctl(["put", `${ROOT}/networkpolicies/default/d`, np("default", "d")]);
    await rec.until(isPut(`${ROOT}/networkpolicies/default/d`), after);
  }, 60_000);
});
