/**
 * A secured etcd (Debian's etcd 3.4 with TLS, client certificates and username/password auth,
 * on free ports of 127.0.0.1) and what the agent makes of every way of reaching it wrongly: a
 * wrong CA, an expired or mismatched certificate, a certificate the server does not trust,
 * plaintext against TLS and TLS against plaintext, a wrong password. Each is refused with the
 * endpoint and the reason in words; nothing falls back to plaintext; no secret is printed.
 * Certificates are made per run with openssl (etcd-certs.ts), including an expired one.
 */
import { spawn } from "node:child_process";
import { createSecureServer } from "node:http2";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdSource } from "../../src/agent/sources/etcd.js";
import { etcdConnection } from "../../src/agent/sources/etcd-config.js";
import { parseCalicoctlConfig } from "../../src/agent/sources/etcd-config-file.js";
import { loadEtcdTls, probeEtcdEndpoint, type EtcdTlsMaterial } from "../../src/agent/sources/etcd-tls.js";
import { run } from "../../src/cli/run.js";
import { prerequisitesMet } from "../ci.js";
import { makeTestPki, opensslProblems, type PkiName, type TestPki } from "./etcd-certs.js";
import { startEtcdCluster, type EtcdCluster } from "./etcd-cluster.js";
import { etcdProblems, freePort, startEtcd, type EtcdServer } from "./etcd-server.js";

const problems = [...(await etcdProblems()), ...(await opensslProblems())];
const runnable = prerequisitesMet("a secured etcd (real etcd, TLS)", problems);

const ROOT = "/calico/resources/v3/projectcalico.org";
const PASSWORD = "pw-Zq8#never-printed";
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/esm/index.mjs", import.meta.url));
const BIN = fileURLToPath(new URL("../../src/cli/bin.ts", import.meta.url));

async function cli(argv: readonly string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: process.cwd(), env });
  return { code, stdout, stderr };
}

/**
 * The agent as a child process until its log shows `pred`, then SIGTERM. It runs in the host's
 * namespace but programs nothing: no endpoint in these datastores is on its node, and an agent
 * writes nothing until its sources name its node (PC3050).
 */
