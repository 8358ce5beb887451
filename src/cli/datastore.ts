/**
 * `policy-compile datastore apply|get|delete`: Calico resources in Calico's etcd v3 datastore,
 * the way calicoctl manages them, reached through the same settings as the agent (etcd-flags.ts).
 *
 * apply: every document is loaded and validated first; nothing is written if any is invalid or
 * cannot be stored (etcd-resources.ts). Then all changed resources are written in ONE etcd
 * transaction (datastore-txn.ts), so the agent sees the whole change at one revision and the
 * created/configured/unchanged report is exact. Unchanged resources are not rewritten.
 * get: resources of one kind (one by name), as a table, YAML or JSON that `apply -f` and
 * `validate -f` read back.
 * delete: by `-f` or KIND NAME, in one transaction; nothing is deleted if one is missing (unless
 * --ignore-not-found).
 */
import { Option, type Command } from "commander";
import { stringify } from "yaml";
import { CALICO_KEY_KINDS, CALICO_RESOURCE_ROOT, classifyKey, resourceKey } from "../agent/sources/calico-keys.js";
import { datastoreEntries, type DatastoreEntry } from "../agent/sources/etcd-resources.js";
import { formatDiagnostics } from "../diagnostics/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { addEtcdOptions, ETCD_HELP, resolveEtcd, type EtcdFlagValues, type ResolvedEtcd } from "./etcd-flags.js";
import { apply, remove, withClient } from "./datastore-txn.js";
import { InputError, UsageError } from "./io.js";
import { fileOption } from "./options.js";
import { loadOrFail } from "./load.js";

interface CommonOptions extends EtcdFlagValues {
  readonly etcdPrefix: string;
}

/** Kind names `get` and `delete` take (case-insensitive): the kind, its plural, calicoctl's short names. */
const KIND_ALIASES: Readonly<Record<string, readonly string[]>> = {
  NetworkPolicy: ["networkpolicy", "networkpolicies", "policy", "policies", "np", "netpol", "netpols"],
  GlobalNetworkPolicy: ["globalnetworkpolicy", "globalnetworkpolicies", "gnp", "gnps"],
  Tier: ["tier", "tiers"],
  Profile: ["profile", "profiles", "pro", "pros"],
  NetworkSet: ["networkset", "networksets", "netset", "netsets"],
  GlobalNetworkSet: ["globalnetworkset", "globalnetworksets", "gns"],
  WorkloadEndpoint: ["workloadendpoint", "workloadendpoints", "wep", "weps"],
  HostEndpoint: ["hostendpoint", "hostendpoints", "hep", "heps"],
};

function kindOf(word: string, command: string): string {
  const w = word.toLowerCase();
  const hit = Object.entries(KIND_ALIASES).find(([, names]) => names.includes(w));
  if (!hit) throw new UsageError(`${command}: unknown kind ${JSON.stringify(word)}: expected one of ${Object.keys(KIND_ALIASES).join(", ")} (or their plurals and short names)`);
  return hit[0];
}

async function requireEtcd(options: CommonOptions, ctx: CliContext, command: string): Promise<ResolvedEtcd> {
  const etcd = await resolveEtcd(options, ctx, command);
  if (!etcd) throw new UsageError(`${command}: no etcd datastore given: pass --config FILE or --etcd URLS (or set ETCD_ENDPOINTS)`);
  return etcd;
}

async function entriesOf(files: readonly string[], prefix: string, ctx: CliContext): Promise<DatastoreEntry[]> {
  const { model, sources } = await loadOrFail(files, ctx);
  const { entries, diagnostics } = datastoreEntries(prefix, sources, model);
  if (diagnostics.length > 0) throw new InputError(formatDiagnostics(diagnostics, sources));
  return [...entries];
}

function prefixOf(options: CommonOptions): string {
  const p = options.etcdPrefix.replace(/\/+$/, "");
  if (!p.startsWith("/")) throw new UsageError(`policy-compile datastore: --etcd-prefix must start with "/", got ${JSON.stringify(options.etcdPrefix)}`);
  return p;
}

const EXAMPLES = `
Examples:
  $ policy-compile datastore apply -f allow-80.yaml --config /etc/calico/calicoctl.cfg
  $ policy-compile datastore get networkpolicy -n default -o yaml --etcd https://10.0.0.1:2379 --etcd-ca-file ca.pem --etcd-cert-file me.pem --etcd-key-file me-key.pem
  $ policy-compile datastore delete networkpolicy allow-80 -n default --config /etc/calico/calicoctl.cfg
`;

