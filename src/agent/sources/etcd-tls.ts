/**
 * TLS and credentials for etcd, checked before any connection, and plain-words reasons when a
 * connection fails.
 *
 * What can be known locally is checked first, with the file and the setting it came from: a CA
 * or certificate that is not PEM, a client certificate that has expired or is not yet valid, a
 * key that is not the certificate's. What only the server knows is found by probing each
 * endpoint the way the client would connect (TLS with the same CA, certificate and key, ALPN h2,
 * then the HTTP/2 preface): gRPC reports all of these as "14 UNAVAILABLE", which names neither
 * the endpoint nor the reason. TLS is never dropped: a probe only explains, it never connects
 * the client another way. Nothing here prints a key, a certificate or a password.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isIP, connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import type { EtcdConnection, PemSource } from "./etcd-config.js";

export interface EtcdTlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Where each came from, for messages. */
  readonly from: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

/** The configuration cannot work: found before connecting. */
export class EtcdSetupError extends Error {}

type Reader = (path: string) => Promise<Buffer>;

function describe(src: PemSource): string {
  return src.kind === "file" ? `${src.path} (${src.from})` : `the inline PEM (${src.from})`;
}

async function pemOf(src: PemSource, read: Reader, problems: string[]): Promise<Buffer | undefined> {
  if (src.kind === "inline") return Buffer.from(src.pem);
  try {
    return await read(src.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push(`cannot read ${describe(src)}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code ?? String(e)}`);
    return undefined;
  }
}

function certificates(pem: Buffer): X509Certificate[] | null {
  const blocks = pem.toString("latin1").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!blocks) return null;
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch {
    return null;
  }
}

function validity(cert: X509Certificate, what: string, now: Date): string | null {
  if (new Date(cert.validTo) < now) return `${what} expired on ${new Date(cert.validTo).toISOString()}`;
  if (new Date(cert.validFrom) > now) return `${what} is not valid before ${new Date(cert.validFrom).toISOString()}`;
  return null;
}

/**
 * Reads and checks the connection's TLS files; undefined for plaintext endpoints. Throws
 * EtcdSetupError with every problem found.
 */
