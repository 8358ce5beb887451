/**
 * The etcd connection flags shared by `agent` and `datastore`, and their resolution with
 * Calico's environment variables and a calicoctl.cfg (agent/sources/etcd-config.ts): per
 * setting, a flag beats the environment, which beats the file.
 *
 * Exit codes: a config file whose content is wrong is invalid input (1, located diagnostics);
 * anything else wrong with the settings (an unreadable file, an http:// endpoint with TLS files,
 * an expired client certificate, a key that is not the certificate's) is found before any
 * connection and is a usage error (2), naming the flag, variable or file:line:col to fix.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { formatDiagnostics, hasErrors } from "../diagnostics/index.js";
import {
  etcdConnection,
  etcdSettingsFromEnv,
  mergeEtcdSettings,
  selectsEtcd,
  type EtcdConnection,
  type EtcdSettings,
  type Setting,
} from "../agent/sources/etcd-config.js";
import { parseCalicoctlConfig } from "../agent/sources/etcd-config-file.js";
import { EtcdSetupError, loadEtcdTls, type EtcdTlsMaterial } from "../agent/sources/etcd-tls.js";
import type { CliContext } from "./context.js";
import { InputError, UsageError } from "./io.js";

export interface EtcdFlagValues {
  readonly config?: string;
  readonly etcd?: string;
  readonly etcdCaFile?: string;
  readonly etcdCertFile?: string;
  readonly etcdKeyFile?: string;
  readonly etcdUsername?: string;
}

export function addEtcdOptions(cmd: Command): Command {
  return cmd
    .option("--config <file>", "a calicoctl.cfg (kind: CalicoAPIConfig, datastoreType: etcdv3)")
    .option("--etcd <urls>", "etcd v3 endpoints, comma-separated (https://10.0.0.1:2379,https://10.0.0.2:2379); overrides ETCD_ENDPOINTS and etcdEndpoints")
    .option("--etcd-ca-file <file>", "CA certificate (PEM) that signed the etcd servers' certificates; overrides ETCD_CA_CERT_FILE and etcdCACertFile")
    .option("--etcd-cert-file <file>", "client certificate (PEM); overrides ETCD_CERT_FILE and etcdCertFile")
    .option("--etcd-key-file <file>", "client key (PEM) of --etcd-cert-file; overrides ETCD_KEY_FILE and etcdKeyFile")
    .option("--etcd-username <name>", "etcd user (the password comes from ETCD_PASSWORD or etcdPassword, never from a flag)");
}

export const ETCD_HELP = `
etcd connection (flags beat Calico's environment variables, which beat --config):
  flag               environment         calicoctl.cfg spec
  --etcd             ETCD_ENDPOINTS      etcdEndpoints      comma-separated http(s)://HOST:PORT
  --etcd-ca-file     ETCD_CA_CERT_FILE   etcdCACertFile     (or etcdCACert: inline PEM)
  --etcd-cert-file   ETCD_CERT_FILE      etcdCertFile       (or etcdCert)
  --etcd-key-file    ETCD_KEY_FILE       etcdKeyFile        (or etcdKey)
  --etcd-username    ETCD_USERNAME       etcdUsername
                     ETCD_PASSWORD       etcdPassword
                     DATASTORE_TYPE      datastoreType      etcdv3 only
  TLS is never dropped for plaintext; a password is only sent over https://.
`;

function flagSettings(f: EtcdFlagValues): EtcdSettings {
  const s = (value: string | undefined, from: string): Setting<string> | undefined => (value === undefined ? undefined : { value, from });
  const entries = {
    // Endpoints on the command line are etcd endpoints, whatever DATASTORE_TYPE says.
    datastoreType: s(f.etcd === undefined ? undefined : "etcdv3", "--etcd"),
    endpoints: s(f.etcd, "--etcd"),
    caFile: s(f.etcdCaFile, "--etcd-ca-file"),
    certFile: s(f.etcdCertFile, "--etcd-cert-file"),
    keyFile: s(f.etcdKeyFile, "--etcd-key-file"),
    username: s(f.etcdUsername, "--etcd-username"),
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as EtcdSettings;
}

export interface ResolvedEtcd {
  readonly connection: EtcdConnection;
  readonly tls: EtcdTlsMaterial | undefined;
}

/**
 * The etcd connection the flags, the environment and --config describe; null when none of them
 * asks for etcd. `command` prefixes messages (`policy-compile agent`).
 */
export async function resolveEtcd(flags: EtcdFlagValues, ctx: CliContext, command: string): Promise<ResolvedEtcd | null> {
  let file: EtcdSettings = {};
  if (flags.config !== undefined) {
    let text: string;
    try {
      text = await readFile(resolve(ctx.io.cwd, flags.config), "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`${command}: --config ${flags.config}: cannot read the file (${code === "ENOENT" ? "no such file" : code ?? String(e)})`);
    }
    const source = { file: flags.config, text };
    const parsed = parseCalicoctlConfig(source);
    if (hasErrors(parsed.diagnostics)) throw new InputError(formatDiagnostics(parsed.diagnostics, [source]));
    file = parsed.settings;
  }
  const merged = mergeEtcdSettings(flagSettings(flags), etcdSettingsFromEnv(ctx.io.env), file);
  if (!selectsEtcd(merged) && flags.config === undefined) return null;
  const { connection, problems } = etcdConnection(merged);
  if (connection === null) throw new UsageError(problems.map((p) => `${command}: ${p}`).join("\n"));
  try {
    return { connection, tls: await loadEtcdTls(connection, (p) => readFile(resolve(ctx.io.cwd, p))) };
  } catch (e) {
    if (e instanceof EtcdSetupError) throw new UsageError(e.message.split("\n").map((p) => `${command}: ${p}`).join("\n"));
    throw e;
  }
}
