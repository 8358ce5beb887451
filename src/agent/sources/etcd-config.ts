/**
 * Where the agent and `policy-compile datastore` find etcd, configured the way Calico users
 * already configure calicoctl and calico-node: a calicoctl.cfg (`kind: CalicoAPIConfig`), Calico's
 * environment variables, and flags. Pure: texts and maps in, settings and diagnostics out (the
 * CLI reads the file and the environment).
 *
 * Precedence is per setting: a flag beats the environment, which beats the file. Every setting
 * remembers where it came from (`--etcd-ca-file`, `ETCD_CA_CERT_FILE`, `calicoctl.cfg:7:19`), so
 * a problem with it names the place to fix. Only the etcdv3 datastore is read; a config or
 * environment that selects `kubernetes` is refused rather than half-honoured.
 *
 * A password is carried like any setting but never printed: messages name where it came from,
 * not what it is. The calicoctl.cfg reader is etcd-config-file.ts.
 */

/** A value and where it came from, for messages. */
export interface Setting<T> {
  readonly value: T;
  readonly from: string;
}

export interface EtcdSettings {
  readonly datastoreType?: Setting<string>;
  /** Comma-separated in every source, as Calico's etcdEndpoints / ETCD_ENDPOINTS. */
  readonly endpoints?: Setting<string>;
  readonly caFile?: Setting<string>;
  readonly certFile?: Setting<string>;
  readonly keyFile?: Setting<string>;
  /** Inline PEM (calicoctl.cfg's etcdCACert / etcdCert / etcdKey; no environment variable, as in Calico). */
  readonly caPem?: Setting<string>;
  readonly certPem?: Setting<string>;
  readonly keyPem?: Setting<string>;
  readonly username?: Setting<string>;
  readonly password?: Setting<string>;
}

type Field = keyof EtcdSettings;

/** Calico's environment variables → settings (libcalico-go apiconfig's envconfig names). */
export const ENV_FIELDS: Readonly<Record<string, Field>> = {
  DATASTORE_TYPE: "datastoreType",
  ETCD_ENDPOINTS: "endpoints",
  ETCD_CA_CERT_FILE: "caFile",
  ETCD_CERT_FILE: "certFile",
  ETCD_KEY_FILE: "keyFile",
  ETCD_USERNAME: "username",
  ETCD_PASSWORD: "password",
};


export const SUPPORTED_DATASTORE = "etcdv3";

export function unsupportedDatastoreMessage(value: string): string {
  return `datastore type ${JSON.stringify(value)} is not supported: policy-compile reads Calico's etcdv3 datastore only (datastoreType: etcdv3 with etcdEndpoints, or DATASTORE_TYPE=etcdv3 with ETCD_ENDPOINTS); for a kubernetes-datastore cluster, compile its exported resources with -f`;
}

/** Calico's environment variables; empty ones are unset. */
export function etcdSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): EtcdSettings {
  const settings: Partial<Record<Field, Setting<string>>> = {};
  for (const [name, field] of Object.entries(ENV_FIELDS)) {
    const v = env[name];
    if (v !== undefined && v !== "") settings[field] = { value: v, from: name };
  }
  return settings as EtcdSettings;
}

/** Per setting, the first layer that has it: pass flags, environment, file in that order. */
export function mergeEtcdSettings(...layers: readonly EtcdSettings[]): EtcdSettings {
  const out: Partial<Record<Field, Setting<string>>> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer) as [Field, Setting<string> | undefined][]) {
      if (v !== undefined && out[k] === undefined) out[k] = v;
    }
  }
  return out as EtcdSettings;
}

/** Whether the settings ask for etcd at all (some endpoint, or the etcdv3 type). */
export function selectsEtcd(s: EtcdSettings): boolean {
  return s.endpoints !== undefined || s.datastoreType !== undefined;
}

/** How to reach etcd, checked: what the client and the TLS loader take. */
export interface EtcdConnection {
  readonly endpoints: readonly string[];
  /** Where the endpoints came from, for messages. */
  readonly endpointsFrom: string;
  /** Present exactly when the endpoints are https://. */
  readonly tls?: {
    readonly ca?: PemSource;
    readonly cert?: PemSource;
    readonly key?: PemSource;
  };
  readonly auth?: { readonly username: string; readonly password: string; readonly from: string };
}

/** A PEM file to read, or PEM given inline in calicoctl.cfg. */
export type PemSource = { readonly kind: "file"; readonly path: string; readonly from: string } | { readonly kind: "inline"; readonly pem: string; readonly from: string };

/**
 * Settings → a connection, or every problem found (each naming where its setting came from).
 * Refuses what would be unsafe or ambiguous rather than guessing: a mix of http:// and https://
 * endpoints, TLS files with http:// endpoints (TLS is never dropped), a password sent over
 * plaintext, credentials inside a URL, a certificate without its key.
 */