export async function loadEtcdTls(conn: EtcdConnection, read: Reader = (p) => readFile(p), now: Date = new Date()): Promise<EtcdTlsMaterial | undefined> {
  if (!conn.tls) return undefined;
  const problems: string[] = [];
  const { ca: caSrc, cert: certSrc, key: keySrc } = conn.tls;
  const ca = caSrc && (await pemOf(caSrc, read, problems));
  const cert = certSrc && (await pemOf(certSrc, read, problems));
  const key = keySrc && (await pemOf(keySrc, read, problems));
  if (caSrc && ca) {
    const certs = certificates(ca);
    if (!certs) problems.push(`${describe(caSrc)} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
    else {
      const expired = certs.map((c) => validity(c, `the CA certificate ${describe(caSrc)}`, now)).find((p) => p !== null);
      if (expired) problems.push(expired);
    }
  }
  let x509: X509Certificate | undefined;
  if (certSrc && cert) {
    const certs = certificates(cert);
    if (!certs || certs.length === 0) problems.push(`${describe(certSrc)} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
    else {
      x509 = certs[0];
      const why = validity(x509 as X509Certificate, `the client certificate ${describe(certSrc)}`, now);
      if (why) problems.push(why);
    }
  }
  let keyObject: KeyObject | undefined;
  if (keySrc && key) {
    try {
      keyObject = createPrivateKey(key);
    } catch (e) {
      const encrypted = /encrypted|passphrase/i.test(String((e as Error).message));
      problems.push(`${describe(keySrc)} is not ${encrypted ? "an unencrypted" : "a PEM"} private key${encrypted ? " (encrypted keys are not supported)" : ""}`);
    }
  }
  if (x509 && keyObject && certSrc && keySrc && !x509.checkPrivateKey(keyObject)) {
    problems.push(`the client certificate ${describe(certSrc)} and the key ${describe(keySrc)} do not match (the key is not the certificate's)`);
  }
  if (problems.length > 0) throw new EtcdSetupError(problems.join("\n"));
  return {
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
    from: { ...(caSrc && { ca: describe(caSrc) }), ...(certSrc && { cert: describe(certSrc) }), ...(keySrc && { key: describe(keySrc) }) },
  };
}

/** The client's first bytes on an HTTP/2 connection: the preface and an empty SETTINGS frame. */
const H2_PREFACE = Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

/** An HTTP/2 server answers the preface with a SETTINGS frame (type 4). */
function isH2Settings(data: Buffer): boolean {
  return data.length >= 4 && data[3] === 4;
}

/** TLS records start with a content type (0x14-0x17) and major version 3. */
function looksLikeTls(data: Buffer): boolean {
  return data.length >= 2 && (data[0] as number) >= 0x14 && (data[0] as number) <= 0x17 && data[1] === 3;
}

const VERIFY_CA = new Set(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_SIGNATURE_FAILURE"]);

function socketReason(e: NodeJS.ErrnoException, timeoutMs: number): string {
  if (e.code === "ECONNREFUSED") return "connection refused (etcd is not running or not listening there)";
  if (e.code === "ETIMEDOUT") return `no answer within ${timeoutMs / 1000} s`;
  if (e.code === "EHOSTUNREACH" || e.code === "ENETUNREACH") return "host unreachable";
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return "the host name does not resolve";
  return e.message.split("\n")[0] as string;
}

/** What the server said when it ended the handshake or the first read with a TLS alert. */
function alertOf(e: Error): string | null {
  const m = /alert ([a-z ]+?)(?::|$)/i.exec(e.message) ?? /ALERT_([A-Z_]+)/.exec((e as NodeJS.ErrnoException).code ?? "");
  return m ? (m[1] as string).toLowerCase().replace(/_/g, " ").replace(/^(sslv3|tlsv13|tlsv1) /, "").trim() : null;
}

interface Probe {
  /** Resolves with what the connection said: "ok", or why not. */
  readonly result: Promise<string>;
}

function probe(sock: Socket | TLSSocket, secure: boolean, timeoutMs: number, onError: (e: NodeJS.ErrnoException, secured: boolean) => string): Probe {
  return {
    result: new Promise<string>((resolve) => {
      let secured = !secure;
      let done = false;
      const finish = (r: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => finish(secured || !secure ? `no HTTP/2 answer within ${timeoutMs / 1000} s` : `no TLS handshake within ${timeoutMs / 1000} s`), timeoutMs);
      sock.once(secure ? "secureConnect" : "connect", () => {
        secured = true;
        sock.write(H2_PREFACE);
      });
      sock.on("data", (d: Buffer) => finish(isH2Settings(d) ? "ok" : looksLikeTls(d) ? "tls" : "not-h2"));
      sock.on("error", (e: NodeJS.ErrnoException) => finish(onError(e, secured)));
      sock.on("close", () => finish(secured ? "closed-after" : "closed-before"));
    }),
  };
}

/** Does a plaintext HTTP/2 server answer at host:port? */
async function speaksPlainH2(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return (await probe(netConnect({ host, port }), false, timeoutMs, () => "error").result) === "ok";
}

/** Does host:port complete a TLS handshake (whatever its certificate)? */
async function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const sock = tlsConnect({ host, port, rejectUnauthorized: false, ALPNProtocols: ["h2"], ...(isIP(host) ? {} : { servername: host }) });
  const r = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    sock.once("secureConnect", () => (clearTimeout(timer), resolve(true)));
    sock.once("error", () => (clearTimeout(timer), resolve(false)));
  });
  sock.destroy();
  return r;
}

/**
 * Why `endpoint` cannot be used with this TLS material, in words; null when it answers HTTP/2
 * as it should (then the failure lies beyond the transport: credentials, quorum, ...).
 */
