/**
 * A throw-away PKI for the etcd TLS tests, made with the openssl CLI (Debian's `openssl`; no npm
 * dependency: Node's crypto cannot issue certificates, and `openssl ca` can backdate one, which
 * is how the expired certificate is made). EC P-256 keys; certificates without extended key
 * usage, so the server certificate also serves etcd's peer links.
 *
 * - ca / other-ca: the cluster's CA and an unrelated one ("wrong CA").
 * - server: 127.0.0.1 and localhost, signed by ca; server-expired and server-wrong-host too.
 * - client: signed by ca; client-expired (2020-01-01..02, same key); other-client (signed by
 *   other-ca, so the server refuses it); mismatched-key: a key that is not client's.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export interface TestPki {
  readonly dir: string;
  /** Absolute path of `<name>.crt` / `<name>.key`. */
  crt(name: PkiName): string;
  key(name: PkiName): string;
  destroy(): Promise<void>;
}

export type PkiName = "ca" | "other-ca" | "server" | "server-expired" | "server-wrong-host" | "client" | "client-expired" | "other-client" | "mismatched";

export async function opensslProblems(): Promise<string[]> {
  const r = await execa("sh", ["-c", "command -v openssl"], { reject: false });
  return r.exitCode === 0 ? [] : ["openssl not found on PATH (apt-get install openssl)"];
}

const CA_CONFIG = `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
`;

export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), "pc-pki-"));
  const ssl = (args: string[]) => execa("openssl", args, { cwd: dir });
  const newKey = (name: string) => ssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`]);
  const selfSigned = async (name: string, cn: string) => {
    await newKey(name);
    await ssl(["req", "-x509", "-key", `${name}.key`, "-out", `${name}.crt`, "-days", "3", "-subj", `/CN=${cn}`]);
  };
  const sign = async (name: string, ca: string, cn: string, opts: { key?: string; san?: string; dates?: [string, string] } = {}) => {
    const keyName = opts.key ?? name;
    if (!opts.key) await newKey(name);
    await ssl(["req", "-new", "-key", `${keyName}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`, ...(opts.san ? ["-addext", `subjectAltName=${opts.san}`] : [])]);
    await writeFile(join(dir, "index.txt"), "");
    await writeFile(join(dir, "serial"), `${(Math.floor(Math.random() * 0xefffff) + 0x100000).toString(16)}\n`);
    await ssl([
      "ca", "-batch", "-config", "ca.cnf", "-cert", `${ca}.crt`, "-keyfile", `${ca}.key`, "-in", `${name}.csr`, "-out", `${name}.crt`, "-notext",
      ...(opts.dates ? ["-startdate", opts.dates[0], "-enddate", opts.dates[1]] : ["-days", "3"]),
    ]);
    if (opts.key) await execa("cp", [join(dir, `${keyName}.key`), join(dir, `${name}.key`)]);
  };
  try {
    await writeFile(join(dir, "ca.cnf"), CA_CONFIG);
    await selfSigned("ca", "policy-compile test CA");
    await selfSigned("other-ca", "some other CA");
    const local = "IP:127.0.0.1,DNS:localhost";
    await sign("server", "ca", "etcd", { san: local });
    await sign("server-expired", "ca", "etcd", { san: local, key: "server", dates: ["20200101000000Z", "20200102000000Z"] });
    await sign("server-wrong-host", "ca", "etcd", { san: "DNS:etcd.example.com,IP:10.9.9.9", key: "server" });
    await sign("client", "ca", "root");
    await sign("client-expired", "ca", "root", { key: "client", dates: ["20200101000000Z", "20200102000000Z"] });
    await sign("other-client", "other-ca", "root");
    // A certificate and a key that do not belong together: client's certificate, other-client's key.
    await execa("cp", [join(dir, "client.crt"), join(dir, "mismatched.crt")]);
    await execa("cp", [join(dir, "other-client.key"), join(dir, "mismatched.key")]);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    crt: (name) => join(dir, `${name}.crt`),
    key: (name) => join(dir, `${name}.key`),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
}