export const registerDatastore: RegisterCommand = (program: Command, ctx: CliContext) => {
  const datastore = program
    .command("datastore")
    .description("Calico resources in Calico's etcd v3 datastore: apply (validated first, one transaction), get, delete.")
    .addHelpText("after", `${ETCD_HELP}${EXAMPLES}`);
  const common = (cmd: Command): Command =>
    addEtcdOptions(cmd)
      .option("--etcd-prefix <prefix>", "root of Calico's keys", "/calico")
      .addHelpText("after", ETCD_HELP)
      .exitOverride()
      .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) })
      .showHelpAfterError("(run with --help for usage)");

  common(
    datastore
      .command("apply")
      .description("validate every document, then write them all to etcd in one transaction (Kubernetes NetworkPolicy as kube-controllers stores it)")
      .addOption(fileOption().makeOptionMandatory()),
  ).action(async (options: CommonOptions & { file: string[] }) => {
    const command = "policy-compile datastore apply";
    const prefix = prefixOf(options);
    const etcd = await requireEtcd(options, ctx, command);
    const entries = await entriesOf(options.file, prefix, ctx);
    if (entries.length === 0) throw new InputError(`${command}: the inputs hold no resource to write`);
    await withClient(etcd, command, (client) => apply(entries, client, ctx, command));
  });

  common(
    datastore
      .command("get")
      .description("print resources of one kind from etcd (one by name): a table, or YAML/JSON that apply -f reads back")
      .argument("<kind>", "NetworkPolicy, GlobalNetworkPolicy, Tier, Profile, NetworkSet, GlobalNetworkSet, WorkloadEndpoint, HostEndpoint (plural and short names too)")
      .argument("[name]", "one resource")
      .option("-n, --namespace <ns>", "namespace of namespaced kinds", "default")
      .option("-A, --all-namespaces", "every namespace")
      .addOption(new Option("-o, --output <format>", "output format").choices(["table", "yaml", "json"]).default("table")),
  ).action(async (kindWord: string, name: string | undefined, options: CommonOptions & { namespace: string; allNamespaces?: boolean; output: "table" | "yaml" | "json" }) => {
    const command = "policy-compile datastore get";
    const prefix = prefixOf(options);
    const kind = kindOf(kindWord, command);
    const info = CALICO_KEY_KINDS.get(kind) as { plural: string; namespaced: boolean };
    if (name !== undefined && options.allNamespaces) throw new UsageError(`${command}: a NAME and --all-namespaces do not go together`);
    const etcd = await requireEtcd(options, ctx, command);
    const ns = info.namespaced ? options.namespace : null;
    const found = await withClient(etcd, command, async (client) => {
      if (name !== undefined) {
        const key = resourceKey(prefix, kind, ns, name);
        const value = await client.get(key).string();
        return value === null ? [] : [{ key, value }];
      }
      const root = `${prefix}${CALICO_RESOURCE_ROOT}${info.plural}/${info.namespaced && !options.allNamespaces ? `${ns}/` : ""}`;
      const all = await client.getAll().prefix(root).sort("Key", "Ascend").strings();
      return Object.entries(all).map(([key, value]) => ({ key, value }));
    });
    if (name !== undefined && found.length === 0) throw new InputError(`${command}: ${kind} ${ns ? `${ns}/` : ""}${name} not found (${resourceKey(prefix, kind, ns, name)})`);
    const resources: Record<string, unknown>[] = [];
    const bad: string[] = [];
    for (const { key, value } of found) {
      if (classifyKey(prefix, key).kind !== "resource") continue;
      try {
        const v: unknown = JSON.parse(value);
        if (typeof v === "object" && v !== null && !Array.isArray(v)) resources.push(v as Record<string, unknown>);
        else bad.push(key);
      } catch {
        bad.push(key);
      }
    }
    if (options.output === "table") {
      const rows = resources.map((r) => {
        const m = (r.metadata ?? {}) as { name?: unknown; namespace?: unknown };
        return info.namespaced ? [String(m.namespace ?? ""), String(m.name ?? "")] : [String(m.name ?? "")];
      });
      const header = info.namespaced ? ["NAMESPACE", "NAME"] : ["NAME"];
      const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
      for (const row of [header, ...rows]) ctx.io.stdout(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd((width[i] as number) + 3))).join("")}\n`);
    } else {
      const out = name !== undefined ? resources[0] : { apiVersion: "projectcalico.org/v3", kind: `${kind}List`, items: resources };
      // YAML 1.1 quoting, so that no scalar reads differently to Kubernetes' YAML (PC1004).
      ctx.io.stdout(options.output === "json" ? `${JSON.stringify(out, null, 2)}\n` : stringify(out, { version: "1.1" }));
    }
    if (bad.length > 0) throw new InputError(`${command}: ${bad.length === 1 ? "a key holds" : `${bad.length} keys hold`} no JSON resource and ${bad.length === 1 ? "was" : "were"} skipped: ${bad.join(", ")}`);
  });

  common(
    datastore
      .command("delete")
      .description("delete resources from etcd, by -f or KIND NAME, in one transaction")
      .argument("[kind]", "the kind, with NAME")
      .argument("[name]", "the resource")
      .addOption(fileOption("delete what these files describe (validated as for apply); several after one -f, or -f repeated").default([]))
      .option("-n, --namespace <ns>", "namespace of a namespaced kind", "default")
      .option("--ignore-not-found", "delete those that exist instead of refusing when one is missing"),
  ).action(async (kindWord: string | undefined, name: string | undefined, options: CommonOptions & { file: string[]; namespace: string; ignoreNotFound?: boolean }) => {
    const command = "policy-compile datastore delete";
    const prefix = prefixOf(options);
    const byFile = options.file.length > 0;
    if (byFile === (kindWord !== undefined)) throw new UsageError(`${command}: give either -f PATH... or KIND NAME`);
    if (!byFile && name === undefined) throw new UsageError(`${command}: give the NAME of the ${kindWord} to delete`);
    const etcd = await requireEtcd(options, ctx, command);
    let targets: { key: string; label: string }[];
    if (byFile) {
      targets = (await entriesOf(options.file, prefix, ctx)).map((e) => ({ key: e.key, label: `${e.kind} ${e.namespace ? `${e.namespace}/` : ""}${e.name}` }));
    } else {
      const kind = kindOf(kindWord as string, command);
      const ns = (CALICO_KEY_KINDS.get(kind) as { namespaced: boolean }).namespaced ? options.namespace : null;
      targets = [{ key: resourceKey(prefix, kind, ns, name as string), label: `${kind} ${ns ? `${ns}/` : ""}${name}` }];
    }
    await withClient(etcd, command, (client) => remove(targets, client, ctx, command, options.ignoreNotFound === true));
  });

  datastore.exitOverride().configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) });
};