export async function probeEtcdEndpoint(endpoint: string, tls: EtcdTlsMaterial | undefined, timeoutMs = 2000): Promise<string | null> {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port);
  if (url.protocol === "http:") {
    const r = await probe(netConnect({ host, port }), false, timeoutMs, (e) => socketReason(e, timeoutMs)).result;
    if (r === "ok") return null;
    if (r === "tls" || ((r === "closed-after" || r === "not-h2") && (await speaksTls(host, port, timeoutMs)))) {
      return "the server speaks TLS but the endpoint is plaintext http://: use https:// with the cluster's CA (--etcd-ca-file)";
    }
    if (r === "closed-after" || r === "closed-before") return "the server closed the connection without answering HTTP/2 (not an etcd client port?)";
    if (r === "not-h2") return "the server does not answer HTTP/2 (not an etcd client port?)";
    return r;
  }
  const sock = tlsConnect({
    host,
    port,
    ALPNProtocols: ["h2"],
    rejectUnauthorized: true,
    ...(isIP(host) ? {} : { servername: host }),
    ...(tls?.ca && { ca: tls.ca }),
    ...(tls?.cert && { cert: tls.cert }),
    ...(tls?.key && { key: tls.key }),
  });
  const caName = tls?.from.ca ? `the CA ${tls.from.ca}` : "a CA this system trusts (give the cluster's CA with --etcd-ca-file)";
  const notTls = async (): Promise<string> =>
    (await speaksPlainH2(host, port, timeoutMs))
      ? "the server does not speak TLS (it answers plaintext HTTP/2: an http:// endpoint); policy-compile never falls back to plaintext"
      : "the TLS handshake failed: the server does not speak TLS";
  const r = await probe(sock, true, timeoutMs, (e, secured) => {
    const code = e.code ?? "";
    if (code === "CERT_HAS_EXPIRED") return "the server's certificate has expired";
    if (code === "CERT_NOT_YET_VALID") return "the server's certificate is not valid yet";
    if (VERIFY_CA.has(code)) return `the server's certificate is not signed by ${caName} (wrong CA?)`;
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return `the server's certificate is not for ${host} (${(e as { reason?: string }).reason ?? "host name mismatch"})`;
    const alert = alertOf(e);
    if (alert !== null) {
      if (!secured && /protocol version|handshake failure/.test(alert)) return `the TLS handshake failed (TLS alert: ${alert})`;
      return tls?.cert
        ? `the server refused the client certificate ${tls.from.cert} (TLS alert: ${alert}): not signed by a CA the server trusts, expired, or not for client authentication`
        : `the server requires a client certificate (TLS alert: ${alert}): give --etcd-cert-file and --etcd-key-file`;
    }
    if (!secured && (code === "ECONNRESET" || code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG" || /before secure TLS connection/.test(e.message))) return "not-tls";
    return socketReason(e, timeoutMs);
  }).result;
  if (r === "ok") return null;
  if (r === "not-tls" || r === "closed-before") return notTls();
  if (r === "closed-after") return tls?.cert ? `the server closed the connection after the handshake (it may have refused the client certificate ${tls.from.cert})` : "the server closed the connection after the handshake (does it require a client certificate?)";
  if (r === "not-h2" || r === "tls") return "the server does not answer HTTP/2 over TLS (not an etcd client port?)";
  return r;
}

/** Each endpoint with the reason it cannot be used, or "reachable"; one line each. */
export async function probeEtcdEndpoints(endpoints: readonly string[], tls: EtcdTlsMaterial | undefined, timeoutMs = 2000): Promise<string[]> {
  const reasons = await Promise.all(endpoints.map((e) => probeEtcdEndpoint(e, tls, timeoutMs)));
  return endpoints.map((e, i) => `${e}: ${reasons[i] ?? "reachable"}`);
}

/**
 * An etcd client error in words, without secrets: gRPC's transport errors are replaced by each
 * endpoint's probe; etcd's own errors (authentication, permission, quorum) keep their text.
 */
export async function explainEtcdError(e: unknown, conn: EtcdConnection, tls: EtcdTlsMaterial | undefined, timeoutMs = 2000): Promise<string> {
  const name = e instanceof Error ? e.constructor.name : "";
  const raw = e instanceof Error ? e.message : String(e);
  if (name === "EtcdAuthenticationFailedError") return `authentication failed for etcd user ${JSON.stringify(conn.auth?.username ?? "")} (${conn.auth?.from ?? "credentials"}): wrong username or password`;
  if (name === "EtcdPermissionDeniedError") return `etcd user ${JSON.stringify(conn.auth?.username ?? "")} is not allowed this (${firstLine(raw)}): grant its role read access to the Calico prefix (and write access for datastore apply/delete)`;
  if (name === "GRPCUnauthenticatedError" || /user name is empty|authentication is enabled/i.test(raw)) return `etcd requires authentication (${firstLine(raw)}): give ETCD_USERNAME and ETCD_PASSWORD, or etcdUsername/etcdPassword`;
  if (name === "GRPCUnavailableError" || name === "GRPCDeadlineExceededError" || /UNAVAILABLE|No connection established/.test(raw)) {
    const reasons = await Promise.all(conn.endpoints.map((e) => probeEtcdEndpoint(e, tls, timeoutMs)));
    const lines = conn.endpoints.map((e, i) => `${e}: ${reasons[i] ?? "reachable"}`).join("; ");
    // Some member answers but the request failed anyway: etcd's own reason (no leader, no quorum).
    if (reasons.some((r) => r === null)) {
      const said = /etcdserver: [^.;\n]+/.exec(raw)?.[0];
      return `etcd did not serve the request (${said ?? "a member answers, but without a quorum etcd serves no read or write"}): ${lines}`;
    }
    return `no etcd endpoint answered: ${lines}`;
  }
  return firstLine(raw);
}

function firstLine(s: string): string {
  return (s.split("\n")[0] as string).replace(/\s*Resolution note:.*$/, "");
}
