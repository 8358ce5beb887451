/**
 * The etcd side of `policy-compile datastore`: a client per command whose failures become exit 3
 * in words, and the all-or-nothing writes. apply and delete read the keys first and commit ONE
 * transaction that also compares every touched key with what was read (absent: create revision
 * 0; present: its mod revision), so a concurrent writer makes the transaction fail instead of
 * being overwritten unseen; it is then planned again from a fresh read (three attempts).
 */
import { Etcd3 } from "etcd3";
import { etcdClientOptions } from "../agent/sources/etcd.js";
import type { DatastoreEntry } from "../agent/sources/etcd-resources.js";
import { explainEtcdError } from "../agent/sources/etcd-tls.js";
import type { CliContext } from "./context.js";
import type { ResolvedEtcd } from "./etcd-flags.js";
import { DatastoreFailure, InputError, UsageError } from "./io.js";

/** Runs `body` with a client of `etcd`; an etcd failure becomes a DatastoreFailure (exit 3) in words. */
export async function withClient<T>(etcd: ResolvedEtcd, command: string, body: (client: Etcd3) => Promise<T>): Promise<T> {
  const client = new Etcd3({
    ...etcdClientOptions(etcd.connection.endpoints, etcd.tls, etcd.connection.auth, 2000),
    // A command never waits forever: etcd itself answers within ~7 s when it has no quorum.
    defaultCallOptions: () => ({ deadline: Date.now() + 15_000 }),
  });
  try {
    return await body(client);
  } catch (e) {
    if (e instanceof InputError || e instanceof UsageError || e instanceof DatastoreFailure) throw e;
    const why = /too many operations in txn/.test(String((e as Error)?.message))
      ? "etcd refused the transaction: more operations than its --max-txn-ops (128 by default); apply fewer resources at once"
      : await explainEtcdError(e, etcd.connection, etcd.tls);
    throw new DatastoreFailure(`${command}: etcd: ${why}`);
  } finally {
    client.close();
  }
}

/** key → [value, mod revision] of the keys that exist. */
async function readKeys(client: Etcd3, keys: readonly string[]): Promise<Map<string, { value: string; mod: string }>> {
  const found = new Map<string, { value: string; mod: string }>();
  for (const key of keys) {
    const res = await client.get(key).exec();
    const kv = res.kvs[0];
    if (kv) found.set(key, { value: kv.value.toString(), mod: kv.mod_revision });
  }
  return found;
}

const ATTEMPTS = 3;

export async function apply(entries: readonly DatastoreEntry[], client: Etcd3, ctx: CliContext, command: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await readKeys(client, entries.map((e) => e.key));
    const plan = entries.map((e) => {
      const text = JSON.stringify(e.value);
      const was = current.get(e.key);
      return { e, text, verdict: was === undefined ? "created" : was.value === text ? "unchanged" : "configured" };
    });
    const writes = plan.filter((p) => p.verdict !== "unchanged");
    let revision = "";
    if (writes.length > 0) {
      // Every written key must still be as read: absent (create revision 0) or at its mod revision.
      const [first, ...rest] = writes.map((w) => ({ key: w.e.key, mod: current.get(w.e.key)?.mod }));
      const cmp = (c: { key: string; mod: string | undefined }) => [c.key, c.mod === undefined ? "Create" : "Mod", "==", c.mod ?? 0] as const;
      let txn = client.if(...cmp(first as { key: string; mod: string | undefined }));
      for (const c of rest) txn = txn.and(...cmp(c));
      const res = await txn.then(...writes.map((w) => client.put(w.e.key).value(w.text))).commit();
      if (!res.succeeded) {
        if (attempt < ATTEMPTS) continue;
        throw new DatastoreFailure(`${command}: the resources kept changing in etcd while they were written (${ATTEMPTS} attempts); nothing was written`);
      }
      revision = res.header.revision;
    }
    for (const p of plan) {
      const from = p.e.input.startsWith("Kubernetes") ? ` (from ${p.e.input})` : "";
      ctx.io.stdout(`${p.e.kind} ${p.e.namespace ? `${p.e.namespace}/` : ""}${p.e.name} ${p.verdict}${from}\n`);
    }
    const count = (v: string) => plan.filter((p) => p.verdict === v).length;
    ctx.io.stdout(
      writes.length > 0
        ? `applied ${writes.length} of ${plan.length} resource${plan.length === 1 ? "" : "s"} in one transaction at revision ${revision} (${count("created")} created, ${count("configured")} configured, ${count("unchanged")} unchanged)\n`
        : `nothing to write: ${plan.length === 1 ? "the resource is" : `all ${plan.length} resources are`} unchanged\n`,
    );
    return;
  }
}

export async function remove(targets: readonly { key: string; label: string }[], client: Etcd3, ctx: CliContext, command: string, ignoreNotFound: boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await readKeys(client, targets.map((t) => t.key));
    const missing = targets.filter((t) => !current.has(t.key));
    if (missing.length > 0 && !ignoreNotFound) {
      throw new InputError(`${command}: not found in etcd, so nothing was deleted: ${missing.map((m) => `${m.label} (${m.key})`).join(", ")}; --ignore-not-found deletes the others`);
    }
    const present = targets.filter((t) => current.has(t.key));
    if (present.length > 0) {
      const [first, ...rest] = present;
      let txn = client.if((first as { key: string }).key, "Mod", "==", current.get((first as { key: string }).key)?.mod as string);
      for (const t of rest) txn = txn.and(t.key, "Mod", "==", current.get(t.key)?.mod as string);
      const res = await txn.then(...present.map((t) => client.delete().key(t.key))).commit();
      if (!res.succeeded) {
        if (attempt < ATTEMPTS) continue;
        throw new DatastoreFailure(`${command}: the resources kept changing in etcd while they were deleted (${ATTEMPTS} attempts); nothing was deleted`);
      }
    }
    for (const t of targets) ctx.io.stdout(`${t.label} ${current.has(t.key) ? "deleted" : "not found"}\n`);
    return;
  }
}