async function agentUntil(args: readonly string[], env: Record<string, string>, pred: (line: string) => boolean, ms = 20_000): Promise<{ out: string; err: string }> {
  const child = spawn(process.execPath, ["--import", TSX, BIN, "agent", "--node", "tls-test-node", ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching log line in ${ms} ms:\n${out.slice(-3000)}\n${err.slice(-2000)}`)), ms);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.split("\n").some(pred)) (clearTimeout(timer), resolve());
    });
    child.on("exit", (code) => (clearTimeout(timer), code !== null && code !== 0 ? reject(new Error(`agent exited ${code}: ${err}`)) : resolve()));
  }).finally(() => child.kill("SIGTERM"));
  await new Promise((r) => child.once("exit", r).once("close", r));
  return { out, err };
}

describe.skipIf(!runnable)("a secured etcd", () => {
  let pki: TestPki;
  let etcd: EtcdCluster;
  let plain: EtcdServer;
  let url: string;
  const tlsOf = async (ca: PkiName | null, cert: PkiName | null): Promise<EtcdTlsMaterial> => {
    const r = etcdConnection({
      endpoints: { value: url, from: "--etcd" },
      ...(ca && { caFile: { value: pki.crt(ca), from: "--etcd-ca-file" } }),
      ...(cert && { certFile: { value: pki.crt(cert), from: "--etcd-cert-file" }, keyFile: { value: pki.key(cert), from: "--etcd-key-file" } }),
    });
    return (await loadEtcdTls(r.connection!)) as EtcdTlsMaterial;
  };

  beforeAll(async () => {
    pki = await makeTestPki();
    etcd = await startEtcdCluster(pki, { size: 1 });
    url = etcd.endpoints;
    plain = await startEtcd();
    await etcd.ctl(["put", `${ROOT}/networkpolicies/default/a`, JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "NetworkPolicy", metadata: { name: "a", namespace: "default" }, spec: { selector: "all()" } })]);
    // Username/password auth on top of client certificates: root with a password, and a user
    // "reader" who may read the Calico prefix.
    await etcd.ctl(["user", "add", "root", "--new-user-password", PASSWORD]);
    await etcd.ctl(["user", "add", "reader", "--new-user-password", PASSWORD]);
    await etcd.ctl(["role", "add", "calico-read"]);
    await etcd.ctl(["role", "grant-permission", "calico-read", "--prefix=true", "read", "/calico/"]);
    await etcd.ctl(["user", "grant-role", "reader", "calico-read"]);
    await etcd.ctl(["auth", "enable"]);
  }, 60_000);

  afterAll(async () => {
    await etcd?.destroy();
    await plain?.destroy();
    await pki?.destroy();
  }, 30_000);

  it("the source lists and watches over TLS with the client certificate and a password", async () => {
    const tls = await tlsOf("ca", "client");
    const snapshots: string[][] = [];
    const problems: string[] = [];
    const source = new EtcdSource({ urls: [url], tls, auth: { username: "reader", password: PASSWORD, from: "ETCD_USERNAME" }, maxBackoffMs: 300 });
    await source.start({ snapshot: (e) => snapshots.push([...e.keys()]), change: () => undefined, problem: (m) => problems.push(m) });
    try {
      const deadline = Date.now() + 15_000;
      while (snapshots.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(snapshots[0]).toEqual([`${ROOT}/networkpolicies/default/a`]);
      expect(problems).toEqual([]);
      expect(source.status()).toMatchObject({ state: "synced", entries: 1, detail: { tls: true, user: "reader" } });
      expect(JSON.stringify(source.status())).not.toContain(PASSWORD);
    } finally {
      await source.stop();
    }
  }, 30_000);

  describe("checked before connecting", () => {
    it("an expired client certificate: the file, where it was configured and the date", async () => {
      await expect(tlsOf("ca", "client-expired")).rejects.toThrow(`the client certificate ${pki.crt("client-expired")} (--etcd-cert-file) expired on 2020-01-02T00:00:00.000Z`);
    });
    it("a certificate and a key that do not belong together", async () => {
      await expect(tlsOf("ca", "mismatched")).rejects.toThrow(`the client certificate ${pki.crt("mismatched")} (--etcd-cert-file) and the key ${pki.key("mismatched")} (--etcd-key-file) do not match`);
    });
    it("a CA file that is not a certificate, and one that is missing", async () => {
      const r = etcdConnection({ endpoints: { value: url, from: "--etcd" }, caFile: { value: pki.key("ca"), from: "ETCD_CA_CERT_FILE" } });
      await expect(loadEtcdTls(r.connection!)).rejects.toThrow(`${pki.key("ca")} (ETCD_CA_CERT_FILE) is not a PEM certificate`);
      const missing = etcdConnection({ endpoints: { value: url, from: "--etcd" }, caFile: { value: "/nonexistent/ca.pem", from: "ETCD_CA_CERT_FILE" } });
      await expect(loadEtcdTls(missing.connection!)).rejects.toThrow("cannot read /nonexistent/ca.pem (ETCD_CA_CERT_FILE): no such file");
    });
    it("inline PEM in calicoctl.cfg (etcdCACert, etcdCert, etcdKey) connects like the files; both forms at once are refused", async () => {
      const indent = (pem: string) => pem.trim().split("\n").map((l) => `    ${l}`).join("\n");
      const [ca, cert, key] = await Promise.all([readFile(pki.crt("ca"), "utf8"), readFile(pki.crt("client"), "utf8"), readFile(pki.key("client"), "utf8")]);
      const text = `apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  datastoreType: etcdv3\n  etcdEndpoints: "${url}"\n  etcdCACert: |\n${indent(ca)}\n  etcdCert: |\n${indent(cert)}\n  etcdKey: |\n${indent(key)}\n`;
      const parsed = parseCalicoctlConfig({ file: "inline.cfg", text });
      expect(parsed.diagnostics).toEqual([]);
      const conn = etcdConnection(parsed.settings).connection!;
      expect(conn.tls?.ca).toMatchObject({ kind: "inline", from: "inline.cfg:6:15 spec.etcdCACert" });
      expect(await probeEtcdEndpoint(url, await loadEtcdTls(conn))).toBeNull();
      const both = etcdConnection({ ...parsed.settings, caFile: { value: pki.crt("ca"), from: "ETCD_CA_CERT_FILE" } });
      expect(both.problems).toEqual(["the etcd CA certificate is given twice, as a file (ETCD_CA_CERT_FILE) and inline (inline.cfg:6:15 spec.etcdCACert); give one"]);
    });

    it("the agent refuses to start with an expired client certificate: exit 2, the reason, nothing else tried", async () => {
      const r = await cli(["agent", "--node", "n1", "--etcd", url, "--etcd-ca-file", pki.crt("ca"), "--etcd-cert-file", pki.crt("client-expired"), "--etcd-key-file", pki.key("client")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`policy-compile agent: the client certificate ${pki.crt("client-expired")} (--etcd-cert-file) expired on 2020-01-02T00:00:00.000Z\n`);
    });
  });

  describe("probing each endpoint says why it cannot be used", () => {
    it.each<[string, PkiName | null, PkiName | null, (p: TestPki) => string]>([
      ["a wrong CA", "other-ca", "client", (p) => `the server's certificate is not signed by the CA ${p.crt("other-ca")} (--etcd-ca-file) (wrong CA?)`],
      ["no CA (the system's do not know the cluster's)", null, "client", () => "the server's certificate is not signed by a CA this system trusts (give the cluster's CA with --etcd-ca-file)"],
      ["a client certificate from another CA", "ca", "other-client", (p) => `the server refused the client certificate ${p.crt("other-client")} (--etcd-cert-file) (TLS alert: bad certificate)`],
      ["no client certificate", "ca", null, () => "the server requires a client certificate (TLS alert: bad certificate): give --etcd-cert-file and --etcd-key-file"],
      ["the right material", "ca", "client", () => "null"],
    ])("%s", async (_name, ca, cert, want) => {
      const tls = await tlsOf(ca, cert);
      expect(String(await probeEtcdEndpoint(url, tls))).toContain(want(pki));
    });

    it("plaintext http:// against the TLS port", async () => {
      expect(await probeEtcdEndpoint(url.replace("https:", "http:"), undefined)).toBe("the server speaks TLS but the endpoint is plaintext http://: use https:// with the cluster's CA (--etcd-ca-file)");
    });

    it("https:// against a plaintext etcd: never a fallback", async () => {
      const tls = await tlsOf("ca", "client");
      expect(await probeEtcdEndpoint(plain.url.replace("http:", "https:"), tls)).toBe("the server does not speak TLS (it answers plaintext HTTP/2: an http:// endpoint); policy-compile never falls back to plaintext");
      expect(await probeEtcdEndpoint(plain.url, undefined)).toBeNull();
    });

    it("a port where nothing listens", async () => {
      expect(await probeEtcdEndpoint(`https://127.0.0.1:${await freePort()}`, await tlsOf("ca", "client"))).toBe("connection refused (etcd is not running or not listening there)");
    });

    it.each<[PkiName, string]>([
      ["server-expired", "the server's certificate has expired"],
      ["server-wrong-host", "the server's certificate is not for 127.0.0.1 (IP: 127.0.0.1 is not in the cert's list: 10.9.9.9)"],
    ])("a server with the certificate %s", async (name, want) => {
      // An HTTP/2 TLS server stands in for etcd here: only the server's certificate differs.
      const server = createSecureServer({ cert: await readFile(pki.crt(name)), key: await readFile(pki.key(name)), allowHTTP1: false });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const port = (server.address() as AddressInfo).port;
        expect(await probeEtcdEndpoint(`https://127.0.0.1:${port}`, await tlsOf("ca", "client"))).toBe(want);
      } finally {
        server.close();
      }
    });
  });

  describe("the agent, as a process: source-problem lines name the endpoint and the reason, never a secret", () => {
    const base = () => ["--etcd-ca-file", pki.crt("ca"), "--etcd-cert-file", pki.crt("client"), "--etcd-key-file", pki.key("client"), "--resync-seconds", "60"];

    it("a wrong CA through ETCD_CA_CERT_FILE", async () => {
      const { out } = await agentUntil([], { ETCD_ENDPOINTS: url, ETCD_CA_CERT_FILE: pki.crt("other-ca"), ETCD_CERT_FILE: pki.crt("client"), ETCD_KEY_FILE: pki.key("client") }, (l) => l.includes('"source-problem"'));
      const line = JSON.parse(out.split("\n").find((l) => l.includes('"source-problem"')) as string) as { message: string };
      expect(line.message).toBe(`etcd: no etcd endpoint answered: ${url}: the server's certificate is not signed by the CA ${pki.crt("other-ca")} (ETCD_CA_CERT_FILE) (wrong CA?); retrying in 100 ms`);
    }, 30_000);

    it("a wrong password: authentication failed for the user, the password nowhere", async () => {
      const { out, err } = await agentUntil(["--etcd", url, "--etcd-username", "reader", ...base()], { ETCD_PASSWORD: "wrong-Kx7#secret" }, (l) => l.includes('"source-problem"'));
      expect(out).toContain('etcd: authentication failed for etcd user \\"reader\\" (--etcd-username): wrong username or password');
      expect(out + err).not.toContain("wrong-Kx7#secret");
    }, 30_000);

    it("the right password from ETCD_PASSWORD: synced (the snapshot is logged), the password nowhere", async () => {
      const { out, err } = await agentUntil(["--etcd", url, "--etcd-username", "reader", ...base()], { ETCD_PASSWORD: PASSWORD }, (l) => l.includes('"snapshot"'));
      expect(out).toMatch(/"event":"snapshot","source":"etcd https:\/\/127\.0\.0\.1:\d+","entries":1/);
      expect(out + err).not.toContain(PASSWORD);
    }, 30_000);
  });
});