export function etcdConnection(s: EtcdSettings): { readonly connection: EtcdConnection | null; readonly problems: readonly string[] } {
  const problems: string[] = [];
  if (s.datastoreType && s.datastoreType.value !== SUPPORTED_DATASTORE) problems.push(`${s.datastoreType.from}: ${unsupportedDatastoreMessage(s.datastoreType.value)}`);
  // No default endpoint: Calico's docs call etcdEndpoints required, and current calicoctl reads
  // a config without datastoreType as the kubernetes datastore, so guessing 127.0.0.1 would be
  // guessing twice.
  if (!s.endpoints) {
    problems.push(`no etcd endpoints given${s.datastoreType ? ` (${s.datastoreType.from} selects etcdv3)` : ""}: set --etcd, ETCD_ENDPOINTS or etcdEndpoints (https://10.0.0.1:2379,https://10.0.0.2:2379)`);
    return { connection: null, problems };
  }
  const endpointsSetting = s.endpoints;
  const endpoints: string[] = [];
  const schemes = new Set<string>();
  const list = endpointsSetting.value.split(",").map((u) => u.trim()).filter((u) => u !== "");
  if (list.length === 0) problems.push(`${endpointsSetting.from}: no etcd endpoint given (comma-separated URLs: https://10.0.0.1:2379,https://10.0.0.2:2379)`);
  for (const raw of list) {
    const why = endpointProblem(raw);
    if (why !== null) {
      problems.push(`${endpointsSetting.from}: ${why}`);
      continue;
    }
    const url = new URL(raw);
    schemes.add(url.protocol);
    endpoints.push(`${url.protocol}//${url.host}`);
  }
  if (schemes.size > 1) problems.push(`${endpointsSetting.from}: the endpoints mix http:// and https://; all members of one etcd cluster are reached the same way`);
  const secure = schemes.has("https:") && schemes.size === 1;
  const pem = (file: Setting<string> | undefined, inline: Setting<string> | undefined, what: string): PemSource | undefined => {
    if (file && inline) problems.push(`${what} is given twice, as a file (${file.from}) and inline (${inline.from}); give one`);
    if (inline) return { kind: "inline", pem: inline.value, from: inline.from };
    if (file) return { kind: "file", path: file.value, from: file.from };
    return undefined;
  };
  const ca = pem(s.caFile, s.caPem, "the etcd CA certificate");
  const cert = pem(s.certFile, s.certPem, "the etcd client certificate");
  const key = pem(s.keyFile, s.keyPem, "the etcd client key");
  if (cert && !key) problems.push(`${cert.from}: a client certificate needs its key (--etcd-key-file, ETCD_KEY_FILE or etcdKeyFile)`);
  if (key && !cert) problems.push(`${key.from}: a client key needs its certificate (--etcd-cert-file, ETCD_CERT_FILE or etcdCertFile)`);
  const tlsGiven = [ca, cert, key].filter((x): x is PemSource => x !== undefined);
  if (tlsGiven.length > 0 && schemes.has("http:")) {
    problems.push(`${tlsGiven[0]?.from}: TLS is configured but ${endpointsSetting.from} has http:// endpoints; policy-compile never talks to etcd in plaintext when TLS is configured: use https://`);
  }
  let auth: EtcdConnection["auth"];
  if (s.username && !s.password) problems.push(`${s.username.from}: an etcd username needs a password (ETCD_PASSWORD or etcdPassword)`);
  if (s.password && !s.username) problems.push(`${s.password.from}: an etcd password needs a username (--etcd-username, ETCD_USERNAME or etcdUsername)`);
  if (s.username && s.password) {
    if (schemes.has("http:")) problems.push(`${s.password.from}: an etcd password would be sent over plaintext http://; use https:// endpoints`);
    auth = { username: s.username.value, password: s.password.value, from: s.username.from };
  }
  if (problems.length > 0) return { connection: null, problems };
  return {
    connection: {
      endpoints,
      endpointsFrom: endpointsSetting.from,
      ...(secure ? { tls: { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) } } : {}),
      ...(auth && { auth }),
    },
    problems: [],
  };
}

/** Null when `raw` is an etcd client URL policy-compile can use; otherwise why not. */
export function endpointProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${JSON.stringify(redact(raw))} is not a URL (expected https://HOST:PORT)`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `${JSON.stringify(raw)}: an etcd endpoint is http:// or https://, found ${url.protocol}//`;
  // Never echo credentials back, not even the ones refused.
  if (url.username !== "" || url.password !== "") return `${url.protocol}//${url.host}: credentials inside an endpoint URL are not supported (and would be logged); use ETCD_USERNAME/ETCD_PASSWORD or etcdUsername/etcdPassword`;
  if (url.port === "") return `${JSON.stringify(raw)}: an etcd endpoint needs its port (https://${url.hostname}:2379)`;
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") return `${JSON.stringify(raw)}: an etcd endpoint is scheme://host:port, without a path or query`;
  return null;
}

/** `raw` without anything that looks like credentials (`user:password@`). */
function redact(raw: string): string {
  return raw.replace(/^([^/]*\/\/)?[^/@]*@/, (_m, scheme: string | undefined) => `${scheme ?? ""}…@`);
}
